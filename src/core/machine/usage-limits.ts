import type { Command, Report } from "../events.js";
import type { RunOutcome } from "../run-outcome.js";
import type { LimitRecord, SessionState, TaskRecord } from "../state.js";
import { taskHeadline, taskLabel } from "../describe.js";
import { clockWords, usageWords, whenWords, windowName } from "../describe-limit.js";
import { Draft, markSkipped, moveTo, pauseAt, waitFor, type MachineContext, type Transition } from "../draft.js";
import { budgetAdvice, budgetReached, remainingBudget } from "./budget.js";
import { ignore } from "./replies.js";

// A run stopped by a usage limit is not a failure: the session waits (waiting_limit) until the
// limit resets (state.resume_at), then the same Claude session continues by itself (--resume).
//
// - resume_at: the reset the CLI reported (its rate_limit_event, else the time in its message);
//   when it gave none (or one already past), 5 min, doubling with each consecutive limit, up to 1 h.
// - The task is `interrupted` while it waits (its run did end), with resume_on_retry: what it did so
//   far is in its Claude session. Its attempt stays open: the resumed run's cost, tokens and turns
//   add to it, and a verification fix that was cut short goes on as that fix.
// - /approve, /resume, /retry [note] try now; /pause holds it (paused, resume_at kept: nothing
//   continues by itself; /resume then waits for the reset again, or goes on now once it has
//   passed); /skip skips the task as usual; /cancel has nothing to cancel.
// - The phone hears it once when the wait starts and once when the task continues.
// - An allowed_warning rate_limit_event is kept (state.usage_warning) and sent once per window.

/** The wait when the CLI gave no reset time: this, doubling per consecutive limit, ... */
export const LIMIT_WAIT_MIN_S = 300;
/** ... up to this. */
export const LIMIT_WAIT_MAX_S = 3600;
/** Usage-warning windows remembered (once per window). */
const WARNED_KEPT = 20;

/** What the continued Claude session is told when the limit has reset. */
export const LIMIT_PROMPT =
  "You were stopped by a usage limit, which has now reset. Continue where you stopped and finish the task; when it is done, say what you changed.";
/** ... and when a person asks to try before the reset. */
export const LIMIT_NOW_PROMPT =
  "You were stopped by a usage limit; a person asked to try again now. Continue where you stopped and finish the task; when it is done, say what you changed.";

/** Seconds to wait after the `hits`-th consecutive limit with no reset time: 5, 10, 20, 40 min, then 1 h. */
export function limitBackoffS(hits: number): number {
  return Math.min(LIMIT_WAIT_MAX_S, LIMIT_WAIT_MIN_S * 2 ** Math.max(0, hits - 1));
}

/** Paused at a task that waits for a usage limit (a /pause during waiting_limit): /resume waits for it again. */
export function heldAtLimit(state: SessionState): boolean {
  const task = state.tasks[state.current_task_index];
  return state.status === "paused" && state.resume_at != null && state.limit?.index === state.current_task_index && task?.status === "interrupted";
}

/** "Continues by itself at 15:00 (in 2 h 14 min): the 5-hour window's usage limit." for /status; null when not waiting. */
export function limitWaitLine(state: SessionState, now: string, timeZone?: string): string | null {
  if (!state.resume_at || (state.status !== "waiting_limit" && !heldAtLimit(state))) return null;
  const window = windowName(state.limit?.type);
  const what = window ? `the usage limit (${window})` : "the usage limit";
  const due = Date.parse(state.resume_at) <= Date.parse(now) ? "now" : `at ${whenWords(state.resume_at, now, timeZone)}`;
  if (state.status === "paused") return `Held by /pause: ${what} resets ${due}; /resume waits for it (or goes on once it has passed).`;
  return `Continues by itself ${due}: ${what}${state.limit?.resets_at ? "" : " gave no reset time; trying again then"}.`;
}

/** "5-hour window 82 % used · resets 15:00", or null (none, or that window is over). */
export function usageLine(state: SessionState, now: string, timeZone?: string): string | null {
  return usageWords(state.usage_warning, now, timeZone);
}

/**
 * The run of task `index` ended at a usage limit (no person asked it to stop): the session waits
 * for the reset. A pause asked for while it ran holds it at once.
 */
export function limitReached(d: Draft, index: number, outcome: RunOutcome): Transition {
  const task = d.task(index);
  const now = d.ctx.now;
  const hits = (d.s.limit?.hits ?? 0) + 1;
  const said = outcome.limit?.resets_at ?? null;
  const ahead = said !== null && Date.parse(said) > Date.parse(now) ? said : null;
  const resumeAt = ahead ?? new Date(Date.parse(now) + limitBackoffS(hits) * 1000).toISOString();
  const limit: LimitRecord = { type: outcome.limit?.type ?? null, resets_at: ahead, message: outcome.limit?.message ?? outcome.reason ?? "usage limit reached", index, since: now, hits };
  const window = windowName(limit.type);
  const when = whenWords(resumeAt, now, d.ctx.timeZone);
  const headline = taskHeadline(d.s, index);
  Object.assign(task, { status: "interrupted", result: "interrupted", error: `stopped by the usage limit${window ? ` (${window})` : ""}; continues by itself at ${clockWords(resumeAt, now, d.ctx.timeZone)}`, resume_on_retry: true });
  const held = d.s.pause_requested;
  Object.assign(d.s, { status: "waiting_limit", resume_at: resumeAt, limit, waiting_reason: `the usage limit${window ? ` (${window})` : ""} ${ahead ? "resets" : "gave no reset time; trying again"} at ${clockWords(resumeAt, now, d.ctx.timeZone)}`, pause_requested: false });
  const head = ahead ? `⏳ Usage limit reached${window ? ` (${window})` : ""}. Resuming at ${when}.` : `⏳ Usage limit reached${window ? ` (${window})` : ""}, with no reset time given. Trying again at ${when}.`;
  d.notify("usage_limit_reached", "warning", `${head}\n${headline} continues then in the same Claude session; /approve tries now, /pause holds it, /skip skips it.`, index);
  if (held) {
    pauseAt(d);
    return d.done(`${head} Paused, as asked: send /resume to wait for the reset, /skip to skip the task.`);
  }
  return d.done(head);
}

/** The task waiting for a usage limit continues in its Claude session, now. `why` is said to the phone. */
function continueNow(d: Draft, prompt: string, why: string): Transition {
  const index = d.s.current_task_index;
  const task = d.task(index);
  const headline = taskHeadline(d.s, index);
  const over = budgetReached(d.s, d.ctx);
  if (over) {
    // The budget ran out meanwhile: that is a person's call, not the limit's.
    waitFor(d, index, over);
    return d.done(`${over}: ${headline} waits. Send /budget <dollars> to raise today's budget, then /approve.`);
  }
  const since = d.s.limit?.since ?? null;
  const waited = since ? Math.max(0, (Date.parse(d.ctx.now) - Date.parse(since)) / 1000) : 0;
  const resumes = (task.limit_resumes ?? 0) + 1;
  Object.assign(task, {
    status: "running",
    result: null,
    error: null,
    completed_at: null,
    duration_s: null,
    phase: "claude",
    pid: null,
    pgid: null,
    skip_requested: false,
    cancel_requested_by: null,
    stop_reason: null,
    resume_on_retry: false,
    limit_resumes: resumes,
    limit_wait_s: Math.round(((task.limit_wait_s ?? 0) + waited) * 10) / 10,
  });
  Object.assign(d.s, { status: "running", resume_at: null, waiting_reason: null, paused_at: null, pause_requested: false });
  const session = task.claude_session_id;
  d.effects.push({
    type: "run_task",
    index,
    attempt: task.attempts,
    session_id: d.s.session_id ?? "session",
    task: structuredClone(task),
    // Without a Claude session to continue (the limit came before it started) the task is given afresh.
    feedback: session ? prompt : null,
    resume_session_id: session,
    continuation: task.continuations,
    fix_round: task.verification?.attempts ?? 0,
    after_limit: resumes,
    max_budget_usd: remainingBudget(d.s, d.ctx),
  });
  d.notify("usage_limit_resumed", "info", `▶️ ${why}: ${headline} continues where it stopped${session ? " (the same Claude session)" : ""}.`, index);
  d.notify("task_started", "info", `Executing ${headline}${task.type ? ` (${task.type})` : ""}`, index);
  return d.done(`${why}: continuing ${headline}.`);
}

type LimitReport = Extract<Report, { type: "rate_limit" | "limit_timer" }>;

export function handleLimitReport(state: SessionState, report: LimitReport, ctx: MachineContext): Transition {
  if (report.type === "limit_timer") {
    const live = state.status === "waiting_limit" && state.resume_at === report.resume_at && (state.rollback_pending ?? null) === null;
    if (!live) return ignore(state, `Ignored a stale limit_timer for ${report.resume_at}.`);
    return continueNow(new Draft(state, ctx), LIMIT_PROMPT, "Usage limit reset");
  }
  return rateLimitReported(state, report.info, ctx);
}

/** A rate_limit_event: a warning is kept and sent once per window; "allowed" again clears it. Nothing else changes. */
function rateLimitReported(state: SessionState, info: Extract<LimitReport, { type: "rate_limit" }>["info"], ctx: MachineContext): Transition {
  const current = state.usage_warning ?? null;
  if (info.status === "allowed") {
    if (!current || (current.type !== info.type && current.type !== null)) return ignore(state, "usage allowed; nothing to change");
    const d = new Draft(state, ctx);
    d.s.usage_warning = null;
    return d.done("usage below its warning again");
  }
  if (info.status !== "allowed_warning") return ignore(state, `usage ${info.status}; the run's outcome says what it means`);
  if (current && current.type === info.type && current.utilization === info.utilization && current.resets_at === info.resets_at) return ignore(state, "the same usage warning");
  const d = new Draft(state, ctx);
  d.s.usage_warning = { type: info.type, utilization: info.utilization, resets_at: info.resets_at, at: ctx.now };
  const window = `${info.type ?? "?"}@${info.resets_at ?? "?"}`;
  const warned = d.s.usage_warned ?? [];
  if (!warned.includes(window)) {
    d.s.usage_warned = [...warned, window].slice(-WARNED_KEPT);
    const line = usageWords(d.s.usage_warning, ctx.now, ctx.timeZone) ?? "Usage nearly used up";
    d.notify("usage_warning", "warning", `⚠️ ${line}. Past the limit the session waits for the reset and goes on by itself.`, null);
  }
  return d.done("usage warning recorded");
}

/**
 * A person's command while a task waits for a usage limit (waiting_limit, or paused there).
 * null: the command is not about the wait (the usual handling, and its refusal, applies).
 */
export function limitCommand(state: SessionState, cmd: Command, ctx: MachineContext): Transition | null {
  const waiting = state.status === "waiting_limit";
  const held = heldAtLimit(state);
  if (!waiting && !held) return null;
  const index = state.current_task_index;
  const label = taskLabel(state, index);
  const due = state.resume_at ? clockWords(state.resume_at, ctx.now, ctx.timeZone) : "?";
  switch (cmd.type) {
    case "approve":
    case "retry":
    case "resume": {
      if (held && cmd.type === "resume") return resumeHeld(state, ctx);
      if (held && cmd.type === "approve") return null; // "Nothing to approve: paused. Send /resume first."
      if (budgetReached(state, ctx)) return ignore(state, budgetAdvice(state, ctx));
      const d = new Draft(state, ctx);
      const note = cmd.type === "retry" ? cmd.feedback?.trim() || null : null;
      return continueNow(d, note ?? LIMIT_NOW_PROMPT, `Trying again now (/${cmd.type}), before the reset at ${due}`);
    }
    case "pause": {
      if (held) return null; // already paused
      const d = new Draft(state, ctx);
      pauseAt(d);
      return d.done(`Paused at ${label}: it does not continue by itself at ${due} while paused. Send /resume to wait for the reset again (or go on at once if it has passed), /skip to skip it.`);
    }
    case "skip": {
      const d = new Draft(state, ctx);
      Object.assign(d.s, { resume_at: null, limit: null });
      markSkipped(d, index);
      if (held && index + 1 < d.s.tasks.length) {
        d.s.current_task_index = index + 1;
        return d.done(`Skipped ${taskHeadline(d.s, index)}. Still paused, now at ${taskLabel(d.s, index + 1)}. Send /resume to continue.`);
      }
      if (held) d.s.paused_at = null;
      return d.done(`Skipped ${taskHeadline(d.s, index)}. ${moveTo(d, index + 1, null)}`);
    }
    case "cancel":
      if (!waiting) return null;
      return ignore(state, `Nothing to cancel: no task is running (${label} waits for the usage limit to reset at ${due}). Send /skip to skip it, /pause to hold it, or /approve to try it now.`);
    default:
      return null;
  }
}

/** /resume of a pause at a task that waits for a usage limit: wait for the reset again, or go on now once it has passed. */
function resumeHeld(state: SessionState, ctx: MachineContext): Transition {
  const d = new Draft(state, ctx);
  const index = d.s.current_task_index;
  const resumeAt = d.s.resume_at as string;
  if (Date.parse(resumeAt) <= Date.parse(ctx.now)) return continueNow(d, LIMIT_PROMPT, "Resumed after the usage limit's reset");
  Object.assign(d.s, { status: "waiting_limit", paused_at: null });
  const message = `Resumed: ${taskHeadline(d.s, index)} waits for the usage limit to reset at ${whenWords(resumeAt, ctx.now, ctx.timeZone)}, then continues by itself (/approve tries now).`;
  d.notify("session_resumed", "info", message, index);
  return d.done(message);
}

/** A run that ended other than at a limit ends the count of consecutive limits. */
export function endLimitStreak(d: Draft, outcome: RunOutcome): void {
  if (outcome.kind !== "usage_limit" && d.s.limit) d.s.limit = null;
}

/** The attempt's earlier runs count toward this one's cost, tokens and turns (it continued after a limit). */
export function continuedAfterLimit(task: TaskRecord): boolean {
  return (task.limit_resumes ?? 0) > 0;
}
