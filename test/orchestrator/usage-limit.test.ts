// A usage limit hit mid-task, end to end in one process: the orchestrator with the real
// ClaudeRunner and the fake CLI (its rate_limit_event says the reset is 2 s away), a real state
// file. It waits (waiting_limit), resumes by itself at the reset with --resume of the same Claude
// session, and completes; also when it is closed during the wait and a new one opens the file.
import { afterAll, describe, expect, it } from "@jest/globals";
import path from "node:path";
import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import { systemClock } from "../../src/core/clock.js";
import type { Notification } from "../../src/core/effects.js";
import type { SessionState } from "../../src/core/state.js";
import { LIMIT_PROMPT } from "../../src/core/machine/usage-limits.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { FileStateStore } from "../../src/store/state-store.js";
import { def, policies } from "../core/machine-helpers.js";
import { calls, fakeConfig, removeDir, tempDir } from "../runner/runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const RESET_IN_S = 2;

function setup() {
  const dir = tempDir("orch-limit-");
  dirs.push(dir);
  const env = { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), FAKE_CLAUDE_RESET_IN_S: String(RESET_IN_S) };
  const open = () =>
    Orchestrator.open({
      store: new FileStateStore(path.join(dir, "state.json"), { clock: systemClock }),
      runner: new ClaudeRunner(fakeConfig(dir), { env, dropEnv: [] }),
      clock: systemClock,
      policy: policies.auto as ApprovalPolicy,
      logger: createSilentLogger(),
      logsDir: path.join(dir, "logs"),
      bootId: "boot-1",
      killOrphan: async () => {},
    });
  return { dir, open };
}

/** Task 1 hits the limit (its prompt says so); task 2 just succeeds. */
const start = {
  type: "start" as const,
  task_file: "/x/tasks.md",
  tasks: [def(1, { instruction: "Build it.\nFAKE_CLAUDE: usage_limit" }), def(2, { instruction: "Document it.\nFAKE_CLAUDE: success" })],
  session_id: "S1",
};

/** The notifications every transition carried, in order. */
function notifications(o: Orchestrator): Notification[] {
  const seen: Notification[] = [];
  o.subscribe((c) => c.effects.forEach((e) => e.type === "notify" && seen.push(e.notification)));
  return seen;
}

function expectResumedAfterTheReset(dir: string, waiting: SessionState, final: SessionState): void {
  const [first, resumed, second] = calls(dir);
  expect(calls(dir)).toHaveLength(3);
  const session = final.tasks[0]?.claude_session_id;
  expect(session).toBeTruthy();
  expect(first?.argv).not.toContain("--resume");
  // The same Claude session, continued, with the words for it, no earlier than the reset.
  expect(resumed?.argv.slice(resumed.argv.indexOf("--resume"), resumed.argv.indexOf("--resume") + 2)).toEqual(["--resume", session]);
  expect(resumed?.prompt).toBe(LIMIT_PROMPT);
  expect(second?.prompt).toContain("Document it.");
  expect(final.status).toBe("completed");
  expect(final.tasks.map((t) => [t.status, t.attempts])).toEqual([["completed", 1], ["completed", 1]]);
  expect(final.tasks[0]?.summary).toBe("Continued after the usage limit reset.");
  expect(final.tasks[0]?.limit_wait_s).toBeGreaterThan(0.5);
  expect(final).toMatchObject({ resume_at: null, limit: null });
  expect(waiting.limit).toMatchObject({ type: "five_hour", index: 0, hits: 1 });
  expect(Date.parse(waiting.resume_at ?? "")).toBe(Date.parse(waiting.limit?.resets_at ?? ""));
}

describe("a usage limit hit mid-task, with the fake CLI", () => {
  it("waits for the reset, then goes on by itself with --resume of the same session, and completes", async () => {
    const { dir, open } = setup();
    const o = await open();
    const told = notifications(o);
    const waiting = o.waitFor((s) => s.status === "waiting_limit", 10_000);
    expect((await o.dispatch(start)).ok).toBe(true);
    const w = await waiting;
    const resetAt = Date.parse(w.resume_at ?? "");
    expect(resetAt).toBeGreaterThan(Date.now());
    const final = await o.waitFor((s) => s.status === "completed", 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt);
    expectResumedAfterTheReset(dir, w, final);
    const events = told.map((n) => n.event);
    expect(events.filter((e) => e === "usage_limit_reached")).toHaveLength(1);
    expect(events.filter((e) => e === "usage_limit_resumed")).toHaveLength(1);
    expect(events).not.toContain("task_failed");
    expect(events).not.toContain("task_interrupted");
    expect(told.find((n) => n.event === "usage_limit_reached")?.message).toMatch(/^⏳ Usage limit reached \(5-hour window\)\. Resuming at \d\d:\d\d \(in [1-3] s\)\./);
    await o.shutdown();
  }, 30_000);

  it("across a restart during the wait: the new orchestrator re-arms the timer from the saved resume_at", async () => {
    const { dir, open } = setup();
    const a = await open();
    const waiting = a.waitFor((s) => s.status === "waiting_limit", 10_000);
    await a.dispatch(start);
    const w = await waiting;
    await a.shutdown();
    expect(calls(dir)).toHaveLength(1); // nothing resumed by the closed one
    const b = await open();
    expect(b.state).toMatchObject({ status: "waiting_limit", resume_at: w.resume_at });
    const final = await b.waitFor((s) => s.status === "completed", 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(w.resume_at ?? ""));
    expectResumedAfterTheReset(dir, w, final);
    await b.shutdown();
  }, 30_000);

  it("a restart after resume_at has passed resumes at once", async () => {
    const { dir, open } = setup();
    const a = await open();
    const waiting = a.waitFor((s) => s.status === "waiting_limit", 10_000);
    await a.dispatch(start);
    const w = await waiting;
    await a.shutdown();
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(w.resume_at ?? "") - Date.now() + 100)));
    const opened = Date.now();
    const b = await open();
    const resumed = await b.waitFor((s) => s.status === "running" && s.current_task_index === 0, 5_000);
    expect(Date.now() - opened).toBeLessThan(1000);
    expect(resumed.tasks[0]?.limit_resumes).toBe(1);
    const final = await b.waitFor((s) => s.status === "completed", 15_000);
    expectResumedAfterTheReset(dir, w, final);
    await b.shutdown();
  }, 30_000);

  it("/approve during the wait tries now: before the reset the same limit comes back, and it waits again for the same reset", async () => {
    const { dir, open } = setup();
    const o = await open();
    const waiting = o.waitFor((s) => s.status === "waiting_limit", 10_000);
    await o.dispatch(start);
    const w = await waiting;
    const again = o.waitFor((s) => s.status === "waiting_limit" && (s.limit?.hits ?? 0) === 2, 10_000);
    expect((await o.dispatch({ type: "approve" })).ok).toBe(true);
    const w2 = await again;
    expect(w2.resume_at).toBe(w.resume_at);
    const final = await o.waitFor((s) => s.status === "completed", 15_000);
    expect(final.tasks[0]?.status).toBe("completed");
    expect(calls(dir).filter((c) => c.argv.includes("--resume"))).toHaveLength(2);
    await o.shutdown();
  }, 30_000);
});
