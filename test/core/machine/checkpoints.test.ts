// After Claude says "done": the Verify commands and deliverables (a failure goes back to Claude
// up to verifyRetries times), then the commit (git.commit: task), then completion.
import { describe, expect, it } from "@jest/globals";
import type { CheckpointSettings } from "../../../src/core/draft.js";
import type { TaskDefinition } from "../../../src/core/task.js";
import { def, outcome, policies } from "../machine-helpers.js";
import { changes, CheckpointDriver, checks, effectOf, noteEvents, notes, snap, verdict } from "./checkpoint-helpers.js";

/** Task 1 (with `over`) and a plain task 2, auto mode: task 1 is running, with or without a before-snapshot. */
function running(settings: CheckpointSettings, over: Partial<TaskDefinition> = {}, withSnapshot = true): CheckpointDriver {
  const d = new CheckpointDriver(settings);
  d.start([def(1, over), def(2)]);
  d.spawn(withSnapshot ? snap(1) : null);
  return d;
}

/** Task 1 has Verify: npm test; Claude finished and the check is under way. */
function verifying(settings: CheckpointSettings = checks(), over: Partial<TaskDefinition> = { verify: ["npm test"] }): CheckpointDriver {
  const d = running(settings, over);
  d.end(outcome(), changes("after-1", ["src/a.ts", "src/b.ts"]));
  expect(d.state.tasks[0]?.phase).toBe("verifying");
  return d;
}

describe("Claude reported success: what comes next", () => {
  // [case, task definition, settings, has a before-snapshot, next effect, phase after, commands, deliverables, note]
  const table: [string, Partial<TaskDefinition>, CheckpointSettings, boolean, "verify_task" | "commit_task" | "complete", string | null, string[], string[], RegExp | null][] = [
    ["own Verify commands", { verify: ["npm test", "npm run lint"] }, checks(), true, "verify_task", "verifying", ["npm test", "npm run lint"], [], /verifying \(npm test, npm run lint\)/],
    ["only deliverables", { deliverables: ["dist/out.js"] }, checks(), true, "verify_task", "verifying", [], ["dist/out.js"], /verifying \(1 deliverable\)$/],
    ["Verify and two deliverables", { verify: ["npm test"], deliverables: ["a.md", "b.md"] }, checks(), true, "verify_task", "verifying", ["npm test"], ["a.md", "b.md"], /verifying \(npm test, 2 deliverables\)/],
    ["orchestrator.verify when the task has none", {}, checks({ verify: ["npm run check"] }), true, "verify_task", "verifying", ["npm run check"], [], /verifying \(npm run check\)/],
    ["the task's own Verify over orchestrator.verify", { verify: ["make test"] }, checks({ verify: ["npm run check"] }), true, "verify_task", "verifying", ["make test"], [], /verifying \(make test\)/],
    ["checks without git", { verify: ["npm test"] }, checks({ git: false }), false, "verify_task", "verifying", ["npm test"], [], /verifying \(npm test\)/],
    ["nothing to verify, no commit", {}, checks(), true, "complete", null, [], [], null],
    ["nothing to verify, git.commit task", {}, checks({ commit: "task" }), true, "commit_task", "committing", [], [], null],
    ["git.commit task but git off", {}, checks({ git: false, commit: "task" }), false, "complete", null, [], [], null],
    ["git.commit task but no snapshot of the task", {}, checks({ commit: "task" }), false, "complete", null, [], [], null],
  ];

  it.each(table)("%s", (_name, over, settings, withSnapshot, next, phase, commands, deliverables, note) => {
    const d = running(settings, over, withSnapshot);
    const t = d.end(outcome({ session_id: "claude-7" }));
    const task = t.state.tasks[0];
    if (next === "complete") {
      expect(task).toMatchObject({ status: "completed", result: "success", phase: null, run_marker: null });
      expect(t.effects.some((e) => e.type === "verify_task" || e.type === "commit_task")).toBe(false);
      // Auto mode: task 2 starts at once.
      expect(noteEvents(t)).toEqual(["task_completed", "task_started"]);
      expect(t.state).toMatchObject({ status: "running", current_task_index: 1 });
      return;
    }
    expect(t.state).toMatchObject({ status: "running", current_task_index: 0 });
    // Still Claude's run marker: a crash during the checks ends them too.
    expect(task).toMatchObject({ status: "running", phase, run_marker: "m-0-1", pid: null, pgid: null, claude_session_id: "claude-7", summary: "done" });
    expect(t.effects.filter((e) => e.type !== "notify").map((e) => e.type)).toEqual([next]);
    if (next === "verify_task") {
      expect(effectOf(t, "verify_task")).toMatchObject({ index: 0, attempt: 1, session_id: "S1", commands, deliverables, round: 1, task: { id: 1, phase: "verifying" } });
      expect(notes(t)).toEqual([{ event: "task_verifying", level: "info", task_index: 0, message: expect.stringMatching(/^🔎 Task 1\/2: Task title 1: Claude is done; /) }]);
      expect(notes(t)[0]?.message).toMatch(note as RegExp);
    } else {
      expect(effectOf(t, "commit_task")).toEqual({ type: "commit_task", index: 0, attempt: 1, message: "Task 1: Task title 1", trailers: { "Orchestrator-Session": "S1", "Orchestrator-Task": "1" } });
      expect(notes(t)).toEqual([]);
      expect(t.reply.message).toMatch(/committing its changes/);
    }
  });

  it("a failed run is not verified", () => {
    const d = running(checks(), { verify: ["npm test"] });
    const t = d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1: boom", summary: null }));
    expect(effectOf(t, "verify_task")).toBeUndefined();
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", error: "exited 1: boom", phase: null });
  });

  it("without checkpoint settings (older callers) behaves as before: no checks, no commit", () => {
    const d = running(checks(), { verify: ["npm test"] });
    d.settings = undefined;
    const t = d.end();
    // The task's own Verify still applies: only orchestrator.verify and git come from the settings.
    expect(effectOf(t, "verify_task")).toMatchObject({ commands: ["npm test"] });
    expect(t.state.tasks[0]?.phase).toBe("verifying");
  });
});

describe("task_verified", () => {
  it("passed: completes with the changes and the verification in the message", () => {
    const d = verifying();
    const t = d.verified(verdict(true));
    expect(t.state.tasks[0]).toMatchObject({ status: "completed", result: "success", phase: null, run_marker: null, error: null, verification: { passed: true, attempts: 1, failure: null, summary: "✅ verified: npm test (3 s)" } });
    expect(t.state.tasks[0]?.duration_s).not.toBeNull();
    expect(noteEvents(t)).toEqual(["task_completed", "task_started"]);
    const done = notes(t)[0];
    expect(done?.level).toBe("success");
    expect(done?.message).toBe("Task 1/2: Task title 1 complete. Progress: 1/2 (50%)\n2 files changed (+2 −0): src/a.ts, src/b.ts\n✅ verified: npm test (3 s)");
  });

  it("passed with git.commit task: commits, then completes naming the commit", () => {
    const d = verifying(checks({ commit: "task" }));
    const t = d.verified(verdict(true));
    expect(t.state.tasks[0]).toMatchObject({ status: "running", phase: "committing" });
    expect(t.effects).toEqual([{ type: "commit_task", index: 0, attempt: 1, message: "Task 1: Task title 1", trailers: { "Orchestrator-Session": "S1", "Orchestrator-Task": "1" } }]);
    const c = d.committed("abc1234def5678");
    expect(c.state.tasks[0]).toMatchObject({ status: "completed", phase: null, commit: "abc1234def5678", commit_error: null });
    const done = notes(c).find((n) => n.event === "task_completed");
    expect(done?.level).toBe("success");
    expect(done?.message).toMatch(/\n✅ verified: npm test \(3 s\)\nCommitted abc1234\.$/);
    expect(c.state).toMatchObject({ status: "running", current_task_index: 1 });
  });

  it("a commit that failed still completes the task, as a warning saying why", () => {
    const d = verifying(checks({ commit: "task" }));
    d.verified(verdict(true));
    const c = d.committed(null, "git commit failed: index.lock exists");
    expect(c.state.tasks[0]).toMatchObject({ status: "completed", commit: null, commit_error: "git commit failed: index.lock exists" });
    const done = notes(c).find((n) => n.event === "task_completed");
    expect(done?.level).toBe("warning");
    expect(done?.message).toMatch(/⚠️ Not committed: git commit failed: index\.lock exists$/);
  });

  it("nothing to commit (commit null, no error) completes without a commit line", () => {
    const d = verifying(checks({ commit: "task" }));
    d.verified(verdict(true));
    const c = d.committed(null);
    expect(c.state.tasks[0]).toMatchObject({ status: "completed", commit: null, commit_error: null });
    expect(notes(c).find((n) => n.event === "task_completed")?.message).not.toMatch(/Committed|Not committed/);
  });

  it("failed: goes back to Claude in the same session with the feedback, up to verifyRetries times, then the task fails", () => {
    const d = verifying(checks({ verifyRetries: 2 }));
    const first = d.verified(verdict(false, { failure: "npm test exited 1: 2 failing", feedback: "Verification failed: `npm test` exited 1" }));
    expect(first.state.tasks[0]).toMatchObject({ status: "running", phase: "claude", continuations: 0, attempts: 1, verification: { passed: false, attempts: 1, failure: "npm test exited 1: 2 failing" } });
    expect(first.state.status).toBe("running");
    const run = effectOf(first, "run_task");
    expect(run).toMatchObject({ index: 0, attempt: 1, session_id: "S1", feedback: "Verification failed: `npm test` exited 1", resume_session_id: "sess-1", continuation: 0, fix_round: 1 });
    expect(notes(first)).toEqual([{ event: "verification_failed", level: "warning", task_index: 0, message: "🔁 Task 1/2: Task title 1: verification failed (npm test exited 1: 2 failing); Claude is fixing it (1/2)" }]);

    // The fix run ends: the second check is round 2.
    const again = d.end();
    expect(effectOf(again, "verify_task")).toMatchObject({ round: 2, commands: ["npm test"] });
    const second = d.verified(verdict(false, { failure: "npm test exited 1: 1 failing" }));
    expect(effectOf(second, "run_task")).toMatchObject({ fix_round: 2, resume_session_id: "sess-1" });
    expect(notes(second)[0]?.message).toMatch(/verification failed \(npm test exited 1: 1 failing\); Claude is fixing it \(2\/2\)$/);

    d.end();
    const last = d.verified(verdict(false, { failure: "npm test exited 1: 1 failing" }));
    expect(effectOf(last, "run_task")).toBeUndefined();
    expect(last.state.status).toBe("task_failed");
    expect(last.state.tasks[0]).toMatchObject({ status: "failed", result: "failed", phase: null, run_marker: null, error: "verification failed: npm test exited 1: 1 failing", verification: { attempts: 3 } });
    expect(notes(last)).toEqual([
      { event: "task_failed", level: "error", task_index: 0, message: "Task 1/2: Task title 1 failed: verification failed: npm test exited 1: 1 failing\n2 files changed (+2 −0): src/a.ts, src/b.ts" },
    ]);
    expect(last.reply.message).toMatch(/Send \/retry .* \/skip/);
  });

  it("verifyRetries 0: the first failed check fails the task", () => {
    const d = verifying(checks({ verifyRetries: 0 }));
    const t = d.verified(verdict(false, { failure: "out.txt is missing" }));
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", error: "verification failed: out.txt is missing" });
    expect(noteEvents(t)).toEqual(["task_failed"]);
  });

  it("a failure without words still says the verification failed", () => {
    const d = verifying(checks({ verifyRetries: 0 }));
    const report = verdict(false);
    const t = d.verified({ ...report, record: { ...report.record, failure: null } });
    expect(t.state.tasks[0]?.error).toBe("verification failed: verification failed");
  });

  it("a fix run adds its cost, turns and tokens to the first run's", () => {
    const d = running(checks(), { verify: ["npm test"] });
    d.end(outcome({ cost_usd: 0.25, num_turns: 4, tokens: { input_tokens: 100, output_tokens: 50, cache_creation_input_tokens: 7, cache_read_input_tokens: 3 } }));
    d.verified(verdict(false));
    d.spawn(); // the fix run takes no before-snapshot
    const t = d.end(outcome({ cost_usd: 0.5, num_turns: 2, tokens: { input_tokens: 20, output_tokens: 10, cache_creation_input_tokens: 1, cache_read_input_tokens: 2 } }));
    const task = t.state.tasks[0];
    expect(task?.cost_usd).toBeCloseTo(0.75);
    expect(task).toMatchObject({ num_turns: 6, tokens: { input_tokens: 120, output_tokens: 60, cache_creation_input_tokens: 8, cache_read_input_tokens: 5 } });
    const done = d.verified(verdict(true));
    expect(done.state.tasks[0]).toMatchObject({ status: "completed", verification: { passed: true, attempts: 2 } });
    expect(done.state.tasks[0]?.cost_usd).toBeCloseTo(0.75);
  });

  it("a fix run's spawn keeps the first run's log problem (the fix run appends to the same log)", () => {
    const d = running(checks(), { verify: ["npm test"] });
    d.end(outcome({ output_log: { created: true, error: "the output log was cut short after 1 MB: ENOSPC" }, stderr_tail: "boom" }));
    d.verified(verdict(false));
    const spawned = d.spawn();
    expect(spawned.state.tasks[0]).toMatchObject({ output_log_error: "the output log was cut short after 1 MB: ENOSPC", stderr_tail: "boom" });
    expect(d.end().state.tasks[0]).toMatchObject({ output_log_error: "the output log was cut short after 1 MB: ENOSPC", stderr_tail: "boom" });
  });

  it("a fix run that fails fails the task with Claude's reason", () => {
    const d = verifying();
    d.verified(verdict(false));
    const t = d.end(outcome({ ok: false, kind: "timeout", reason: "timed out after 300 s", summary: null }));
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", error: "timed out after 300 s" });
    expect(effectOf(t, "verify_task")).toBeUndefined();
  });

  it("a retry after a failed verification starts a fresh count", () => {
    const d = verifying(checks({ verifyRetries: 0 }));
    d.verified(verdict(false));
    const retry = d.send({ type: "retry" });
    expect(retry.state.tasks[0]).toMatchObject({ attempts: 2, verification: null, phase: "claude" });
    const t = d.end();
    expect(effectOf(t, "verify_task")).toMatchObject({ attempt: 2, round: 1 });
  });

  it("a pause asked for during the checks takes effect after the task completes", () => {
    const d = verifying();
    d.send({ type: "pause" });
    const t = d.verified(verdict(true));
    expect(t.state).toMatchObject({ status: "paused", current_task_index: 1 });
    expect(noteEvents(t)).toEqual(["task_completed", "session_paused"]);
  });
});

describe("stale checks reports are ignored", () => {
  type Where = "claude" | "verifying" | "committing" | "fix run" | "completed";
  /** Task 1 with Verify, git.commit task, at the given step of attempt 1. */
  function at(where: Where): CheckpointDriver {
    const d = new CheckpointDriver(checks({ commit: "task" }), policies.required);
    d.start([def(1, { verify: ["npm test"] }), def(2)]);
    d.send({ type: "approve" });
    d.spawn(snap(1));
    if (where === "claude") return d;
    d.end();
    if (where === "verifying") return d;
    if (where === "fix run") {
      d.verified(verdict(false));
      return d;
    }
    d.verified(verdict(true));
    if (where === "committing") return d;
    d.committed("c0ffee");
    return d;
  }
  // [where, event, attempt offset, index]
  const table: [Where, "task_verified" | "task_committed", number, number][] = [
    ["claude", "task_verified", 0, 0],
    ["claude", "task_committed", 0, 0],
    ["verifying", "task_verified", 1, 0],
    ["verifying", "task_verified", -1, 0],
    ["verifying", "task_verified", 0, 1],
    ["verifying", "task_committed", 0, 0],
    ["committing", "task_verified", 0, 0],
    ["committing", "task_committed", -1, 0],
    ["committing", "task_committed", 0, 1],
    ["fix run", "task_verified", 0, 0],
    ["completed", "task_verified", 0, 0],
    ["completed", "task_committed", 0, 0],
  ];
  it.each(table)("during %s: %s (attempt offset %i, index %i)", (where, type, offset, index) => {
    const d = at(where);
    const before = d.state;
    const attempt = (before.tasks[0]?.attempts ?? 0) + offset;
    const t = type === "task_verified" ? d.verified(verdict(true), attempt, index) : d.committed("abc", null, attempt, index);
    expect(t.state).toBe(before);
    expect(t.effects).toEqual([]);
    expect(t.reply).toEqual({ ok: false, message: `Ignored a stale ${type} for task index ${index} attempt ${attempt}.` });
  });

  it("the result of a retried attempt's old check is ignored", () => {
    const d = at("verifying");
    d.send({ type: "cancel", by: "CLI" });
    d.verified(verdict(false, { cancelled: true }));
    d.send({ type: "retry" });
    d.end();
    const before = d.state;
    expect(d.verified(verdict(true), 1).state).toBe(before);
    expect(d.state.tasks[0]).toMatchObject({ attempts: 2, phase: "verifying" });
  });
});

describe("skip and cancel during the checks", () => {
  it("skip during verifying stops the check and ends skipped", () => {
    const d = verifying();
    const s = d.send({ type: "skip" });
    expect(s.effects).toEqual([{ type: "cancel_task", index: 0, attempt: 1 }]);
    expect(s.state.tasks[0]).toMatchObject({ status: "running", phase: "verifying", skip_requested: true });
    const t = d.verified(verdict(false, { cancelled: true, failure: "verification cancelled during npm test" }));
    expect(t.state.tasks[0]).toMatchObject({ status: "skipped", result: "skipped", phase: null, run_marker: null, skip_requested: false });
    expect(effectOf(t, "run_task")).toMatchObject({ index: 1 }); // auto mode: task 2 starts
    expect(noteEvents(t)).toEqual(["task_skipped", "task_started"]);
    expect(notes(t)[0]?.message).toBe("Skipped Task 1/2: Task title 1.");
  });

  it("skip during verifying: a check that failed anyway is not sent back to Claude", () => {
    const d = verifying();
    d.send({ type: "skip" });
    const t = d.verified(verdict(false));
    expect(t.state.tasks[0]?.status).toBe("skipped");
    expect(t.effects.filter((e) => e.type === "run_task").map((e) => (e as { index: number }).index)).toEqual([1]);
  });

  it("cancel during verifying stops the check; the task is interrupted, cancelled by who asked, and waits", () => {
    const d = verifying();
    const c = d.send({ type: "cancel", by: "Telegram @ana" });
    expect(c.effects).toEqual([{ type: "cancel_task", index: 0, attempt: 1 }]);
    expect(c.state.tasks[0]).toMatchObject({ status: "running", phase: "verifying", cancel_requested_by: "Telegram @ana" });
    const t = d.verified(verdict(false, { cancelled: true, failure: "verification cancelled during npm test" }));
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", result: "interrupted", error: "cancelled by Telegram @ana", phase: null, run_marker: null, cancel_requested_by: null });
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, pause_requested: false });
    expect(effectOf(t, "run_task")).toBeUndefined();
    expect(noteEvents(t)).toEqual(["task_interrupted", "approval_needed"]);
    expect(notes(t)[0]).toMatchObject({ level: "warning", message: "⏹ Task 1/2: Task title 1 was cancelled by Telegram @ana.\n2 files changed (+2 −0): src/a.ts, src/b.ts" });
    expect(notes(t)[1]?.message).toMatch(/cancelled by Telegram @ana/);
  });

  it("cancel during committing cannot stop the commit: the task completes with it, and the session waits", () => {
    // The commit is not cancellable (a half-made commit is worse), so the task completes.
    // /cancel said "The session then waits for you": the commit stands, and the session waits at
    // task 2 (no run_task, even in auto mode), with cancel_requested_by cleared.
    const d = verifying(checks({ commit: "task" }));
    d.verified(verdict(true));
    d.send({ type: "cancel", by: "CLI" });
    const t = d.committed("abc1234");
    expect(t.state.tasks[0]).toMatchObject({ status: "completed", commit: "abc1234" });
    expect(effectOf(t, "run_task")).toBeUndefined();
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 1 });
    expect(t.state.tasks[0]?.cancel_requested_by ?? null).toBeNull();
  });

  it("a check ended by a shutdown (no skip or cancel asked for) is an interruption by a shutdown, not a person's cancel", () => {
    // A shutdown aborts every run, checks included (TaskRuns.cancelAll), so the verifier reports
    // cancelled with nobody having asked: worded as a shutdown during Claude's run is, never
    // "cancelled by a person".
    const d = verifying();
    const t = d.verified(verdict(false, { cancelled: true, failure: "verification cancelled during npm test" }));
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", error: "interrupted: the orchestrator stopped while this task ran (shutdown)" });
    expect(t.state.status).toBe("waiting_approval");
    expect(notes(t)[0]).toMatchObject({ event: "task_interrupted", message: expect.stringMatching(/interrupted by a shutdown/) });
  });
});
