/**
 * Faults in the state file itself, against the real `orchestrator serve` / `run` processes:
 * - a corrupt state (garbage, truncated JSON, valid JSON of the wrong shape) with a good backup,
 *   with no backup, and with a corrupt backup: the program starts, says so loudly in the log
 *   (level error, naming the file it moved aside), keeps the bad bytes in `state.json.corrupt-<ts>`
 *   and restores the backup when it is good;
 * - a second instance (`run` or `serve`) on a state file one already uses: refused with exit 4
 *   "already running (pid N)", and the first goes on as if nothing happened.
 * The store alone is test/store/state-store.test.ts; this is what a person sees.
 */
import { describe, it, expect, afterAll, afterEach } from "@jest/globals";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { isAlive, orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { processesWithMarker } from "./fault-helpers.js";

const SECRET = "state-file-faults-secret-0123";
const dirs: string[] = [];
const services: RunningService[] = [];
/** Foreground runs a failed test could leave waiting on their gate. */
const runs: ReturnType<typeof orchestratorBin>[] = [];
afterEach(async () => {
  for (const p of [...services.splice(0).map((s) => s.process), ...runs.splice(0)]) {
    // Its gated claude too, which would otherwise wait for a gate file that never comes.
    const left = p.pid ? await processesWithMarker(`${p.pid}-`) : [];
    p.kill("SIGKILL");
    for (const pid of left) process.kill(pid, "SIGKILL");
    await p.catch(() => undefined);
  }
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function task(n: number, scenario: string, approval = false): string {
  return `## Task ${n}: Step ${n}\n**Requires Approval:** ${approval}\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;
}

/** A folder with config.yaml (approval_mode auto) and orchestrator_tasks/day.md. */
async function workspace(tasks: string[]): Promise<string> {
  const dir = await tempDir("orch-state-faults-");
  dirs.push(dir);
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\n");
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await writeFile(path.join(dir, "orchestrator_tasks", "day.md"), `# Tasks\n\n${tasks.join("\n---\n\n")}`);
  return dir;
}

/** The saved state with no service to ask (PORT=1: nothing answers there). */
async function status(dir: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await orchestratorBin(["status", "--json"], { cwd: dir, env: { PORT: "1" } });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
async function savedState(dir: string): Promise<SessionState> {
  const r = await status(dir);
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  return JSON.parse(r.stdout) as SessionState;
}

/**
 * A completed one-task session, then a second start that refreshes state.json.bak (the store's
 * own backup, whatever its layout). Returns the session id both hold.
 */
async function sessionWithBackup(dir: string): Promise<string> {
  const run = await orchestratorBin(["run", "orchestrator_tasks/day.md", "--yes"], { cwd: dir });
  expect(run.exitCode).toBe(0);
  const again = await orchestratorBin(["run", "orchestrator_tasks/day.md", "--yes"], { cwd: dir });
  expect(again.stdout).toMatch(/already completed/);
  expect((await readdir(dir)).includes("state.json.bak")).toBe(true);
  return (await savedState(dir)).session_id!;
}

async function serve(dir: string, env: Record<string, string> = {}): Promise<RunningService> {
  const s = await startService(dir, { WEBHOOK_SECRET: SECRET, ...env });
  services.push(s);
  return s;
}

function jsonLines(out: string): Record<string, unknown>[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function corruptCopies(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^state\.json\.corrupt-\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort();
}

const BAD_STATES: [string, (good: string) => string][] = [
  ["garbage", () => "\u0000\u0007garbage{{{ not json"],
  ["truncated JSON", (good) => good.slice(0, Math.floor(good.length / 2))],
  ["valid JSON of the wrong shape", () => JSON.stringify({ version: 1, status: "exploded", tasks: "none" })],
];

describe("corrupt state file", () => {
  for (const [kind, bad] of BAD_STATES) {
    it(`${kind} with a good backup: serve starts, says so, keeps the bad file, restores the backup`, async () => {
      const dir = await workspace([task(1, "success")]);
      const sessionId = await sessionWithBackup(dir);
      const badBytes = bad(await readFile(path.join(dir, "state.json"), "utf8"));
      await writeFile(path.join(dir, "state.json"), badBytes);

      // The person's offline read names the problem instead of printing a stack.
      const offline = await status(dir);
      expect(offline.exitCode).toBe(2);
      expect(offline.stderr).toMatch(/state\.json is not (valid JSON|a state file)/);
      expect(offline.stderr).not.toMatch(/\n\s+at /);

      const s = await serve(dir);
      const loud = jsonLines(s.output()).filter((l) => /state file was corrupt/.test(String(l.msg)));
      expect(loud).toHaveLength(1);
      expect(loud[0]!.level).toBe(50);
      const copies = await corruptCopies(dir);
      expect(copies).toHaveLength(1);
      expect(String(loud[0]!.msg)).toContain(copies[0]!);
      expect(String(loud[0]!.msg)).toMatch(/restored last good copy/);
      // The bad bytes are kept as they were, for a person to inspect.
      expect(await readFile(path.join(dir, copies[0]!), "utf8")).toBe(badBytes);
      // The restored session is the backup's, and the service works on it.
      const restored = await savedState(dir);
      expect({ session: restored.session_id, status: restored.status }).toEqual({ session: sessionId, status: "completed" });
      expect((await s.stop()).exitCode).toBe(0);

      // The next start finds nothing wrong and leaves the kept copy alone.
      const next = await serve(dir);
      expect(next.output()).not.toMatch(/corrupt/);
      expect(await corruptCopies(dir)).toEqual(copies);
      expect(await readFile(path.join(dir, copies[0]!), "utf8")).toBe(badBytes);
      expect((await next.stop()).exitCode).toBe(0);
    });
  }

  it("no backup: run starts with an empty state, says so, keeps the bad file", async () => {
    const dir = await workspace([task(1, "success")]);
    await writeFile(path.join(dir, "state.json"), "[1, 2, 3]");
    const r = await orchestratorBin(["run", "orchestrator_tasks/day.md", "--yes"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const loud = jsonLines(r.stdout).filter((l) => /state file was corrupt/.test(String(l.msg)));
    expect(loud).toHaveLength(1);
    expect(loud[0]!.level).toBe(50);
    expect(String(loud[0]!.msg)).toMatch(/no backup; starting with an empty state/);
    const copies = await corruptCopies(dir);
    expect(copies).toHaveLength(1);
    expect(await readFile(path.join(dir, copies[0]!), "utf8")).toBe("[1, 2, 3]");
    expect((await savedState(dir)).status).toBe("completed");
  });

  it("state and backup both corrupt: serve starts empty, names both problems, keeps the bad state", async () => {
    const dir = await workspace([task(1, "success")]);
    await sessionWithBackup(dir);
    await writeFile(path.join(dir, "state.json"), "{ truncated");
    await writeFile(path.join(dir, "state.json.bak"), JSON.stringify({ version: 7 }));
    const s = await serve(dir);
    const loud = jsonLines(s.output()).filter((l) => /state file was corrupt/.test(String(l.msg)));
    expect(loud).toHaveLength(1);
    expect(loud[0]!.level).toBe(50);
    expect(String(loud[0]!.msg)).toMatch(/backup .*state\.json\.bak is unusable too \(unknown version 7\); starting with an empty state/);
    const copies = await corruptCopies(dir);
    expect(copies).toHaveLength(1);
    expect(await readFile(path.join(dir, copies[0]!), "utf8")).toBe("{ truncated");
    // It serves, from an empty state: a new session can start.
    const started = await fetch(`${s.url}/webhook/start`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
      body: JSON.stringify({ task_file: "day.md" }),
    });
    expect(started.status).toBe(200);
    await waitFor(async () => ((await savedState(dir)).status === "completed" ? true : undefined), 10_000, "the new session");
    expect((await s.stop()).exitCode).toBe(0);
  });
});

describe("corrupt state file, with n8n notifications", () => {
  // The backup is older than the lost state: restoring it rolled notify_seq back, and the next
  // notifications reused ids n8n already had (ids are <session>-<seq>) for different events; n8n
  // de-duplicates on the id (README), so it dropped them. The restore now moves notify_seq past
  // anything the lost state could have used (src/store/state-store.ts, RESTORE_NOTIFY_SEQ_GAP).
  it("a restore from the backup never reuses a notification id n8n already has", async () => {
    const catcher = await HttpCatcher.start(200);
    try {
      const dir = await workspace([task(1, "success"), task(2, "success", true)]);
      const env = { N8N_NOTIFY_URL: `${catcher.url}/hook` };
      const call = (s: RunningService, endpoint: string, body: object) =>
        fetch(`${s.url}/webhook/${endpoint}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET }, body: JSON.stringify(body) });
      const drained = () => waitFor(async () => ((await savedState(dir)).outbox.length === 0 ? true : undefined), 10_000, "the outbox to empty");
      // 1: session up to task 2's approval. 2: this start refreshes the backup; task 2 runs.
      let s = await serve(dir, env);
      expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
      await waitFor(async () => ((await savedState(dir)).status === "waiting_approval" ? true : undefined), 10_000, "task 2's checkpoint");
      await drained();
      await s.stop();
      s = await serve(dir, env);
      expect((await call(s, "approve", {})).status).toBe(200);
      await waitFor(async () => ((await savedState(dir)).status === "completed" ? true : undefined), 10_000, "the session");
      await drained();
      await s.stop();
      // 3: the state is lost; the backup (at task 2's checkpoint) comes back; the person skips task 2.
      await writeFile(path.join(dir, "state.json"), "garbage");
      s = await serve(dir, env);
      expect((await call(s, "skip", {})).status).toBe(200);
      await drained();
      await s.stop();
      const bodies = new Map<string, Set<string>>();
      for (const r of catcher.requests) {
        const p = r.body as NotificationPayload;
        const { timestamp: _t, ...rest } = p;
        bodies.set(p.id, (bodies.get(p.id) ?? new Set()).add(JSON.stringify(rest)));
      }
      const reused = [...bodies].filter(([, b]) => b.size > 1).map(([id]) => id);
      expect(reused).toEqual([]);
    } finally {
      await catcher.close();
    }
  });
});

describe("a second instance on the same state file", () => {
  it("run and serve beside a running serve: exit 4 'already running (pid N)', the first unaffected", async () => {
    // Task 1 works until the test creates the gate file: the refusals happen while it runs.
    const dir = await workspace([task(1, "gate"), task(2, "success")]);
    const gate = path.join(dir, "gate");
    const first = await serve(dir, { FAKE_CLAUDE_GATE: gate });
    const pid = first.process.pid!;
    const started = await fetch(`${first.url}/webhook/start`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
      body: JSON.stringify({ task_file: "day.md" }),
    });
    expect(started.status).toBe(200);
    const lock = await readFile(path.join(dir, "state.json.lock"), "utf8");

    // While task 1 runs: a foreground run, and a second service (on a port of its own).
    const [run, serve2] = await Promise.all([
      orchestratorBin(["run", "orchestrator_tasks/day.md", "--yes"], { cwd: dir }),
      orchestratorBin(["serve"], { cwd: dir, env: { PORT: "0", WEBHOOK_SECRET: SECRET } }),
    ]);
    for (const r of [run, serve2]) {
      expect(r.exitCode).toBe(4);
      expect(r.stderr).toContain(`already running (pid ${pid})`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The refused ones changed nothing: the lock is still the first's, its session goes on to the end.
    expect(await readFile(path.join(dir, "state.json.lock"), "utf8")).toBe(lock);
    expect(isAlive(pid)).toBe(true);
    const during = await savedState(dir);
    expect(during.tasks[0]?.status).toBe("running");
    await writeFile(gate, "");
    await waitFor(async () => ((await savedState(dir)).status === "completed" ? true : undefined), 10_000, "the first service's session");
    const end = await savedState(dir);
    expect(end.tasks.map((t) => [t.status, t.attempts])).toEqual([
      ["completed", 1],
      ["completed", 1],
    ]);
    expect((await first.stop()).exitCode).toBe(0);
  });

  it("serve beside a running `run`: refused with exit 4, the run completes", async () => {
    const dir = await workspace([task(1, "gate")]);
    const gate = path.join(dir, "gate");
    const run = orchestratorBin(["run", "orchestrator_tasks/day.md", "--yes"], { cwd: dir, env: { FAKE_CLAUDE_GATE: gate } });
    runs.push(run);
    await waitFor(async () => ((await savedState(dir)).tasks[0]?.status === "running" ? true : undefined), 10_000, "the run's task to start");
    const second = await orchestratorBin(["serve"], { cwd: dir, env: { PORT: "0", WEBHOOK_SECRET: SECRET } });
    expect(second.exitCode).toBe(4);
    expect(second.stderr).toContain(`already running (pid ${run.pid})`);
    expect((await savedState(dir)).tasks[0]?.status).toBe("running");
    await writeFile(gate, "");
    const r = await run;
    expect(r.exitCode).toBe(0);
    expect((await savedState(dir)).tasks[0]).toMatchObject({ status: "completed", attempts: 1 });
  });
});
