/**
 * The building blocks of a transition: the copy-on-write Draft, and the session steps every
 * command and report is made of (move to a task, wait for approval, pause, start, skip).
 * Pure, like the machine that uses them.
 */
import type { ApprovalPolicy } from "./approval-policy.js";
import type { Effect, Notification } from "./effects.js";
import type { SessionState, TaskRecord } from "./state.js";
import { buildPayload } from "./notification-payload.js";
import { approvalGate } from "./approval.js";
import { progressOf, taskHeadline } from "./describe.js";
import { budgetReached, remainingBudget } from "./machine/budget.js";

/** What the machine needs besides the state and the event: the time and the approval policy. */
export interface MachineContext {
  /** ISO timestamp of this transition (from the injected clock). */
  now: string;
  policy: ApprovalPolicy;
  /** Keep notifications in state.outbox for delivery to n8n (default false: n8n is off). */
  outbox?: boolean;
  /** Automatic continuations of a run that hit the turn limit (claude.max_continuations; default 0). */
  maxContinuations?: number;
  /** What happens after Claude reports success (default: nothing: no git, no checks). */
  checks?: CheckpointSettings;
  /** claude.permission_timeout, seconds, for the words of a parked task (default 1800). */
  permissionTimeoutS?: number;
  /** Today's local date (YYYY-MM-DD), from the injected clock: what the day's spend counts toward. */
  today?: string;
  /** orchestrator.daily_budget_usd (null: none) and budget_warn_ratio. Default: no budget. */
  budget?: { dailyUsd: number | null; warnRatio: number };
  /** The time zone clock times are worded in ("Resuming at 15:00"); default the process's own. */
  timeZone?: string;
}

/** The checkpoint settings the machine decides with (from config, and whether a git work tree was found). */
export interface CheckpointSettings {
  /** A git work tree is in use (git.enabled and found): snapshots, diffs, rollback. */
  git: boolean;
  /** orchestrator.verify: the Verify commands of a task that has none of its own. */
  verify: readonly string[];
  /** orchestrator.verify_retries: failed verifications sent back to Claude before the task fails. */
  verifyRetries: number;
  /** git.commit: "task" commits each completed, verified task. */
  commit: "none" | "task";
}

export const NO_CHECKS: CheckpointSettings = Object.freeze({ git: false, verify: [], verifyRetries: 0, commit: "none" });

/** Oldest notifications are dropped past this many undelivered ones, so a long-dead n8n cannot grow the state without bound. */
export const OUTBOX_LIMIT = 500;

/** The answer to the one who sent the event. Refusals have ok: false and say what to do instead. */
export interface Reply {
  ok: boolean;
  message: string;
}

export interface Transition {
  /** The next state; the same object as the input when nothing changed (so nothing is written). */
  state: SessionState;
  effects: Effect[];
  reply: Reply;
}

/**
 * A transition under construction: a copy-on-write copy of the state plus the effects so far.
 * The session object and the task list are copied at once; a task is cloned the first time it is
 * written (task()), so a transition costs the same whether the session has 3 tasks or 300.
 */
export class Draft {
  readonly effects: Effect[] = [];
  readonly s: SessionState;
  readonly #owned = new Set<number>();
  constructor(state: SessionState, readonly ctx: MachineContext) {
    // State files written before the outbox existed have neither field.
    this.s = { ...state, tasks: state.tasks.slice(), outbox: (state.outbox ?? []).slice(), notify_seq: state.notify_seq ?? 0 };
    this.s.last_activity = ctx.now;
  }
  /** The task at `index`, safe to change (a private clone). */
  task(index: number): TaskRecord {
    if (!this.#owned.has(index)) {
      this.s.tasks[index] = structuredClone(this.s.tasks[index] as TaskRecord);
      this.#owned.add(index);
    }
    return this.s.tasks[index] as TaskRecord;
  }
  notify(event: Notification["event"], level: Notification["level"], message: string, task_index: number | null, permission_id?: string): void {
    const notification: Notification = { event, level, message, task_index, ...(permission_id ? { permission_id } : {}) };
    this.effects.push({ type: "notify", notification });
    if (this.ctx.outbox && event !== "task_progress") {
      this.s.outbox.push(buildPayload(this.s, notification, this.ctx.now));
      if (this.s.outbox.length > OUTBOX_LIMIT) this.s.outbox.splice(0, this.s.outbox.length - OUTBOX_LIMIT);
    }
  }
  done(message: string, ok = true): Transition {
    return { state: this.s, effects: this.effects, reply: { ok, message } };
  }
}

/**
 * Moves the session to the task at `index`: completes the session past the last task, pauses when
 * a pause was asked for, waits when the approval gate says so, else starts the task.
 * Returns a line saying what happens next.
 */
export function moveTo(d: Draft, index: number, previous: TaskRecord | null): string {
  const s = d.s;
  // A task skipped before it ran stays skipped when the session passes it again (after a rollback).
  while (index < s.tasks.length && s.tasks[index]?.status === "skipped") index++;
  s.current_task_index = Math.min(index, s.tasks.length);
  if (index >= s.tasks.length) {
    Object.assign(s, { status: "completed", completed_at: d.ctx.now, pause_requested: false, waiting_reason: null });
    s.current_task_index = s.tasks.length - 1;
    const { text } = progressOf(s);
    d.notify("session_completed", "success", `Session ${s.session_id} complete: ${text} tasks done.`, null);
    return `Session complete: ${text} tasks done.`;
  }
  if (s.pause_requested) {
    pauseAt(d);
    return `Paused before ${taskHeadline(s, index)}. Send /resume to continue.`;
  }
  // The day's budget: no task starts past it, in any approval mode.
  const over = budgetReached(s, d.ctx);
  if (over) {
    waitFor(d, index, over);
    return `${over}: ${taskHeadline(s, index)} waits. Send /budget <dollars> to raise today's budget, then /approve.`;
  }
  const task = s.tasks[index] as TaskRecord;
  const reason = approvalGate(task, previous, d.ctx.policy);
  if (reason) {
    waitFor(d, index, reason);
    return `Next: ${taskHeadline(s, index)}${task.type ? ` (${task.type})` : ""} waits for approval: ${reason}. Send /approve to run it, /skip to skip it, /pause to pause.`;
  }
  startTask(d, index, null);
  return `Executing ${taskHeadline(s, index)}.`;
}

export function waitFor(d: Draft, index: number, reason: string): void {
  Object.assign(d.s, { status: "waiting_approval", current_task_index: index, waiting_reason: reason });
  // Waiting for a person ends a wait for a usage limit (a rollback, the budget at its reset).
  if (d.s.resume_at != null || d.s.limit != null) Object.assign(d.s, { resume_at: null, limit: null });
  d.notify("approval_needed", "info", `${taskHeadline(d.s, index)} waits for approval: ${reason}.`, index);
}

export function pauseAt(d: Draft): void {
  Object.assign(d.s, { status: "paused", paused_at: d.ctx.now, pause_requested: false, waiting_reason: null });
  d.notify("session_paused", "warning", `Paused at ${taskHeadline(d.s, d.s.current_task_index)}. Completed: ${progressOf(d.s).text}.`, d.s.current_task_index);
}

/** What a parked task's Claude is told when a person continues it without a note. */
export const PARKED_PROMPT =
  "You were stopped while waiting for a person to answer a permission request or a question (nobody answered in time, or the orchestrator restarted). A person has now asked you to continue: carry on with the task where you left off, and ask again for what you still need.";

export function startTask(d: Draft, index: number, feedback: string | null): void {
  const s = d.s;
  const task = d.task(index);
  // Retry with feedback continues the Claude session that failed, when there is one to continue.
  // Not after a rollback: that session remembers changes that are no longer in the tree. A task
  // parked waiting for a permission goes on in its session (the work so far is kept there).
  const parked = task.resume_on_retry === true && task.claude_session_id !== null && task.status !== "rolled_back";
  const resume = (feedback || parked) && task.claude_session_id && task.status !== "rolled_back" ? task.claude_session_id : null;
  if (parked && !feedback) feedback = PARKED_PROMPT;
  Object.assign(task, {
    status: "running",
    attempts: task.attempts + 1,
    started_at: d.ctx.now,
    completed_at: null,
    duration_s: null,
    result: null,
    error: null,
    feedback,
    skip_requested: false,
    continuations: 0,
    pid: null,
    pgid: null,
    phase: "claude",
    verification: null,
    commit: null,
    commit_error: null,
    cancel_requested_by: null,
    stop_reason: null,
    resume_on_retry: false,
  });
  if (task.limit_resumes) task.limit_resumes = 0; // a new attempt: its costs start again
  Object.assign(s, { status: "running", current_task_index: index, waiting_reason: null });
  if (s.resume_at != null) s.resume_at = null; // a task started by hand ends a wait for a usage limit
  d.effects.push({ type: "run_task", index, attempt: task.attempts, session_id: s.session_id ?? "session", task: structuredClone(task), feedback, resume_session_id: resume, continuation: 0, max_budget_usd: remainingBudget(s, d.ctx) });
  d.notify("task_started", "info", `Executing ${taskHeadline(s, index)}${task.type ? ` (${task.type})` : ""}`, index);
}

export function markSkipped(d: Draft, index: number): void {
  const task = d.task(index);
  Object.assign(task, { status: "skipped", result: "skipped", completed_at: d.ctx.now, skip_requested: false, pid: null, pgid: null, phase: null, cancel_requested_by: null });
  d.notify("task_skipped", "info", `Skipped ${taskHeadline(d.s, index)}.`, index);
}

/** The task before `index` as it ended, for checkpoint_after (a skipped one is no checkpoint). */
export function previousOf(s: SessionState, index: number): TaskRecord | null {
  return index > 0 ? (s.tasks[index - 1] as TaskRecord) : null;
}
