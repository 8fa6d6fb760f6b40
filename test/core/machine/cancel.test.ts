// /cancel: the running task is stopped now (Claude, its tools, a running check) and the session
// waits for a person; the task ends interrupted, "cancelled by <who>", and can be retried.
import { describe, expect, it } from "@jest/globals";
import type { ApprovalPolicy } from "../../../src/core/approval-policy.js";
import type { SessionStatus } from "../../../src/core/state.js";
import { def, outcome, policies } from "../machine-helpers.js";
import { changes, CheckpointDriver, checks, effectOf, noteEvents, notes, snap, verdict } from "./checkpoint-helpers.js";

function driverIn(status: SessionStatus, policy: ApprovalPolicy = policies.required as ApprovalPolicy): CheckpointDriver {
  const d = new CheckpointDriver(checks(), policy);
  if (status === "idle") return d;
  if (status === "completed") {
    d.start([def(1)]);
    d.send({ type: "approve" });
    d.end();
    return d;
  }
  d.start([def(1), def(2)]);
  if (status === "paused") d.send({ type: "pause" });
  if (status === "running" || status === "task_failed") d.send({ type: "approve" });
  if (status === "task_failed") d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1", summary: null }));
  return d;
}

describe("cancel when nothing is running is refused, saying where things stand", () => {
  const table: [SessionStatus, string][] = [
    ["idle", "Nothing to cancel: no session has started."],
    ["waiting_approval", "Nothing to cancel: no task is running (Task 1/2 is waiting approval). Send /status to see where things stand."],
    ["paused", "Nothing to cancel: no task is running (Task 1/2 is paused). Send /status to see where things stand."],
    ["task_failed", "Nothing to cancel: no task is running (Task 1/2 is failed). Send /status to see where things stand."],
    ["completed", "Nothing to cancel: no task is running (Task 1/1 is completed). Send /status to see where things stand."],
  ];
  it.each(table)("%s", (status, message) => {
    const d = driverIn(status);
    expect(d.state.status).toBe(status);
    const before = d.state;
    const t = d.send({ type: "cancel", by: "CLI" });
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message } });
    expect(t.state).toBe(before);
  });
});

describe("cancel while a task runs", () => {
  type Phase = "claude" | "verifying" | "committing";
  function inPhase(phase: Phase): CheckpointDriver {
    const d = new CheckpointDriver(checks({ commit: "task" }), policies.required);
    d.start([def(1, { verify: ["npm test"] }), def(2)]);
    d.send({ type: "approve" });
    d.spawn(snap(1));
    if (phase === "claude") return d;
    d.end();
    if (phase === "verifying") return d;
    d.verified(verdict(true));
    return d;
  }
  // [phase, by as sent, who is recorded]
  const table: [Phase, string | null | undefined, string][] = [
    ["claude", "Telegram @ana", "Telegram @ana"],
    ["claude", "  CLI  ", "CLI"],
    ["claude", undefined, "a person"],
    ["claude", null, "a person"],
    ["claude", "   ", "a person"],
    ["verifying", "HTTP", "HTTP"],
    ["committing", "HTTP", "HTTP"],
  ];
  it.each(table)("during %s, by %p: asks the edge to stop it and records %p", (phase, by, who) => {
    const d = inPhase(phase);
    const t = d.send(by === undefined ? { type: "cancel" } : { type: "cancel", by });
    expect(t.reply.ok).toBe(true);
    expect(t.reply.message).toMatch(/^Cancelling Task 1\/2: Task title 1: stopping Claude, its tools and any running check now\. The session then waits for you\.$/);
    expect(t.effects).toEqual([{ type: "cancel_task", index: 0, attempt: 1 }]);
    expect(t.state.tasks[0]).toMatchObject({ status: "running", phase, cancel_requested_by: who });
    expect(t.state.status).toBe("running");
  });

  it("a second cancel is refused while the first is under way", () => {
    const d = inPhase("claude");
    d.send({ type: "cancel", by: "CLI" });
    const before = d.state;
    const t = d.send({ type: "cancel", by: "HTTP" });
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: "Already cancelling Task 1/2: it is being stopped." } });
    expect(before.tasks[0]?.cancel_requested_by).toBe("CLI");
  });
});

describe("the end of a cancelled run", () => {
  // [outcome kind the runner reports for the stopped claude]
  const kinds: ["cancelled" | "exit_error"][] = [["cancelled"], ["exit_error"]];
  it.each(kinds)("after /cancel, a run ending %s is interrupted, cancelled by who asked, and the session waits (auto mode too)", (kind) => {
    const d = new CheckpointDriver(checks(), policies.auto);
    d.start([def(1), def(2)]);
    d.spawn(snap(1));
    d.send({ type: "pause" });
    d.send({ type: "cancel", by: "Telegram @ana" });
    const t = d.end(outcome({ ok: false, kind, reason: kind === "cancelled" ? "cancelled" : "killed by SIGTERM", summary: null }), changes("after-1", ["src/a.ts"], 3, 1));
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", result: "interrupted", error: "cancelled by Telegram @ana", phase: null, run_marker: null, cancel_requested_by: null, files_changed: [{ path: "src/a.ts" }] });
    // Waits even in auto mode, and the pause asked for meanwhile is spent.
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, pause_requested: false, waiting_reason: "it was cancelled by Telegram @ana" });
    expect(effectOf(t, "run_task")).toBeUndefined();
    expect(noteEvents(t)).toEqual(["task_interrupted", "approval_needed"]);
    expect(notes(t)[0]).toMatchObject({ level: "warning", message: "⏹ Task 1/2: Task title 1 was cancelled by Telegram @ana.\n1 file changed (+3 −1): src/a.ts" });
    expect(t.reply.message).toMatch(/was cancelled; it waits for \/retry, \/approve or \/skip/);
  });

  it("without git the message has no changes line", () => {
    const d = new CheckpointDriver(checks({ git: false }), policies.auto);
    d.start([def(1)]);
    d.send({ type: "cancel" });
    const t = d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null }));
    expect(notes(t)[0]?.message).toBe("⏹ Task 1/1: Task title 1 was cancelled by a person.");
  });

  function cancelledTask(): CheckpointDriver {
    const d = new CheckpointDriver(checks(), policies.auto);
    d.start([def(1), def(2)]);
    d.spawn(snap(1));
    d.send({ type: "cancel", by: "CLI" });
    d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", session_id: "claude-1", summary: null }));
    return d;
  }

  it("/approve runs the cancelled task again as a fresh attempt", () => {
    const d = cancelledTask();
    const t = d.send({ type: "approve" });
    expect(t.state.tasks[0]).toMatchObject({ status: "running", attempts: 2, error: null, cancel_requested_by: null, phase: "claude" });
    expect(effectOf(t, "run_task")).toMatchObject({ attempt: 2, resume_session_id: null, feedback: null });
  });

  it("/retry with feedback resumes the cancelled Claude session", () => {
    const d = cancelledTask();
    const t = d.send({ type: "retry", feedback: "use the other table" });
    expect(effectOf(t, "run_task")).toMatchObject({ attempt: 2, resume_session_id: "claude-1", feedback: "use the other table" });
  });

  it("/skip moves past the cancelled task", () => {
    const d = cancelledTask();
    const t = d.send({ type: "skip" });
    expect(t.state.tasks[0]?.status).toBe("skipped");
    expect(t.state.current_task_index).toBe(1);
  });

  it("a skip asked for after the cancel wins: the task ends skipped", () => {
    const d = new CheckpointDriver(checks(), policies.required);
    d.start([def(1), def(2)]);
    d.send({ type: "approve" });
    d.send({ type: "cancel", by: "CLI" });
    const s = d.send({ type: "skip" });
    expect(s.effects).toEqual([{ type: "cancel_task", index: 0, attempt: 1 }]);
    const t = d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null }));
    expect(t.state.tasks[0]).toMatchObject({ status: "skipped" });
    expect(t.state.current_task_index).toBe(1);
  });
});

describe("a cancel that loses the race with the end of a step", () => {
  it("Claude finished anyway (nothing to check): the task keeps its result and the session waits", () => {
    // /cancel replied "The session then waits for you": task 1's result stands, the session waits
    // at task 2 (no run_task, even in auto mode), and cancel_requested_by is cleared.
    const d = new CheckpointDriver(checks(), policies.auto);
    d.start([def(1), def(2)]);
    d.send({ type: "cancel", by: "CLI" });
    const t = d.end(outcome());
    expect(t.state.tasks[0]).toMatchObject({ status: "completed" });
    expect(effectOf(t, "run_task")).toBeUndefined();
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 1 });
    expect(t.state.tasks[0]?.cancel_requested_by ?? null).toBeNull();
  });

  it("Claude finished anyway and the task has Verify: no check is started; the task ends cancelled", () => {
    // No checks for a person who asked to stop (minutes of work whose result would be thrown
    // away): no verify_task; interrupted at once, "cancelled by CLI", and the session waits.
    const d = new CheckpointDriver(checks(), policies.auto);
    d.start([def(1, { verify: ["npm test"] }), def(2)]);
    d.send({ type: "cancel", by: "CLI" });
    const t = d.end(outcome());
    expect(effectOf(t, "verify_task")).toBeUndefined();
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", error: "cancelled by CLI", phase: null });
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 0 });
  });

  it("a skip asked for while Claude ran, Claude finished anyway and the task has Verify: no check is started; the task ends skipped", () => {
    // The skip side of the one above: no verify_task; skipped at once and the session moves on.
    const d = new CheckpointDriver(checks(), policies.auto);
    d.start([def(1, { verify: ["npm test"] }), def(2)]);
    d.send({ type: "skip" });
    const t = d.end(outcome());
    expect(effectOf(t, "verify_task")).toBeUndefined();
    expect(t.state.tasks[0]).toMatchObject({ status: "skipped" });
    expect(t.state.current_task_index).toBe(1);
  });
});
