import type { Effect } from "../effects.js";
import type { Report } from "../events.js";
import type { RunOutcome } from "../run-outcome.js";
import type { SessionState } from "../state.js";
import { approvalGate } from "../approval.js";
import { progressOf, taskHeadline } from "../describe.js";
import { Draft, markSkipped, moveTo, waitFor, type MachineContext, type Transition } from "../draft.js";
import { interruptedError } from "./recovery.js";
import { ignore } from "./replies.js";

type RunReport = Extract<Report, { type: "task_spawned" | "task_progress" | "task_finished" }>;

/** What the runner reports about the running task: spawned, progress, finished (a stale report is ignored). */
export function handleRunReport(state: SessionState, report: RunReport, ctx: MachineContext): Transition {
  const task = state.tasks[report.index];
  const live = state.status === "running" && report.index === state.current_task_index && task?.status === "running" && task.attempts === report.attempt;
  if (!live) return ignore(state, `Ignored a stale ${report.type} for task index ${report.index} attempt ${report.attempt}.`);
  switch (report.type) {
    case "task_spawned": {
      const d = new Draft(state, ctx);
      const task = d.task(report.index);
      Object.assign(task, { pid: report.pid, pgid: report.pgid, boot_id: report.boot_id, run_marker: report.run_marker, output_log: report.output_log ?? task.output_log });
      // A fresh run starts with a clean log record; a continuation appends to the same log.
      if (task.continuations === 0) Object.assign(task, { output_log_error: null, stderr_tail: null });
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
    // What the log could not keep is kept here; a continuation's run adds to the same log.
    output_log_error: outcome.output_log?.error ?? (continued ? (task.output_log_error ?? null) : null),
    stderr_tail: outcome.stderr_tail ?? (continued ? (task.stderr_tail ?? null) : null),
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
    run_marker: null,
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
    // Ended on purpose (shutdown; a skip is handled above), not by its own fault: a person decides
    // whether to run it again. Worded like an interruption found after a crash: the same state.
    Object.assign(task, { status: "interrupted", result: "interrupted", error: interruptedError("shutdown") });
    d.s.pause_requested = false; // the session stops anyway; as after a crash, a pause asked for meanwhile is spent
    d.notify("task_interrupted", "warning", `${headline} was interrupted by a shutdown.`, index);
    waitFor(d, index, approvalGate(task, null, ctx.policy) ?? "it was interrupted");
    return d.done(`${headline} was interrupted.`);
  }
  Object.assign(task, { status: "failed", result: "failed", error: outcome.reason ?? "failed" });
  Object.assign(d.s, { status: "task_failed", pause_requested: false, waiting_reason: null });
  d.notify("task_failed", "error", `${headline} failed: ${task.error}`, index);
  return d.done(`${headline} failed: ${task.error}. Send /retry to run it again or /skip to move on.`);
}
