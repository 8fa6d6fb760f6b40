/**
 * The `orchestrator` command's cold start: wall time from spawning `node bin/orchestrator.js …` to
 * its exit (--help; `status` and `permissions` sent to a running service), and from spawning
 * `serve` to its first 200 on /health, against `node -e 0` in the same run. Each is measured from a
 * fresh build (dist/, what `npm ci` leaves) and from the sources through tsx (a stale or missing
 * build), in a scratch copy of the package so the repo's own dist/ is never touched.
 * Run alone: `node bin/run-ts.js bench/cold-start.ts [samples]` prints the JSON.
 */
import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FAKE_CLAUDE } from "./orchestrate-once.js";
import { freePort } from "../test/support/start-service.js";
import { scratchPackage, type ScratchPackage } from "../test/bin/scratch-package.js";

export interface StartFigures {
  helpMs: number;
  statusMs: number;
  permissionsMs: number;
  serveReadyMs: number;
}

export interface ColdStart {
  samples: number;
  /** `node -e 0`, median ms: the baseline every ratio divides by. */
  nodeMs: number;
  dist: StartFigures;
  tsx: StartFigures;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function timed(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const r = await execa(file, args, { cwd, reject: false, stdin: "ignore", env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, ...env } });
  const ms = performance.now() - started;
  // Every command here exits 0; anything else means the figure is of a failure.
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")} exited ${r.exitCode}:\n${r.stderr}`);
  return ms;
}

/** Spawn to the first 200 on /health, polled every 5 ms; then SIGTERM and wait for the exit. */
async function serveReady(bin: string, cwd: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = execa("node", [bin, "serve"], { cwd, reject: false, stdin: "ignore", env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, PORT: String(port) }, forceKillAfterDelay: false });
  let exited = false;
  void child.then(() => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`serve exited before /health answered:\n${(await child).stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error("serve did not answer /health in 30 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill("SIGTERM");
    await child;
  }
}

/** Checks with NODE_DEBUG=orchestrator that the bin starts from what the figures are labelled with. */
async function ranFrom(pkg: ScratchPackage, cwd: string, what: string): Promise<void> {
  const r = await execa("node", [pkg.bin, "--version"], { cwd, stdin: "ignore", env: { NODE_DEBUG: "orchestrator" } });
  if (!r.stderr.includes(`running ${what}`)) throw new Error(`expected the bin to run ${what}:\n${r.stderr}`);
}

async function figures(pkg: ScratchPackage, samples: number, nodeMs: number[], work: string): Promise<StartFigures> {
  const help: number[] = [];
  const status: number[] = [];
  const permissions: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < samples; i++) {
    nodeMs.push(await timed("node", ["-e", "0"], work));
    help.push(await timed("node", [pkg.bin, "--help"], work));
    ready.push(await serveReady(pkg.bin, work));
  }
  // The client commands against one running service (they read its .webhook-secret from `work`).
  const port = await freePort();
  const service = execa("node", [pkg.bin, "serve"], { cwd: work, reject: false, stdin: "ignore", env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, PORT: String(port) }, forceKillAfterDelay: false });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < samples; i++) {
      status.push(await timed("node", [pkg.bin, "status"], work, { PORT: String(port) }));
      permissions.push(await timed("node", [pkg.bin, "permissions"], work, { PORT: String(port) }));
    }
  } finally {
    service.kill("SIGTERM");
    await service;
  }
  return { helpMs: median(help), statusMs: median(status), permissionsMs: median(permissions), serveReadyMs: median(ready) };
}

export async function measureColdStart(opts: { samples?: number } = {}): Promise<ColdStart> {
  const samples = opts.samples ?? 7;
  const pkg = await scratchPackage("orchestrator-bench-start-");
  const work = await mkdtemp(path.join(os.tmpdir(), "orchestrator-bench-start-work-"));
  const nodeMs: number[] = [];
  try {
    await ranFrom(pkg, work, "src/ through tsx");
    const tsx = await figures(pkg, samples, nodeMs, work);
    const built = await pkg.build();
    if (built.exitCode !== 0) throw new Error(`build failed:\n${built.stderr}`);
    await ranFrom(pkg, work, "dist/");
    const dist = await figures(pkg, samples, nodeMs, work);
    return { samples, nodeMs: median(nodeMs), dist, tsx };
  } finally {
    await pkg.remove();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await measureColdStart({ samples: Number(process.argv[2] ?? 7) }), null, 2));
}
