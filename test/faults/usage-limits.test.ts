/**
 * Usage limits under faults, driving the real `orchestrator serve` from outside with the fake CLI
 * (its rate_limit_event puts the reset a few seconds away):
 * - kill -9 of `serve` while the session waits for a usage limit: the restart keeps waiting (the
 *   same resume_at, nothing run early, no person needed) and, at the reset, continues the same
 *   Claude session (--resume) by itself; the session completes.
 * It asserts the state is intact, nothing is left running (the run marker) and the person heard
 * the wait and the resumption once each. `FAULT_FIGURES=1` prints the figures for RELIABILITY.md.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { LIMIT_PROMPT } from "../../src/core/machine/usage-limits.js";
import { describeStateProblem } from "../../src/core/state.js";
import { readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { killWithLeftovers, notices, processesWithMarker, stateWhere, webhookPoster } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
const SECRET = "limit-fault-secret";
/** Long enough for the kill and a restart (about a second) to land inside the wait. */
const RESET_IN_S = 6;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`usage-limits.test.ts figures:\n${figures.join("\n")}\n`);
});
const services: RunningService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await killWithLeftovers(s.process);
});

interface Call {
  argv: string[];
  prompt: string;
  pid: number;
}

const task = (n: number, scenario: string) => `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;

async function project() {
  const dir = await tempDir("orch-fault-limit-");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const rec = path.join(dir, "rec");
  for (const d of [path.join(dir, "orchestrator_tasks"), rec]) await mkdir(d, { recursive: true });
  await writeFile(path.join(dir, "config.yaml"), "claude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: 1\norchestrator:\n  approval_mode: auto\n");
  await writeFile(path.join(dir, "orchestrator_tasks", "tasks.md"), `# Tasks\n\n${task(1, "usage_limit")}\n---\n\n${task(2, "success")}`);
  const env = { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: rec, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), FAKE_CLAUDE_RESET_IN_S: String(RESET_IN_S) };
  const calls = async (): Promise<Call[]> =>
    (await readFile(path.join(rec, "calls.jsonl"), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  return { dir, env, calls };
}

async function serve(dir: string, env: Record<string, string>): Promise<RunningService> {
  const s = await startService(dir, env);
  services.push(s);
  return s;
}

const post = webhookPoster(SECRET);



// Skipped where there is no /proc (not Linux): run markers are found through it.
(linux ? describe : describe.skip)("usage limits under faults", () => {
  it("kill -9 of `serve` during waiting_limit: the restart keeps waiting, then resumes the same Claude session by itself at the reset", async () => {
    const p = await project();
    const first = await serve(p.dir, p.env);
    expect((await post(first, "start", { task_file: "tasks.md" })).status).toBe(200);
    const waiting = await stateWhere(p.dir, (s) => s.status === "waiting_limit", "waiting_limit");
    const resumeAt = Date.parse(waiting.resume_at ?? "");
    expect(resumeAt - Date.now()).toBeGreaterThan(2000);
    expect(waiting.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true, pid: null, run_marker: null });
    await waitFor(async () => (notices(first.output(), "usage_limit_reached").length === 1 ? true : undefined), 5000, "the usage_limit_reached notice");

    first.process.kill("SIGKILL");
    await first.process;
    const t0 = Date.now();
    const second = await serve(p.dir, p.env);
    const restartMs = Date.now() - t0;
    expect(await processesWithMarker(`${first.process.pid}-`)).toEqual([]);
    // The restart keeps the wait: the same resume_at, nothing resumed early, nobody asked.
    const after = await readState(p.dir);
    expect(describeStateProblem(after)).toBeNull();
    expect(after).toMatchObject({ status: "waiting_limit", resume_at: waiting.resume_at });
    const status = await post(second, "status");
    expect(status.json).toMatchObject({ status: "waiting_limit", limit: { resume_at: waiting.resume_at, type: "five_hour", held: false } });
    expect(Date.now()).toBeLessThan(resumeAt);
    expect(await p.calls()).toHaveLength(1);

    const done = await stateWhere(p.dir, (s) => s.status === "completed", "the session completed after the reset", RESET_IN_S * 1000 + 20_000);
    const calls = await p.calls();
    expect(calls).toHaveLength(3);
    const session = done.tasks[0]?.claude_session_id as string;
    const resumed = calls[1] as Call;
    expect(resumed.argv.slice(resumed.argv.indexOf("--resume"), resumed.argv.indexOf("--resume") + 2)).toEqual(["--resume", session]);
    expect(resumed.prompt).toBe(LIMIT_PROMPT);
    expect(done.tasks.map((t) => [t.status, t.attempts])).toEqual([["completed", 1], ["completed", 1]]);
    const resumedNotice = notices(second.output(), "usage_limit_resumed");
    expect(resumedNotice.map((n) => n.msg)).toEqual(["▶️ Usage limit reset: Task 1/2: Step 1 continues where it stopped (the same Claude session)."]);
    // The service that restarted did not tell of the wait again (it was told once, before the kill).
    expect(notices(second.output(), "usage_limit_reached")).toEqual([]);
    const lateMs = Date.parse(done.tasks[0]?.completed_at ?? "") - resumeAt;
    expect(lateMs).toBeGreaterThanOrEqual(0);

    const stopped = await second.stop("SIGTERM");
    expect(stopped.exitCode).toBe(0);
    expect(await processesWithMarker(`${second.process.pid}-`)).toEqual([]);
    figures.push(`kill -9 of serve during waiting_limit: restart ${restartMs} ms, still waiting (same resume_at, 1 call), resumed with --resume of the same session; task 1 done ${lateMs} ms after resume_at; 0 processes left`);
  }, 60_000);
});
