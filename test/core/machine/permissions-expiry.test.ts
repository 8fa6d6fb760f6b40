// When nobody answers a permission request: the halfway reminder, the expiry that parks the task
// (interrupted, /retry continues the same Claude session), and the requests that expire because
// their run ended or the process restarted.
import { describe, expect, it } from "@jest/globals";
import { PARKED_PROMPT } from "../../../src/core/draft.js";
import { displayStatus } from "../../../src/render/format-status.js";
import { outcome } from "../machine-helpers.js";
import { effectOf, noteEvents, notes } from "./checkpoint-helpers.js";
import { ask, questionAsk, recordOf, request, runningTask, tick } from "./permission-helpers.js";

/** How the CLI ends a turn after a deny with interrupt. */
const interruptedRun = (session = "claude-7") => outcome({ ok: false, kind: "error_subtype", reason: "Claude reported an error (error_during_execution)", summary: null, session_id: session, exit_code: 1 });

describe("permission_timer remind", () => {
  it("reminds once, halfway, with the time left; the request stays pending", () => {
    const d = runningTask({ permissionTimeoutS: 1800 });
    request(d);
    const t = d.send({ type: "permission_timer", id: "S1-p1", kind: "remind" });
    expect(t.reply).toEqual({ ok: true, message: "reminded" });
    expect(t.effects).toEqual([
      {
        type: "notify",
        notification: { event: "permission_requested", level: "warning", message: "⏰ Still waiting: Task 1/2: Task title 1 wants to run Bash: npm test. Unanswered, it is denied and the task parked in 15 min.", task_index: 0, permission_id: "S1-p1" },
      },
    ]);
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "pending", reminded: true, answered_at: null });
    expect(displayStatus(d.state)).toBe("waiting_permission");
    const before = d.state;
    expect(d.send({ type: "permission_timer", id: "S1-p1", kind: "remind" })).toEqual({ state: before, effects: [], reply: { ok: false, message: "already reminded" } });
  });

  it("a question's reminder asks for an answer, as question_asked; short timeouts read in seconds", () => {
    const d = runningTask({ permissionTimeoutS: 90 });
    request(d, questionAsk());
    const t = d.send({ type: "permission_timer", id: "S1-p1", kind: "remind" });
    expect(notes(t)).toEqual([{ event: "question_asked", level: "warning", message: "⏰ Still waiting: Task 1/2: Task title 1 wants an answer. Unanswered, it is denied and the task parked in 45 s.", task_index: 0, permission_id: "S1-p1" }]);
  });

  it.each([["remind" as const], ["expire" as const]])("a %s timer of an answered (or unknown) request is ignored", (kind) => {
    const d = runningTask();
    request(d);
    d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "CLI" });
    const before = d.state;
    expect(d.send({ type: "permission_timer", id: "S1-p1", kind })).toEqual({ state: before, effects: [], reply: { ok: false, message: "Ignored a timer for S1-p1: it is answered." } });
    expect(d.send({ type: "permission_timer", id: "S1-p7", kind }).state).toBe(before);
  });
});

describe("permission_timer expire: the request is denied with interrupt and the task parked", () => {
  function expired(timeoutS?: number) {
    const d = runningTask(timeoutS === undefined ? {} : { permissionTimeoutS: timeoutS });
    request(d);
    d.send({ type: "permission_timer", id: "S1-p1", kind: "remind" });
    const t = d.send({ type: "permission_timer", id: "S1-p1", kind: "expire" });
    return { d, t };
  }

  it("denies with interrupt, records why, and says how to continue", () => {
    const { d, t } = expired(1800);
    const reason = "waited 30 min for permission to run Bash: npm test";
    expect(t.reply).toEqual({ ok: true, message: reason });
    expect(t.effects).toEqual([
      { type: "respond_permission", index: 0, attempt: 1, request_id: "req-1", response: { behavior: "deny", message: "No one answered within 30 min; the task is parked until a person continues it.", interrupt: true } },
      { type: "notify", notification: { event: "permission_expired", level: "warning", message: `⌛ Task 1/2: Task title 1: ${reason}; it is parked. Send /retry to continue it (the same Claude session; it asks again).`, task_index: 0, permission_id: "S1-p1" } },
    ]);
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "expired", message: "no answer within 30 min", answered_by: null, answered_at: tick(5) });
    // Still running until the CLI ends its turn.
    expect(t.state.tasks[0]).toMatchObject({ status: "running", stop_reason: reason, resume_on_retry: true });
    expect(displayStatus(t.state)).toBe("running");
    // A late press hears it expired.
    const late = d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "Telegram @ana" });
    expect(late).toMatchObject({ effects: [], reply: { ok: false, message: "Expired: no answer within 30 min." } });
  });

  it("without claude.permission_timeout in the context the default 1800 s applies", () => {
    const { t } = expired();
    expect(t.reply.message).toBe("waited 30 min for permission to run Bash: npm test");
  });

  it("after the run ends: interrupted with 'waited … for permission to run …', waiting; /retry resumes the same Claude session", () => {
    const { d } = expired(1800);
    const end = d.end(interruptedRun("claude-7"));
    const reason = "waited 30 min for permission to run Bash: npm test";
    expect(end.state.tasks[0]).toMatchObject({ status: "interrupted", result: "interrupted", error: reason, stop_reason: null, resume_on_retry: true, claude_session_id: "claude-7" });
    expect(end.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, waiting_reason: reason });
    expect(noteEvents(end)).toEqual(["task_interrupted", "approval_needed"]);
    expect(notes(end)[0]).toMatchObject({ level: "warning", message: `⏹ Task 1/2: Task title 1: ${reason}. Send /retry to continue it in the same Claude session, or /skip.` });
    // The expired request is not expired again by the run's end.
    expect(noteEvents(end)).not.toContain("permission_expired");

    const retry = d.send({ type: "retry" });
    expect(retry.reply.ok).toBe(true);
    expect(effectOf(retry, "run_task")).toMatchObject({ index: 0, attempt: 2, resume_session_id: "claude-7", feedback: PARKED_PROMPT, continuation: 0 });
    expect(retry.state.tasks[0]).toMatchObject({ status: "running", attempts: 2, resume_on_retry: false, stop_reason: null, error: null });
  });

  it("/retry with a note resumes the same session with the note as the prompt", () => {
    const { d } = expired(1800);
    d.end(interruptedRun("claude-7"));
    const retry = d.send({ type: "retry", feedback: "go on, and use yarn" });
    expect(effectOf(retry, "run_task")).toMatchObject({ resume_session_id: "claude-7", feedback: "go on, and use yarn" });
  });

  it("the new attempt asks again: a fresh pending request with the next id, for attempt 2", () => {
    const { d } = expired(1800);
    d.end(interruptedRun());
    d.send({ type: "retry" });
    d.spawn();
    const t = request(d, ask({ request_id: "req-again" }));
    expect(t.reply.message).toBe("asked S1-p2");
    expect(recordOf(d, "S1-p2")).toMatchObject({ attempt: 2, status: "pending" });
    expect(displayStatus(d.state)).toBe("waiting_permission");
  });

  it("/skip of a parked task moves on", () => {
    const { d } = expired(1800);
    d.end(interruptedRun());
    const skip = d.send({ type: "skip" });
    expect(skip.reply.ok).toBe(true);
    expect(skip.state.tasks[0]?.status).toBe("skipped");
    expect(skip.state.tasks[1]?.status).toBe("running");
  });
});

describe("the run's end expires what is still pending", () => {
  it("a successful end: the request expires with a notice, the task completes", () => {
    const d = runningTask();
    request(d, ask({ request_id: "a" }));
    request(d, questionAsk({ request_id: "b" }));
    const t = d.end();
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "expired", message: "the run ended before it was answered", answered_at: tick(5) });
    expect(recordOf(d, "S1-p2")).toMatchObject({ status: "expired", message: "the run ended before it was answered" });
    expect(notes(t).filter((n) => n.event === "permission_expired")).toEqual([
      { event: "permission_expired", level: "info", message: "🔐 Task 1/2: Task title 1: the request to run Bash: npm test expired: the run ended before it was answered.", task_index: 0, permission_id: "S1-p1" },
      { event: "permission_expired", level: "info", message: '🔐 Task 1/2: Task title 1: the question "Which database?" expired: the run ended before it was answered.', task_index: 0, permission_id: "S1-p2" },
    ]);
    expect(t.state.tasks[0]?.status).toBe("completed");
    expect(displayStatus(t.state)).toBe("running"); // task 2 runs now, nothing pending
    expect(d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "HTTP" }).reply).toEqual({ ok: false, message: "Expired: the run ended before it was answered." });
  });

  it("a failed end: expired too, the task fails as usual (not parked)", () => {
    const d = runningTask();
    request(d);
    const t = d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1: boom", summary: null }));
    expect(recordOf(d, "S1-p1")?.status).toBe("expired");
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", error: "exited 1: boom" });
    expect(t.state.tasks[0]?.resume_on_retry).toBeFalsy();
  });
});

describe("a restart while a request is pending", () => {
  it("expires it, interrupts the task as usual and makes it resumable", () => {
    const d = runningTask();
    request(d);
    const t = d.send({ type: "recover", boot_id: "boot-a" });
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "expired", message: "the task was interrupted by a restart; /retry continues it", answered_by: null });
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true });
    expect(t.state.status).toBe("waiting_approval");
    expect(noteEvents(t)).toEqual(["permission_expired", "task_interrupted", "approval_needed"]);
    expect(displayStatus(t.state)).toBe("waiting_approval");
    expect(effectOf(t, "respond_permission")).toBeUndefined();
  });

  it("a press on the old message says it expired and how to continue, once", () => {
    const d = runningTask();
    request(d);
    d.send({ type: "recover", boot_id: "boot-a" });
    const late = d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "Telegram @ana" });
    expect(late.reply.ok).toBe(false);
    expect(late.effects).toEqual([]);
    expect(late.reply.message).toMatch(/^Expired: the task was interrupted by a restart; \/retry continues it\b/);
    // The hint is given once, not twice.
    expect(late.reply.message.match(/\/retry/g)).toHaveLength(1);
  });

  it("a restart with nothing pending does not make the task resumable", () => {
    const d = runningTask();
    request(d);
    d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "CLI" });
    const t = d.send({ type: "recover", boot_id: "boot-a" });
    expect(t.state.tasks[0]?.resume_on_retry).toBeFalsy();
    expect(noteEvents(t)).not.toContain("permission_expired");
  });
});

describe("/retry after a restart while a request was pending", () => {
  it("resumes the Claude session that asked (saved with the request), not an earlier attempt's", () => {
    const d = runningTask();
    // Attempt 1 fails in Claude session claude-1; a plain retry starts attempt 2 in a fresh session.
    d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1: boom", summary: null, session_id: "claude-1" }));
    const second = d.send({ type: "retry" });
    expect(effectOf(second, "run_task")).toMatchObject({ attempt: 2, resume_session_id: null });
    d.spawn();
    const asked = request(d, ask(), "claude-2");
    expect(asked.state.tasks[0]?.claude_session_id).toBe("claude-2");
    d.send({ type: "recover", boot_id: "boot-a" });
    const third = d.send({ type: "retry" });
    expect(effectOf(third, "run_task")).toMatchObject({ attempt: 3, resume_session_id: "claude-2", feedback: PARKED_PROMPT });
  });

  it("a first attempt's request with its session: /retry resumes that session", () => {
    const d = runningTask();
    request(d, ask(), "claude-1");
    d.send({ type: "recover", boot_id: "boot-a" });
    expect(effectOf(d.send({ type: "retry" }), "run_task")).toMatchObject({ attempt: 2, resume_session_id: "claude-1" });
  });

  it("a request without a session id (an older runner) leaves the session as it was", () => {
    const d = runningTask();
    const t = request(d, ask(), null);
    expect(t.state.tasks[0]?.claude_session_id).toBeNull();
  });
});

describe("a shutdown while a request is pending", () => {
  it("the run ends cancelled: the request expires and the task stays resumable", () => {
    const d = runningTask();
    request(d, ask(), "claude-1");
    const end = d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null, session_id: "claude-1" }));
    expect(recordOf(d, "S1-p1")?.status).toBe("expired");
    expect(end.state.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true });
    expect(effectOf(d.send({ type: "retry" }), "run_task")).toMatchObject({ resume_session_id: "claude-1", feedback: PARKED_PROMPT });
  });
});

describe("/cancel while a request is pending", () => {
  it("the run is stopped; its end expires the request and the task is interrupted as cancelled (not parked)", () => {
    const d = runningTask();
    request(d);
    const cancel = d.send({ type: "cancel", by: "Telegram @ana" });
    expect(cancel.effects).toEqual([{ type: "cancel_task", index: 0, attempt: 1 }]);
    expect(displayStatus(d.state)).toBe("waiting_permission");
    const end = d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null }));
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "expired", message: "the run ended before it was answered" });
    expect(end.state.tasks[0]).toMatchObject({ status: "interrupted", error: "cancelled by Telegram @ana" });
    expect(end.state.tasks[0]?.resume_on_retry).toBeFalsy();
    expect(noteEvents(end)).toEqual(["permission_expired", "task_interrupted", "approval_needed"]);
  });
});
