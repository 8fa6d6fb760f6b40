import type { Effect } from "../effects.js";
import type { Report } from "../events.js";
import type { SessionState } from "../state.js";
import { taskHeadline } from "../describe.js";
import { Draft, markSkipped, moveTo, waitFor, type MachineContext, type Transition } from "../draft.js";
import { cancelled, checkTask, durationOf, failTask, hasChecks, interruptedByShutdown, recordChanges, stoppedAtPermission } from "./checkpoints.js";
import { expirePending } from "./permissions.js";
import { addSpend, budgetAdvice, budgetReached, remainingBudget } from "./budget.js";
import { ignore } from "./replies.js";
import { continuedAfterLimit, endLimitStreak, limitReached } from "./usage-limits.js";

type RunReport = Extract<Report, { type: "task_spawned" | "task_progress" | "task_finished" }>;

/** What the runner reports about the running task: spawned, progress, finished (a stale report is ignored). */
export function handleRunReport(state: SessionState, report: RunReport, ctx: MachineContext): Transition {
  const task = state.tasks[report.index];
  // Only while Claude's part runs: a duplicated task_finished during the checks is stale too.
  const live = state.status === "running" && report.index === state.current_task_index && task?.status === "running" && task.attempts === report.attempt && (task.phase ?? "claude") === "claude";
  if (!live) return ignore(state, `Ignored a stale ${report.type} for task index ${report.index} attempt ${report.attempt}.`);
  switch (report.type) {
    case "task_spawned": {
      const d = new Draft(state, ctx);
      const task = d.task(report.index);
      Object.assign(task, { pid: report.pid, pgid: report.pgid, boot_id: report.boot_id, run_marker: report.run_marker, output_log: report.output_log ?? task.output_log });
      // A fresh run starts with a clean log record; a continuation (or a fix run) appends to the same log.
      if (task.continuations === 0 && !task.verification) Object.assign(task, { output_log_error: null, stderr_tail: null });
      // The task's base is the snapshot before its first attempt: a retry's changes add to it, and a rollback goes back there.
      const before = report.before ?? null;
      if (before && !task.git?.base) {
        task.git = { base: before.tree, base_commit: before.commit, head_before: before.head, head: null, head_commit: null };
      }
      return d.done("recorded");
    }
    case "task_progress": {
      // Progress changes nothing worth a disk write; it is only passed on.
      const effects: Effect[] = [{ type: "notify", notification: { event: "task_progress", level: "info", message: report.progress.text, task_index: report.index } }];
      return { state, effects, reply: { ok: true, message: "progress" } };
    }
    case "task_finished":
      return finishTask(state, report, ctx);
  }
}

function finishTask(state: SessionState, report: Extract<RunReport, { type: "task_finished" }>, ctx: MachineContext): Transition {
  const { index, outcome } = report;
  const d = new Draft(state, ctx);
  const task = d.task(index);
  // The CLI that asked is gone: what it asked needs no answer any more. A run stopped while it
  // waited for a person (a shutdown) can go on later in its session, as after a crash.
  const waited = (d.s.permissions ?? []).some((p) => p.index === index && p.status === "pending");
  if (waited && outcome.kind === "cancelled" && !task.cancel_requested_by && !task.skip_requested) task.resume_on_retry = true;
  expirePending(d, index, "the run ended before it was answered");
  // Continuations and fix runs of one attempt add up: the person pays for all of them.
  const sum = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));
  const continued = task.continuations > 0 || (task.verification ?? null) !== null || continuedAfterLimit(task);
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
    output_log: report.output_log ?? task.output_log,
    // What the log could not keep is kept here; a continuation's run adds to the same log.
    output_log_error: outcome.output_log?.error ?? (continued ? (task.output_log_error ?? null) : null),
    stderr_tail: outcome.stderr_tail ?? (continued ? (task.stderr_tail ?? null) : null),
  });
  recordChanges(task, report.changes ?? null, report.git_error ?? null);
  addSpend(d, outcome.cost_usd);
  endLimitStreak(d, outcome);
  const max = ctx.maxContinuations ?? 0;
  if (outcome.kind === "max_turns" && !task.skip_requested && !task.cancel_requested_by && !task.stop_reason && task.claude_session_id && task.continuations < max) {
    // Not a failure yet: the same Claude session goes on where it stopped (--resume).
    task.continuations += 1;
    const note = `${taskHeadline(d.s, index)} reached its turn limit; auto-continuing (${task.continuations}/${max})`;
    d.effects.push({ type: "run_task", index, attempt: task.attempts, session_id: d.s.session_id ?? "session", task: structuredClone(task), feedback: null, resume_session_id: task.claude_session_id, continuation: task.continuations, max_budget_usd: remainingBudget(d.s, ctx) });
    d.notify("task_continued", "info", note, index);
    return d.done(note);
  }
  // Claude's part is over. The run marker stays while checks run under it (a crash then ends them too).
  Object.assign(task, { summary: outcome.summary, permission_denials: outcome.permission_denials, pid: null, pgid: null });
  const headline = taskHeadline(d.s, index);
  // A run that finished anyway while being skipped or cancelled keeps its result, unless it has
  // checks: those are not run for a person who asked to stop, and unchecked work is no completion.
  const stopping = task.skip_requested || Boolean(task.cancel_requested_by) || Boolean(task.stop_reason);
  if (outcome.ok && !(stopping && hasChecks(task, ctx))) return checkTask(d, index);
  Object.assign(task, { completed_at: ctx.now, duration_s: durationOf(task.started_at, ctx.now), run_marker: null, phase: null });
  if (task.skip_requested) {
    markSkipped(d, index);
    const next = moveTo(d, index + 1, null);
    return d.done(`Skipped ${headline}. ${next}`);
  }
  if (task.cancel_requested_by) return cancelled(d, index);
  if (task.stop_reason) return stoppedAtPermission(d, index);
  if (outcome.kind === "usage_limit") return limitReached(d, index, outcome);
  if (outcome.kind === "budget") {
    // Not the task's fault: it stopped at the day's budget. It waits for a person (and a raise).
    Object.assign(task, { status: "interrupted", result: "interrupted", error: `stopped at the day's budget: ${budgetReached(d.s, ctx) ?? "the run reached what was left of it"}` });
    d.notify("task_interrupted", "warning", `💸 ${headline} stopped at the day's budget. ${budgetAdvice(d.s, ctx)}`, index);
    waitFor(d, index, budgetReached(d.s, ctx) ?? "it stopped at the day's budget");
    return d.done(`${headline} stopped at the day's budget.`);
  }
  if (outcome.kind === "cancelled") return interruptedByShutdown(d, index);
  return failTask(d, index, outcome.reason ?? "failed");
}
