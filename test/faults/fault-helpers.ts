/**
 * Shared tools of the fault-injection suite: a small full-disk filesystem, a scan of /proc for
 * what a run left behind, a bounded wait for a process to exit, and the calls the tests that drive
 * a real `serve` share (kill it with its leftovers, POST a webhook, wait for a state, read notices).
 */
import { execa } from "execa";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { ResultPromise } from "execa";
import { readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import type { SessionState } from "../../src/core/state.js";

export const RUN_MARKER_ENV = "ORCHESTRATOR_RUN_ID";

/**
 * Pids whose environment carries ORCHESTRATOR_RUN_ID with a value starting with `prefix`
 * (a run marker is `<orchestrator pid>-<time>-<random>`, so the orchestrator's pid followed by
 * "-" finds everything any of its runs started). Never includes this test process.
 */
export async function processesWithMarker(prefix: string): Promise<number[]> {
  const needle = Buffer.from(`${RUN_MARKER_ENV}=${prefix}`);
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
    if (!environ) continue;
    const at = environ.indexOf(needle);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) {
      // A zombie is already dead; only its parent's wait() is missing.
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      if (/\) Z /.test(stat)) continue;
      found.push(Number(entry));
    }
  }
  return found;
}

export interface Tmpfs {
  dir: string;
  /** Fills the filesystem to the last byte (a file named `filler`). */
  fill(): Promise<void>;
  /** Removes the filler: space is back. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * A small tmpfs of `sizeKb`, for real ENOSPC. Needs root (mount); otherwise null, and the caller
 * skips with `reason`.
 */
export async function mountTmpfs(sizeKb: number): Promise<{ tmpfs: Tmpfs | null; reason: string }> {
  if (process.getuid?.() !== 0) return { tmpfs: null, reason: "not root: cannot mount a small tmpfs for a real full disk" };
  const base = await tempDir("orch-tmpfs-");
  const dir = path.join(base, "fs");
  await mkdir(dir);
  const r = await execa("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { reject: false });
  if (r.exitCode !== 0) {
    await rm(base, { recursive: true, force: true });
    return { tmpfs: null, reason: `mount -t tmpfs failed: ${r.stderr || r.stdout}` };
  }
  const filler = path.join(dir, "filler");
  return {
    reason: "",
    tmpfs: {
      dir,
      async fill() {
        // dd stops at ENOSPC with a non-zero exit: expected.
        await execa("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k"], { reject: false });
      },
      async free() {
        await rm(filler, { force: true });
      },
      async unmount() {
        await execa("umount", ["-l", dir], { reject: false });
        await rm(base, { recursive: true, force: true });
      },
    },
  };
}

/** Waits for a child to exit, or kills it (SIGKILL) and fails after `ms`. */
export async function exitWithin(child: ResultPromise, ms: number): Promise<{ exitCode: number | undefined; signal: string | undefined; elapsedMs: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  const r = await Promise.race([child, timedOut]);
  clearTimeout(timer);
  if (r === "timeout") {
    child.kill("SIGKILL");
    await child.catch(() => undefined);
    throw new Error(`the process did not exit within ${ms} ms`);
  }
  return { exitCode: r.exitCode, signal: r.signal ?? undefined, elapsedMs: Date.now() - started };
}

/**
 * Kills a service child (SIGKILL) and everything its runs left carrying its marker: what every
 * fault test's afterEach does, so a test that failed mid-way leaves no process behind.
 */
export async function killWithLeftovers(child: { pid?: number; kill(signal: NodeJS.Signals): unknown }): Promise<void> {
  child.kill("SIGKILL");
  if (child.pid === undefined) return;
  for (const pid of await processesWithMarker(`${child.pid}-`)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** A POST to a running service's `/webhook/<route>` with `secret`: its status and JSON body (15 s bound). */
export function webhookPoster(secret: string) {
  return async (service: { url: string }, route: string, body: Record<string, unknown> = {}, timeoutMs = 15_000) => {
    const res = await fetch(`${service.url}/webhook/${route}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": secret }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
}

/** The state file of the project in `dir` once `check` holds (bounded by `ms`, failing with `what`). */
export function stateWhere(dir: string, check: (s: SessionState) => boolean, what: string, ms = 20_000): Promise<SessionState> {
  return waitFor(async () => {
    const s = await readState(dir);
    return check(s) ? s : undefined;
  }, ms, what);
}

/** The service's log lines (pino JSON) for a notification event. */
export function notices(output: string, event: string): { event?: string; msg?: string }[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { event?: string; msg?: string }];
      } catch {
        return [];
      }
    })
    .filter((l) => l.event === event);
}
