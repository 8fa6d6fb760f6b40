/**
 * A full disk, for real: the state file (and, mid-task, the logs) on a small tmpfs filled to the
 * last byte (root only; otherwise skipped with the reason printed). `orchestrator serve` as a
 * real process:
 * - at start, after a kill -9 mid-task left a recovery to save: the service still comes up,
 *   GET /health answers 503 degraded naming ENOSPC, commands get 503 with the reason, and once
 *   space is back it recovers by itself (the recovery saved, the orphan ended, commands taken);
 * - mid-task: the task's output log is cut short and the state says so (output_log_error), the
 *   result whose save fails is kept and saved when space returns, and the retries are logged
 *   one line per try with backoff, not in a tight loop.
 * The figures go to RELIABILITY.md; `FAULT_FIGURES=1` prints them.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { mountTmpfs, processesWithMarker, type Tmpfs } from "./fault-helpers.js";

const SECRET = "fault-suite-secret";
const CONFIG = "orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: 1\n";
/** Longest pause between two save tries (30 s) plus a margin: the bound on recovering by itself. */
const RECOVERY_BOUND_MS = 40_000;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`full-disk.test.ts figures:\n${figures.join("\n")}\n`);
});

const task = (n: number, scenario: string) => `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;

async function project(tasks: string): Promise<string> {
  const dir = await tempDir("orch-fault-disk-");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await writeFile(path.join(dir, "orchestrator_tasks", "tasks.md"), `# Tasks\n\n${tasks}`);
  await writeFile(path.join(dir, "config.yaml"), CONFIG);
  return dir;
}

async function smallDisk(kb: number): Promise<Tmpfs | null> {
  const { tmpfs, reason } = await mountTmpfs(kb);
  if (!tmpfs) {
    process.stdout.write(`full-disk.test.ts skipped: ${reason}\n`);
    return null;
  }
  cleanups.push(() => tmpfs.unmount());
  return tmpfs;
}

async function call(service: RunningService, method: "GET" | "POST", route: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${service.url}${route}`, {
    method,
    headers: method === "POST" ? { "content-type": "application/json", "x-webhook-secret": SECRET } : {},
    body: method === "POST" ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000), // an answer that does not come is a failure, not a hang
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The whole saved state, read the way a person would with the service stopped (whatever the store's layout). */
async function savedState(dir: string, stateFile: string): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json", "--state", stateFile], { cwd: dir, env: { PORT: "1" } });
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as SessionState;
}

describe("a full disk", () => {
  it("at start: serve comes up degraded, /health names ENOSPC, commands get 503 with the reason, and it recovers by itself", async () => {
    const disk = await smallDisk(1024);
    if (!disk) return;
    // "hang" prints nothing after its start, so it outlives its orchestrator (a claude that writes
    // would die of EPIPE within its next write, racing the check below).
    const dir = await project(task(1, "hang") + "\n---\n\n" + task(2, "success"));
    const stateFile = path.join(disk.dir, "state.json");
    const rec = path.join(dir, "rec");
    await mkdir(rec);
    const env = { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: rec };
    const args = ["--state", stateFile, "--logs", path.join(dir, "logs")];

    // A task runs; the service is killed -9 mid-task: the next start has a recovery to save.
    const first = await startService(dir, env, args);
    expect((await call(first, "POST", "/webhook/start", { task_file: "tasks.md" })).status).toBe(200);
    const running = await waitFor(async () => {
      const s = await call(first, "POST", "/webhook/status");
      return s.json.status === "running" && (s.json.current_task as { status: string }).status === "running" ? s : undefined;
    });
    expect(running.json.status).toBe("running");
    // The fake has read its whole prompt (it records the call then): killed earlier, it would get a
    // cut prompt without its "hang" line and simply succeed.
    await waitFor(async () => ((await readFile(path.join(rec, "calls.jsonl"), "utf8")).includes('"scenario":"hang"') ? true : undefined), 15_000, "claude reading its prompt");
    first.process.kill("SIGKILL");
    await first.process;
    const orphans = await processesWithMarker(`${first.process.pid}-`);
    expect(orphans.length).toBeGreaterThan(0); // the hanging claude outlived its orchestrator

    await disk.fill();
    const t0 = Date.now();
    const second = await startService(dir, env, args);
    const upMs = Date.now() - t0;
    let stopped: Awaited<ReturnType<RunningService["stop"]>>;
    try {
      expect(second.output()).toMatch(/⚠️ degraded: cannot save the state: .*ENOSPC/);
      const health = await call(second, "GET", "/health");
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({ status: "degraded", problems: [expect.stringMatching(/^cannot save the state: .*ENOSPC: no space left on device/)], version: expect.any(String) });
      const refused = await call(second, "POST", "/webhook/skip");
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ status: "error", error: "unavailable", message: expect.stringMatching(/^Could not save the state, so no command is taken until it can be: .*ENOSPC.*retried in the background/) });
      const status = await call(second, "POST", "/webhook/status"); // reads still work
      expect(status.status).toBe(200);
      expect(status.json.problems).toEqual([expect.stringContaining("ENOSPC")]);

      await disk.free();
      const freed = Date.now();
      await waitFor(async () => ((await call(second, "GET", "/health")).status === 200 ? true : undefined), RECOVERY_BOUND_MS, "health ok after space returned");
      const recoveredMs = Date.now() - freed;
      // The recovery was saved, and what the killed run left is ended before commands are taken.
      expect(await processesWithMarker(`${first.process.pid}-`)).toEqual([]);
      const after = await call(second, "POST", "/webhook/status");
      expect(after.json).toMatchObject({ status: "waiting_approval", current_task: { status: "interrupted" }, problems: [] });
      // Saving works again; the recovery then ends the orphan (SIGTERM, up to kill_grace) before it
      // takes commands: until then a command is 503 "still recovering", which is the promise too.
      const skipped = await waitFor(async () => {
        const r = await call(second, "POST", "/webhook/skip");
        return r.status === 503 && /still recovering/.test(String(r.json.message)) ? undefined : r;
      }, 15_000, "the recovery to finish");
      expect(skipped.status).toBe(200);
      await waitFor(async () => ((await call(second, "POST", "/webhook/status")).json.status === "completed" ? true : undefined), 15_000, "task 2 done");
      const out = second.output();
      const saveLines = out.split("\n").filter((l) => /save the state/.test(l)).length;
      expect(saveLines).toBeLessThan(12); // one line per try, with backoff
      figures.push(`full disk at start: up (degraded) in ${upMs} ms; health ok ${recoveredMs} ms after space returned; ${saveLines} save-failure log lines; ${orphans.length} orphan(s) ended, 0 left`);
    } finally {
      stopped = await second.stop();
    }
    expect(stopped.exitCode).toBe(0);
    const saved = await savedState(dir, stateFile);
    expect(saved.tasks.map((t) => t.status)).toEqual(["skipped", "completed"]);
  });

  it("mid-task: the output log cut short is recorded, the result is not lost, and retries are bounded", async () => {
    const disk = await smallDisk(1024);
    if (!disk) return;
    const dir = await project(task(1, "gate"));
    const gate = path.join(dir, "gate");
    const stateFile = path.join(disk.dir, "state.json");
    const logs = path.join(disk.dir, "logs");
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_GATE: gate }, ["--state", stateFile, "--logs", logs]);
    let outputLog = "";
    try {
      expect((await call(service, "POST", "/webhook/start", { task_file: "tasks.md" })).status).toBe(200);
      // Running, and its output log has a few lines in it.
      outputLog = await waitFor(async () => {
        const [session] = (await readdir(logs)).filter((n) => !n.endsWith(".log"));
        if (!session) return undefined;
        const file = path.join(logs, session, "task-1-output.log");
        return (await stat(file)).size > 500 ? file : undefined;
      });
      await disk.fill();
      // The gate scenario prints every 200 ms; the log's last page still takes a few lines. Once
      // its size stands still for a second, writes fail: then the task may finish.
      let sizeAtFull = -1;
      for (let i = 0; ; i++) {
        const size = (await stat(outputLog)).size;
        if (size === sizeAtFull) break;
        if (i > 15) throw new Error("the output log kept growing on a full disk");
        sizeAtFull = size;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await writeFile(gate, "");
      // Its result cannot be saved: degraded, commands refused; the result waits in memory.
      const degraded = await waitFor(async () => {
        const h = await call(service, "GET", "/health");
        return (h.json.problems as string[] | undefined)?.some((p) => p.startsWith("cannot save the state")) ? h : undefined;
      }, 10_000, "health naming the state that cannot be saved");
      expect(degraded.status).toBe(503);
      // The first log in the folder to fail is named (the output log, or the event history beside it).
      expect(degraded.json.problems).toContainEqual(expect.stringMatching(/^logs are not being written: .*ENOSPC/));
      expect((await call(service, "POST", "/webhook/pause")).status).toBe(503);
      await new Promise((r) => setTimeout(r, 3000)); // a few tries (1 s, 2 s ...)
      await disk.free();
      await waitFor(async () => {
        const s = await call(service, "POST", "/webhook/status");
        return s.json.status === "completed" ? s : undefined;
      }, RECOVERY_BOUND_MS, "the result saved after space returned");
      expect((await stat(outputLog)).size).toBe(sizeAtFull); // cut short for good, not silently resumed
      // Idle, and space is back: the standing log problem is re-checked and cleared by itself.
      const freedAt = Date.now();
      await waitFor(async () => ((await call(service, "GET", "/health")).status === 200 ? true : undefined), 20_000, "health ok once logs can be written");
      const logsBackMs = Date.now() - freedAt;
      const out = service.output();
      const saveLines = out.split("\n").filter((l) => /save the state/.test(l)).length;
      expect(saveLines).toBeGreaterThan(0);
      expect(saveLines).toBeLessThan(10);
      // Said once each way on stderr (and as one notification each: see readonly-logs.test.ts).
      // Once, whichever log in the folder failed first (the output log, or the event history beside it).
      expect(out.split("orchestrator: logs are not being written: ").length - 1).toBe(1);
      expect(out.split("orchestrator: logs are being written again").length - 1).toBe(1);
      figures.push(`full disk mid-task: output log cut at ${sizeAtFull} bytes and recorded; result saved after space returned; ${saveLines} save-failure log lines over ~4 s; health ok ${logsBackMs} ms after the result was saved`);
    } finally {
      await writeFile(gate, "").catch(() => undefined);
      await disk.free();
    }
    const stopped = await service.stop();
    expect(stopped.exitCode).toBe(0);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    const saved = await savedState(dir, stateFile);
    expect(saved.tasks[0]).toMatchObject({
      status: "completed",
      result: "success",
      output_log: outputLog,
      output_log_error: expect.stringMatching(/^the output log was cut short after [\d.]+ (B|KB|MB): ENOSPC: no space left on device, write$/),
    });
    expect(await readFile(outputLog, "utf8")).toContain("Working, step 1");
  });
});
