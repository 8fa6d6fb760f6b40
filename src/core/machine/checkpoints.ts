import type { AttemptChanges, Report } from "../events.js";
import type { SessionState, TaskRecord } from "../state.js";
import { describeChanges, shortCommit } from "../describe-changes.js";
import { progressOf, taskHeadline } from "../describe.js";
import { approvalGate } from "../approval.js";
import { Draft, markSkipped, moveTo, NO_CHECKS, waitFor, type MachineContext, type Transition } from "../draft.js";
import { interruptedError } from "./recovery.js";
import { remainingBudget } from "./budget.js";
import { ignore } from "./replies.js";

// What happens between Claude's "done" and the task counting as completed: the Verify commands
// and deliverables (sent back to Claude in the same session when they fail), then the commit
// (git.commit: task). Every step is an effect whose result comes back as a report.

type CheckReport = Extract<Report, { type: "task_verified" | "task_committed" }>;

/** Seconds from `startedAt` to `now`, or null when the task has no start. */
export function durationOf(startedAt: string | null, now: string): number | null {
  return startedAt ? Math.max(0, (Date.parse(now) - Date.parse(startedAt)) / 1000) : null;
}

/** Records the work tree after a run: the task's head snapshot and what changed since its base. */
export function recordChanges(task: TaskRecord, changes: AttemptChanges | null, error: string | null = null): void {
  if (error !== null && task.git?.base) task.changes_error = error;
  if (!changes || !task.git?.base) return;
  task.changes_error = null;
  task.git = { ...task.git, head: changes.after.tree, head_commit: changes.after.commit };
  Object.assign(task, { files_changed: changes.files, insertions: changes.insertions, deletions: changes.deletions });
}

/** The Verify commands of a task: its own, else orchestrator.verify. */
export function verifyCommandsOf(task: TaskRecord, ctx: MachineContext): string[] {
  const own = task.verify ?? [];
  return own.length > 0 ? [...own] : [...(ctx.checks ?? NO_CHECKS).verify];
}

/** Whether the task has anything to check after Claude's run (Verify commands or deliverables). */
export function hasChecks(task: TaskRecord, ctx: MachineContext): boolean {
  return verifyCommandsOf(task, ctx).length > 0 || (task.deliverables ?? []).length > 0;
}

/**
 * Ended by a shutdown (not by its own fault, not by a person): a person decides whether to run it
 * again. Worded like an interruption found after a crash: the same state.
 */
export function interruptedByShutdown(d: Draft, index: number): Transition {
  const task = d.task(index);
  Object.assign(task, { status: "interrupted", result: "interrupted", error: interruptedError("shutdown"), phase: null });
  d.s.pause_requested = false; // the session stops anyway; as after a crash, a pause asked for meanwhile is spent
  const headline = taskHeadline(d.s, index);
  d.notify("task_interrupted", "warning", `${headline} was interrupted by a shutdown.`, index);
  waitFor(d, index, approvalGate(task, null, d.ctx.policy) ?? "it was interrupted");
  return d.done(`${headline} was interrupted.`);
}

/** Claude reported success: verify when there is something to verify, else commit or complete. */
export function checkTask(d: Draft, index: number): Transition {
  const task = d.task(index);
  const commands = verifyCommandsOf(task, d.ctx);
  const deliverables = task.deliverables ?? [];
  if (commands.length === 0 && deliverables.length === 0) return commitOrComplete(d, index);
  task.phase = "verifying";
  const round = (task.verification?.attempts ?? 0) + 1;
  d.effects.push({ type: "verify_task", index, attempt: task.attempts, session_id: d.s.session_id ?? "session", task: structuredClone(task), commands, deliverables, round });
  const what = [...commands, ...(deliverables.length > 0 ? [`${deliverables.length} deliverable${deliverables.length === 1 ? "" : "s"}`] : [])].join(", ");
  const note = `🔎 ${taskHeadline(d.s, index)}: Claude is done; verifying (${what})`;
  d.notify("task_verifying", "info", note, index);
  return d.done(note);
}

/** The result of a verification or a commit (a stale one, for another attempt or step, is ignored). */
export function handleCheckReport(state: SessionState, report: CheckReport, ctx: MachineContext): Transition {
  const task = state.tasks[report.index];
  const phase = report.type === "task_verified" ? "verifying" : "committing";
  const live = state.status === "running" && report.index === state.current_task_index && task?.status === "running" && task.attempts === report.attempt && task.phase === phase;
  if (!live) return ignore(state, `Ignored a stale ${report.type} for task index ${report.index} attempt ${report.attempt}.`);
  const d = new Draft(state, ctx);
  return report.type === "task_verified" ? verified(d, report) : committed(d, report);
}

function verified(d: Draft, report: Extract<CheckReport, { type: "task_verified" }>): Transition {
  const { index } = report;
  const task = d.task(index);
  const attempts = (task.verification?.attempts ?? 0) + 1;
  task.verification = { ...report.verification.record, attempts };
  const settings = d.ctx.checks ?? NO_CHECKS;
  const headline = taskHeadline(d.s, index);
  if (task.skip_requested || task.cancel_requested_by || report.verification.cancelled) {
    Object.assign(task, { completed_at: d.ctx.now, duration_s: durationOf(task.started_at, d.ctx.now), run_marker: null, phase: null });
    if (task.skip_requested) {
      markSkipped(d, index);
      return d.done(`Skipped ${headline}. ${moveTo(d, index + 1, null)}`);
    }
    // Stopped with nobody asking: the shutdown ended the check.
    return task.cancel_requested_by ? cancelled(d, index) : interruptedByShutdown(d, index);
  }
  if (task.verification.passed) return commitOrComplete(d, index);
  const failure = task.verification.failure ?? "verification failed";
  const fixes = attempts - 1;
  if (fixes < settings.verifyRetries && report.verification.fixable !== false) {
    // Back to Claude, in the same session when there is one: it knows what it just did.
    Object.assign(task, { phase: "claude", continuations: 0 });
    const round = fixes + 1;
    d.effects.push({
      type: "run_task",
      index,
      attempt: task.attempts,
      session_id: d.s.session_id ?? "session",
      task: structuredClone(task),
      feedback: report.verification.feedback,
      resume_session_id: task.claude_session_id,
      continuation: 0,
      fix_round: round,
      max_budget_usd: remainingBudget(d.s, d.ctx),
    });
    const note = `🔁 ${headline}: verification failed (${failure}); Claude is fixing it (${round}/${settings.verifyRetries})`;
    d.notify("verification_failed", "warning", note, index);
    return d.done(note);
  }
  Object.assign(task, { completed_at: d.ctx.now, duration_s: durationOf(task.started_at, d.ctx.now), run_marker: null, phase: null });
  return failTask(d, index, `verification failed: ${failure}`);
}

function committed(d: Draft, report: Extract<CheckReport, { type: "task_committed" }>): Transition {
  const task = d.task(report.index);
  Object.assign(task, { commit: report.commit, commit_error: report.error });
  return complete(d, report.index);
}

/** Verified (or nothing to verify): commit first when git.commit is task, else complete now. */
function commitOrComplete(d: Draft, index: number): Transition {
  const task = d.task(index);
  const settings = d.ctx.checks ?? NO_CHECKS;
  if (settings.git && settings.commit === "task" && task.git?.base) {
    task.phase = "committing";
    d.effects.push({
      type: "commit_task",
      index,
      attempt: task.attempts,
      message: `Task ${index + 1}: ${task.title}`,
      trailers: { "Orchestrator-Session": d.s.session_id ?? "session", "Orchestrator-Task": String(task.id) },
    });
    return d.done(`${taskHeadline(d.s, index)}: committing its changes`);
  }
  return complete(d, index);
}

/** What the task changed, or why that is not known; null when git is off. */
function changesLine(task: TaskRecord): string | null {
  return task.changes_error ? `⚠️ What it changed could not be recorded: ${task.changes_error}` : describeChanges(task);
}

/** The lines a completion message carries after its headline: changes, verification, commit. */
export function checkpointLines(task: TaskRecord): string[] {
  const lines: string[] = [];
  const changes = describeChanges(task);
  if (task.changes_error) lines.push(`⚠️ What it changed could not be recorded: ${task.changes_error}`);
  else if (changes) lines.push(changes);
  if (task.verification) lines.push(task.verification.summary);
  if (task.verification?.log_error) lines.push(`⚠️ The verify log is incomplete: ${task.verification.log_error}`);
  if (task.commit) lines.push(`Committed ${shortCommit(task.commit)}.`);
  if (task.commit_error) lines.push(`⚠️ Not committed: ${task.commit_error}`);
  return lines;
}

function complete(d: Draft, index: number): Transition {
  const task = d.task(index);
  Object.assign(task, {
    status: "completed",
    result: "success",
    error: null,
    completed_at: d.ctx.now,
    duration_s: durationOf(task.started_at, d.ctx.now),
    run_marker: null,
    phase: null,
    stop_reason: null,
  });
  const headline = taskHeadline(d.s, index);
  // Cancelled when it had already finished (or while committing): the work stands, and the
  // session waits before the next task as the person asked (a pause there).
  const by = task.cancel_requested_by ?? null;
  if (by) task.cancel_requested_by = null;
  const denied = task.permission_denials.length > 0 ? ` Claude was refused: ${[...new Set(task.permission_denials)].join(", ")}.` : "";
  const lines = checkpointLines(task);
  const level = denied || task.commit_error || task.changes_error || task.verification?.log_error ? "warning" : "success";
  d.notify("task_completed", level, `${headline} complete.${denied} Progress: ${progressOf(d.s).text}${lines.map((l) => `\n${l}`).join("")}`, index);
  if (by && index + 1 < d.s.tasks.length) {
    // Cancelled when it had already finished (or while committing): the work stands, and the
    // session waits before the next task, as the person asked.
    let next = index + 1;
    while (next + 1 < d.s.tasks.length && d.s.tasks[next]?.status === "skipped") next++;
    waitFor(d, next, `${by} cancelled the task before it, which had already finished`);
    return d.done(`${headline} complete: it had already finished when ${by} cancelled it. ${taskHeadline(d.s, next)} waits for /approve.`);
  }
  const next = moveTo(d, index + 1, task);
  return d.done(`${headline} complete. ${next}`);
}

/** The task failed: the session stops there until a person retries or skips it. */
export function failTask(d: Draft, index: number, error: string): Transition {
  const task = d.task(index);
  Object.assign(task, { status: "failed", result: "failed", error, phase: null });
  Object.assign(d.s, { status: "task_failed", pause_requested: false, waiting_reason: null });
  const headline = taskHeadline(d.s, index);
  const changes = changesLine(task);
  d.notify("task_failed", "error", `${headline} failed: ${error}${changes ? `\n${changes}` : ""}`, index);
  return d.done(`${headline} failed: ${error}. Send /retry to run it again or /skip to move on.`);
}

/**
 * Stopped at a permission request (a person pressed Stop, or nobody answered in time):
 * interrupted with the reason, and the session waits; a parked one continues its Claude session on /retry.
 */
export function stoppedAtPermission(d: Draft, index: number): Transition {
  const task = d.task(index);
  const reason = task.stop_reason ?? "stopped at a permission request";
  Object.assign(task, { status: "interrupted", result: "interrupted", error: reason, phase: null, stop_reason: null });
  d.s.pause_requested = false;
  const headline = taskHeadline(d.s, index);
  const changes = changesLine(task);
  const next = task.resume_on_retry ? " Send /retry to continue it in the same Claude session, or /skip." : " Send /retry to run it again, or /skip.";
  d.notify("task_interrupted", "warning", `⏹ ${headline}: ${reason}.${next}${changes ? `\n${changes}` : ""}`, index);
  waitFor(d, index, reason);
  return d.done(`${headline}: ${reason}.`);
}

/** A person cancelled the running task: interrupted, and the session waits for them. */
export function cancelled(d: Draft, index: number): Transition {
  const task = d.task(index);
  const by = task.cancel_requested_by ?? "a person";
  Object.assign(task, { status: "interrupted", result: "interrupted", error: `cancelled by ${by}`, phase: null, cancel_requested_by: null });
  d.s.pause_requested = false;
  const headline = taskHeadline(d.s, index);
  const changes = changesLine(task);
  d.notify("task_interrupted", "warning", `⏹ ${headline} was cancelled by ${by}.${changes ? `\n${changes}` : ""}`, index);
  waitFor(d, index, `it was cancelled by ${by}`);
  return d.done(`${headline} was cancelled; it waits for /retry, /approve or /skip.`);
}
