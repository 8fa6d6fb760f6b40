import type { Effect } from "./effects.js";
import type { Command, OrchestratorEvent, Report } from "./events.js";
import type { RunOutcome } from "./run-outcome.js";
import { createTaskRecord, type SessionState } from "./state.js";
import { approvalGate } from "./approval.js";
import { progressOf, taskHeadline, taskLabel } from "./describe.js";
import { refusalFor } from "./refusals.js";
import { Draft, markSkipped, moveTo, pauseAt, previousOf, startTask, waitFor, type MachineContext, type Transition } from "./draft.js";

export { OUTBOX_LIMIT, type MachineContext, type Reply, type Transition } from "./draft.js";

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
