import type { ApprovalPolicy } from "../config/config.js";
import type { Effect, Notification } from "./effects.js";
import type { Command, OrchestratorEvent, Report } from "./events.js";
import type { RunOutcome } from "./run-outcome.js";
import { createTaskRecord, type SessionState, type TaskRecord } from "./state.js";
import { buildPayload } from "./notification-payload.js";
import { approvalGate } from "./approval.js";
import { progressOf, taskHeadline, taskLabel } from "./describe.js";
import { refusalFor } from "./refusals.js";

/** What the machine needs besides the state and the event: the time and the approval policy. */
export interface MachineContext {
  /** ISO timestamp of this transition (from the injected clock). */
  now: string;
  policy: ApprovalPolicy;
  /** Keep notifications in state.outbox for delivery to n8n (default false: n8n is off). */
  outbox?: boolean;
  /** Automatic continuations of a run that hit the turn limit (claude.max_continuations; default 0). */
  maxContinuations?: number;
}

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
 * The whole decision logic: (state, event) -> (next state, effects, reply). Pure: no I/O, no clock,
 * no randomness. The orchestrator persists the next state, then carries out the effects.
 */
export function transition(state: SessionState, event: OrchestratorEvent, ctx: MachineContext): Transition {
  return isCommand(event) ? handleCommand(state, event, ctx) : handleReport(state, event, ctx);
}

function isCommand(event: OrchestratorEvent): event is Command {
  return ["start", "approve", "pause", "resume", "skip", "retry"].includes(event.type);
}

/**
 * A transition under construction: a copy-on-write copy of the state plus the effects so far.
 * The session object and the task list are copied at once; a task is cloned the first time it is
 * written (task()), so a transition costs the same whether the session has 3 tasks or 300.
 */
class Draft {
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
  notify(event: Notification["event"], level: Notification["level"], message: string, task_index: number | null): void {
    this.effects.push({ type: "notify", notification: { event, level, message, task_index } });
    if (this.ctx.outbox && event !== "task_progress") {
      this.s.outbox.push(buildPayload(this.s, { event, level, message, task_index }, this.ctx.now));
      if (this.s.outbox.length > OUTBOX_LIMIT) this.s.outbox.splice(0, this.s.outbox.length - OUTBOX_LIMIT);
    }
  }
  done(message: string, ok = true): Transition {
    return { state: this.s, effects: this.effects, reply: { ok, message } };
  }
}

function refuse(state: SessionState, command: Command): Transition {
  return { state, effects: [], reply: { ok: false, message: refusalFor(command.type, state) } };
}

function ignore(state: SessionState, why: string): Transition {
  return { state, effects: [], reply: { ok: false, message: why } };
}

function handleCommand(state: SessionState, cmd: Command, ctx: MachineContext): Transition {
  const status = state.status;
  const current = state.tasks[state.current_task_index];
  switch (cmd.type) {
    case "start": {
      if (status !== "idle" && status !== "completed") return refuse(state, cmd);
      if (cmd.tasks.length === 0) return ignore(state, `No tasks in ${cmd.task_file}: nothing to start.`);
      const d = new Draft(state, ctx);
      Object.assign(d.s, {
        session_id: cmd.session_id,
        task_file: cmd.task_file,
        tasks: cmd.tasks.map(createTaskRecord),
        current_task_index: 0,
        started_at: ctx.now,
        paused_at: null,
        completed_at: null,
        pause_requested: false,
        waiting_reason: null,
      });
      const list = d.s.tasks.map((t, i) => `${i + 1}. ${t.title}${t.type ? ` (${t.type})` : ""}`).join("\n");
      d.notify("session_started", "info", `Session ${cmd.session_id} started: ${cmd.tasks.length} tasks from ${cmd.task_file}`, null);
      const next = moveTo(d, 0, null);
      return d.done(`Loaded ${cmd.tasks.length} tasks from ${cmd.task_file}:\n${list}\n${next}`);
    }
    case "approve": {
      if (status !== "waiting_approval" || !current) return refuse(state, cmd);
      const d = new Draft(state, ctx);
      startTask(d, d.s.current_task_index, null);
      return d.done(`Executing ${taskHeadline(d.s, d.s.current_task_index)}`);
    }
    case "pause": {
      if (status === "running" && !state.pause_requested) {
        const d = new Draft(state, ctx);
        d.s.pause_requested = true;
        return d.done(`Pausing after ${taskLabel(d.s, d.s.current_task_index)} finishes (it keeps running). Send /resume to cancel.`);
      }
      if (status !== "waiting_approval") return refuse(state, cmd);
      const d = new Draft(state, ctx);
      pauseAt(d);
      return d.done(`Paused at ${taskLabel(d.s, d.s.current_task_index)}. Completed: ${progressOf(d.s).text}. State saved. Send /resume to continue.`);
    }
    case "resume": {
      if (status === "running" && state.pause_requested) {
        const d = new Draft(state, ctx);
        d.s.pause_requested = false;
        return d.done(`Pause cancelled: ${taskLabel(d.s, d.s.current_task_index)} keeps running and the session goes on.`);
      }
      if (status !== "paused") return refuse(state, cmd);
      const d = new Draft(state, ctx);
      d.s.paused_at = null;
      d.notify("session_resumed", "info", `Resumed at ${taskHeadline(d.s, d.s.current_task_index)}`, d.s.current_task_index);
      const next = moveTo(d, d.s.current_task_index, previousOf(d.s, d.s.current_task_index));
      return d.done(`Resumed. Continuing from ${taskHeadline(d.s, d.s.current_task_index)}\n${next}`);
    }
    case "skip": {
      if (!current || !["waiting_approval", "paused", "task_failed", "running"].includes(status)) return refuse(state, cmd);
      const d = new Draft(state, ctx);
      const index = d.s.current_task_index;
      if (status === "running") {
        const task = d.task(index);
        if (task.skip_requested) return ignore(state, `Already skipping ${taskLabel(state, index)}: it is being stopped.`);
        task.skip_requested = true;
        d.effects.push({ type: "cancel_task", index, attempt: task.attempts });
        return d.done(`Stopping ${taskHeadline(d.s, index)} and skipping it.`);
      }
      markSkipped(d, index);
      if (status === "paused" && index + 1 < d.s.tasks.length) {
        d.s.current_task_index = index + 1;
        return d.done(`Skipped ${taskHeadline(d.s, index)}. Still paused, now at ${taskLabel(d.s, index + 1)}. Send /resume to continue.`);
      }
      const next = moveTo(d, index + 1, null);
      return d.done(`Skipped ${taskHeadline(d.s, index)}. ${next}`);
    }
    case "retry": {
      const retryable = current && (current.status === "failed" || current.status === "interrupted");
      if (!retryable || !["task_failed", "waiting_approval", "paused"].includes(status)) return refuse(state, cmd);
      const d = new Draft(state, ctx);
      d.s.paused_at = null;
      startTask(d, d.s.current_task_index, cmd.feedback?.trim() || null);
      return d.done(`Retrying ${taskHeadline(d.s, d.s.current_task_index)} (attempt ${current.attempts + 1})`);
    }
  }
}

function handleReport(state: SessionState, report: Report, ctx: MachineContext): Transition {
  if (report.type === "recover") return recover(state, report.boot_id, ctx);
  if (report.type === "notifications_delivered") return dropDelivered(state, report.ids);
  const task = state.tasks[report.index];
  const live = state.status === "running" && report.index === state.current_task_index && task?.status === "running" && task.attempts === report.attempt;
  if (!live) return ignore(state, `Ignored a stale ${report.type} for task index ${report.index} attempt ${report.attempt}.`);
  switch (report.type) {
    case "task_spawned": {
      const d = new Draft(state, ctx);
      Object.assign(d.task(report.index), { pid: report.pid, pgid: report.pgid, boot_id: report.boot_id, output_log: report.output_log });
      return d.done("recorded");
    }
    case "task_progress": {
      // Progress changes nothing worth a disk write; it is only passed on.
      const effects: Effect[] = [{ type: "notify", notification: { event: "task_progress", level: "info", message: report.progress.text, task_index: report.index } }];
      return { state, effects, reply: { ok: true, message: "progress" } };
    }
    case "task_finished":
      return finishTask(state, report.index, report.outcome, report.output_log, ctx);
  }
}

function finishTask(state: SessionState, index: number, outcome: RunOutcome, outputLog: string | null, ctx: MachineContext): Transition {
  const d = new Draft(state, ctx);
  const task = d.task(index);
  // Continuations of one attempt add up: the person pays for all of them.
  const sum = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));
  const continued = task.continuations > 0;
  const tokens =
    continued && task.tokens && outcome.tokens
      ? {
          input_tokens: task.tokens.input_tokens + outcome.tokens.input_tokens,
          output_tokens: task.tokens.output_tokens + outcome.tokens.output_tokens,
          cache_creation_input_tokens: task.tokens.cache_creation_input_tokens + outcome.tokens.cache_creation_input_tokens,
          cache_read_input_tokens: task.tokens.cache_read_input_tokens + outcome.tokens.cache_read_input_tokens,
        }
      : continued
        ? (outcome.tokens ?? task.tokens)
        : outcome.tokens;
  Object.assign(task, {
    cost_usd: continued ? sum(task.cost_usd, outcome.cost_usd) : outcome.cost_usd,
    num_turns: continued ? sum(task.num_turns, outcome.num_turns) : outcome.num_turns,
    tokens,
    claude_session_id: outcome.session_id ?? task.claude_session_id,
    output_log: outputLog ?? task.output_log,
  });
  const max = ctx.maxContinuations ?? 0;
  if (outcome.kind === "max_turns" && !task.skip_requested && task.claude_session_id && task.continuations < max) {
    // Not a failure yet: the same Claude session goes on where it stopped (--resume).
    task.continuations += 1;
    const note = `${taskHeadline(d.s, index)} reached its turn limit; auto-continuing (${task.continuations}/${max})`;
    d.effects.push({ type: "run_task", index, attempt: task.attempts, session_id: d.s.session_id ?? "session", task: structuredClone(task), feedback: null, resume_session_id: task.claude_session_id, continuation: task.continuations });
    d.notify("task_continued", "info", note, index);
    return d.done(note);
  }
  Object.assign(task, {
    completed_at: ctx.now,
    duration_s: task.started_at ? Math.max(0, (Date.parse(ctx.now) - Date.parse(task.started_at)) / 1000) : null,
    summary: outcome.summary,
    permission_denials: outcome.permission_denials,
    pid: null,
    pgid: null,
  });
  const headline = taskHeadline(d.s, index);
  if (outcome.ok) {
    Object.assign(task, { status: "completed", result: "success", error: null });
    const denied = outcome.permission_denials.length > 0 ? ` Claude was refused: ${[...new Set(outcome.permission_denials)].join(", ")}.` : "";
    d.notify("task_completed", denied ? "warning" : "success", `${headline} complete.${denied} Progress: ${progressOf(d.s).text}`, index);
    const next = moveTo(d, index + 1, task);
    return d.done(`${headline} complete. ${next}`);
  }
  if (task.skip_requested) {
    markSkipped(d, index);
    const next = moveTo(d, index + 1, null);
    return d.done(`Skipped ${headline}. ${next}`);
  }
  if (outcome.kind === "cancelled") {
    // Ended on purpose (shutdown), not by its own fault: a person decides whether to run it again.
    Object.assign(task, { status: "interrupted", result: "interrupted", error: outcome.reason ?? "cancelled" });
    d.notify("task_interrupted", "warning", `${headline} was interrupted.`, index);
    waitFor(d, index, approvalGate(task, null, ctx.policy) ?? "it was interrupted");
    return d.done(`${headline} was interrupted.`);
  }
  Object.assign(task, { status: "failed", result: "failed", error: outcome.reason ?? "failed" });
  Object.assign(d.s, { status: "task_failed", pause_requested: false, waiting_reason: null });
  d.notify("task_failed", "error", `${headline} failed: ${task.error}`, index);
  return d.done(`${headline} failed: ${task.error}. Send /retry to run it again or /skip to move on.`);
}

function dropDelivered(state: SessionState, ids: string[]): Transition {
  const gone = new Set(ids);
  const outbox = (state.outbox ?? []).filter((n) => !gone.has(n.id));
  if (outbox.length === (state.outbox ?? []).length) return ignore(state, "nothing to drop");
  return { state: { ...state, outbox }, effects: [], reply: { ok: true, message: `delivered ${ids.length}` } };
}

/** After a restart: a task recorded as running has no process of ours any more. */
function recover(state: SessionState, bootId: string | null, ctx: MachineContext): Transition {
  if (state.status !== "running") return { state, effects: [], reply: { ok: true, message: "nothing to recover" } };
  const d = new Draft(state, ctx);
  const index = d.s.current_task_index;
  const task = d.task(index);
  // A recorded group is only ours if the machine has not rebooted since (pgids are reused).
  if (task.pgid && task.boot_id && task.boot_id === bootId) d.effects.push({ type: "kill_orphan", pgid: task.pgid });
  Object.assign(task, {
    status: "interrupted",
    result: "interrupted",
    error: "interrupted: the orchestrator stopped while this task ran",
    completed_at: ctx.now,
    pid: null,
    pgid: null,
    skip_requested: false,
  });
  d.s.pause_requested = false;
  d.notify("task_interrupted", "warning", `${taskHeadline(d.s, index)} was interrupted by a restart.`, index);
  waitFor(d, index, "it was interrupted by a restart and may have changed files");
  return d.done(`${taskHeadline(d.s, index)} was interrupted; waiting for /retry or /skip.`);
}

/**
 * Moves the session to the task at `index`: completes the session past the last task, pauses when
 * a pause was asked for, waits when the approval gate says so, else starts the task.
 * Returns a line saying what happens next.
 */
function moveTo(d: Draft, index: number, previous: TaskRecord | null): string {
  const s = d.s;
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
  const task = s.tasks[index] as TaskRecord;
  const reason = approvalGate(task, previous, d.ctx.policy);
  if (reason) {
    waitFor(d, index, reason);
    return `Next: ${taskHeadline(s, index)}${task.type ? ` (${task.type})` : ""} waits for approval: ${reason}. Send /approve to run it, /skip to skip it, /pause to pause.`;
  }
  startTask(d, index, null);
  return `Executing ${taskHeadline(s, index)}.`;
}

function waitFor(d: Draft, index: number, reason: string): void {
  Object.assign(d.s, { status: "waiting_approval", current_task_index: index, waiting_reason: reason });
  d.notify("approval_needed", "info", `${taskHeadline(d.s, index)} waits for approval: ${reason}.`, index);
}

function pauseAt(d: Draft): void {
  Object.assign(d.s, { status: "paused", paused_at: d.ctx.now, pause_requested: false, waiting_reason: null });
  d.notify("session_paused", "warning", `Paused at ${taskHeadline(d.s, d.s.current_task_index)}. Completed: ${progressOf(d.s).text}.`, d.s.current_task_index);
}

function startTask(d: Draft, index: number, feedback: string | null): void {
  const s = d.s;
  const task = d.task(index);
  // Retry with feedback continues the Claude session that failed, when there is one to continue.
  const resume = feedback && task.claude_session_id ? task.claude_session_id : null;
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
  });
  Object.assign(s, { status: "running", current_task_index: index, waiting_reason: null });
  d.effects.push({ type: "run_task", index, attempt: task.attempts, session_id: s.session_id ?? "session", task: structuredClone(task), feedback, resume_session_id: resume, continuation: 0 });
  d.notify("task_started", "info", `Executing ${taskHeadline(s, index)}${task.type ? ` (${task.type})` : ""}`, index);
}

function markSkipped(d: Draft, index: number): void {
  const task = d.task(index);
  Object.assign(task, { status: "skipped", result: "skipped", completed_at: d.ctx.now, skip_requested: false, pid: null, pgid: null });
  d.notify("task_skipped", "info", `Skipped ${taskHeadline(d.s, index)}.`, index);
}

/** The task before `index` as it ended, for checkpoint_after (a skipped one is no checkpoint). */
function previousOf(s: SessionState, index: number): TaskRecord | null {
  return index > 0 ? (s.tasks[index - 1] as TaskRecord) : null;
}
