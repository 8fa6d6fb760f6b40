/**
 * The day report's numbers, from the session state (and the history's events when there are
 * any). Pure: the state, the date, the clock's now, the budget and the events come in; nothing
 * is read or written here.
 *
 * Waits for a person (the seed's "time to approval"): from the event history when
 * it covers the session (it holds the session's session_started), else estimated from the
 * state. The estimate rests on how the machine starts tasks: a task that needs no person starts
 * in the very transition that ends the one before it, with the same timestamp; so a gap between
 * a task's started_at and the previous task's completed_at (the session's started_at for the
 * first) is time the session stood still for a person: a checkpoint, or a pause. Only a task's
 * first attempt can be measured so: a retry's started_at replaces the earlier one's, so retried
 * tasks are left out (and said so in the notes).
 *
 * Waits for usage limits: the state's own record (each task's limit_wait_s and limit_resumes,
 * and state.limit.since while waiting_limit). A task's duration_s includes its limit waits, so
 * the time Claude worked leaves them out.
 */
import { describeChanges } from "../core/describe-changes.js";
import type { SessionState, TaskRecord, TaskStatus } from "../core/state.js";
import { formatSpan as formatSeconds } from "./render-day-report.js";
import type { TokenUsage } from "../core/run-outcome.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { CheckpointWaits, DayReport, DayTotals, LimitWaits, PersonWait, TaskFeedbackReport, TaskReport } from "./day-report-types.js";
import type { TaskFeedback } from "../feedback/feedback-book.js";
import { sectionId } from "../feedback/feedback-file.js";
import { ratingText } from "../feedback/feedback-rating.js";
import { eventsOfSession, personWaitsFromEvents, type ReportEvent } from "./report-events.js";

export interface BuildDayReportOptions {
  /** The local date reported (YYYY-MM-DD); the caller checks it is the session's (sessionDate). */
  date: string;
  now: Date;
  /** orchestrator.daily_budget_usd (null: none); a /budget raise for the date in the state wins. */
  budgetUsd: number | null;
  /** The history's events (parseEventLines), or null when there is no history. */
  events: readonly ReportEvent[] | null;
  /** The tasks' feedback by task id (FeedbackBook.forTasks, keyed by sectionId); absent: none given. */
  feedback?: ReadonlyMap<string, TaskFeedback> | null;
}

/** A gap shorter than this between two tasks is the machine's own, not a person's. */
const MIN_WAIT_S = 1;

/** The local date the session started (YYYY-MM-DD), or null when no session has started. */
export function sessionDate(state: SessionState): string | null {
  if (!state.started_at || state.tasks.length === 0) return null;
  const at = new Date(state.started_at);
  return Number.isNaN(at.getTime()) ? null : localDate(at);
}

export function buildDayReport(state: SessionState, opts: BuildDayReportOptions): DayReport {
  const { now } = opts;
  const sessionEvents = opts.events ? eventsOfSession(opts.events, state) : [];
  // The history covers this session only when it saw it start: one begun before the history
  // existed would miss its first checkpoints, so the state's estimate is the better one then.
  const covered = sessionEvents.some((e) => e.name === "session_started");
  const notes: string[] = [];

  const waits = covered ? personWaitsFromEvents(sessionEvents, state, now) : waitsFromState(state, now);
  if (!covered) {
    const retried = state.tasks.filter((t) => t.attempts > 1).length;
    notes.push(
      "Waits for a person are estimated from the state file: the time between a task's start and the end of the task before it (a pause counts too)" +
        (retried > 0 ? `; ${retried} retried task${retried === 1 ? " is" : "s are"} left out (the state keeps only the last attempt's start).` : "."),
    );
  }
  const waitOf = new Map<number, number>();
  for (const w of waits) if (w.kind === "approval") waitOf.set(w.task, (waitOf.get(w.task) ?? 0) + w.waited_s);

  const tasks = state.tasks.map((t, i) => taskReport(t, i, now, waitOf.get(i + 1) ?? null));
  for (const [i, t] of state.tasks.entries()) (tasks[i] as TaskReport).feedback = feedbackReport(opts.feedback?.get(sectionId(t.id)) ?? null);
  const running = tasks.filter((t) => t.status === "running");
  for (const t of running) notes.push(`Task ${t.task} is still running: its time counts up to now.`);
  if (state.tasks.some((t) => t.attempts > 1)) notes.push("A retried task's cost, tokens and turns are those of its last attempt; spent today counts every run.");

  const limits = limitWaits(state, now);
  const recorded = tasks.reduce((sum, t) => sum + t.limit_wait_s, 0);
  if (recorded > 0) notes.push(`Claude worked leaves out the ${formatSeconds(recorded)} the tasks waited for usage limits (their durations include them).`);

  return {
    date: opts.date,
    session_id: state.session_id,
    task_file: state.task_file,
    session_status: state.status,
    started_at: state.started_at,
    completed_at: state.completed_at,
    generated_at: now.toISOString(),
    tasks,
    totals: totals(state, tasks, opts),
    checkpoints: checkpointSummary(waits, covered ? "events" : "state"),
    limits,
    notes,
  };
}

function taskReport(t: TaskRecord, index: number, now: Date, waited: number | null): TaskReport {
  const running = t.status === "running" && t.started_at !== null;
  const files = t.files_changed ?? [];
  const known = Boolean(t.git?.head);
  return {
    task: index + 1,
    id: t.id,
    title: t.title,
    type: t.type ?? null,
    status: t.status,
    attempts: t.attempts,
    started_at: t.started_at,
    completed_at: t.completed_at,
    duration_s: running ? Math.max(0, (now.getTime() - Date.parse(t.started_at as string)) / 1000) : t.duration_s,
    limit_wait_s: t.limit_wait_s ?? 0,
    cost_usd: t.cost_usd,
    tokens: t.tokens,
    tokens_total: t.tokens ? tokenSum(t.tokens) : null,
    num_turns: t.num_turns,
    files_changed: known ? files.length : null,
    files: files.map((f) => (f.status === "renamed" && f.old_path ? `${f.old_path} → ${f.path}` : f.path)),
    insertions: known ? (t.insertions ?? 0) : null,
    deletions: known ? (t.deletions ?? 0) : null,
    changes: describeChanges(t),
    verification: t.verification ? { passed: t.verification.passed, attempts: t.verification.attempts, summary: t.verification.summary, failure: t.verification.failure } : null,
    commit: t.commit ?? null,
    error: t.error,
    waited_for_person_s: waited,
    feedback: null,
  };
}

function feedbackReport(f: TaskFeedback | null): TaskFeedbackReport | null {
  if (!f || (f.rating === null && f.notes.length === 0)) return null;
  return { rating: f.rating, rating_text: f.rating === null ? null : ratingText(f.rating), notes: [...f.notes], files: [...f.files] };
}

function totals(state: SessionState, tasks: TaskReport[], opts: BuildDayReportOptions): DayTotals {
  const count = (s: TaskStatus) => tasks.filter((t) => t.status === s).length;
  const completed = count("completed");
  const ended = completed + count("failed") + count("interrupted") + count("rolled_back");
  const cost = tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0);
  const tokens: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  for (const t of tasks) {
    if (!t.tokens) continue;
    tokens.input_tokens += t.tokens.input_tokens;
    tokens.output_tokens += t.tokens.output_tokens;
    tokens.cache_creation_input_tokens += t.tokens.cache_creation_input_tokens;
    tokens.cache_read_input_tokens += t.tokens.cache_read_input_tokens;
  }
  const known = tasks.some((t) => t.files_changed !== null);
  const spent = spentOn(state, opts.date);
  // As the machine counts it: a /budget raise wins, else the lower of the daily budget and the file's max_cost_usd.
  const fileCap = typeof state.max_cost_usd === "number" ? state.max_cost_usd : null;
  const budget = budgetOn(state, opts.date) ?? (opts.budgetUsd !== null && fileCap !== null ? Math.min(opts.budgetUsd, fileCap) : (opts.budgetUsd ?? fileCap));
  return {
    tasks: tasks.length,
    completed,
    failed: count("failed"),
    interrupted: count("interrupted"),
    skipped: count("skipped"),
    rolled_back: count("rolled_back"),
    pending: count("pending"),
    running: count("running"),
    success_rate: ended === 0 ? null : completed / ended,
    cost_usd: cost,
    spent_today_usd: spent,
    budget_usd: budget,
    budget_used: budget === null ? null : (spent ?? cost) / budget,
    claude_s: tasks.reduce((sum, t) => sum + (t.duration_s === null ? 0 : Math.max(0, t.duration_s - t.limit_wait_s)), 0),
    tokens,
    tokens_total: tokenSum(tokens),
    num_turns: tasks.reduce((sum, t) => sum + (t.num_turns ?? 0), 0),
    files_changed: known ? tasks.reduce((sum, t) => sum + (t.files_changed ?? 0), 0) : null,
    insertions: known ? tasks.reduce((sum, t) => sum + (t.insertions ?? 0), 0) : null,
    deletions: known ? tasks.reduce((sum, t) => sum + (t.deletions ?? 0), 0) : null,
  };
}

/** The estimate from the state (see the file's comment), plus the wait going on now. */
function waitsFromState(state: SessionState, now: Date): PersonWait[] {
  const waits: PersonWait[] = [];
  const wait = (index: number, kind: PersonWait["kind"], from: string | null, until: string | null) => {
    if (!from) return;
    const end = until ? Date.parse(until) : now.getTime();
    const waited = (end - Date.parse(from)) / 1000;
    if (!Number.isFinite(waited) || waited < MIN_WAIT_S) return;
    waits.push({ task: index + 1, title: state.tasks[index]?.title ?? "", kind, from, until, waited_s: waited, by: null });
  };
  const previousEnd = (index: number) => (index === 0 ? state.started_at : (state.tasks[index - 1]?.completed_at ?? null));
  state.tasks.forEach((t, i) => {
    if (t.started_at && t.attempts === 1) wait(i, "approval", previousEnd(i), t.started_at);
  });
  const current = state.tasks[state.current_task_index];
  if (current && state.status === "waiting_approval" && current.attempts === 0) wait(state.current_task_index, "approval", previousEnd(state.current_task_index), null);
  if (current && state.status === "task_failed") wait(state.current_task_index, "after_failure", current.completed_at, null);
  return waits;
}

function checkpointSummary(waits: PersonWait[], source: CheckpointWaits["source"]): CheckpointWaits {
  const sorted = waits.map((w) => w.waited_s).sort((a, b) => a - b);
  const longest = waits.reduce<PersonWait | null>((best, w) => (best === null || w.waited_s > best.waited_s ? w : best), null);
  return {
    source,
    waits,
    count: waits.length,
    total_s: sorted.reduce((a, b) => a + b, 0),
    median_s: median(sorted),
    longest_s: longest?.waited_s ?? null,
    longest_task: longest?.task ?? null,
  };
}

/** The tasks' recorded limit waits (limit_wait_s, limit_resumes), and the one going on now (state.limit.since). */
function limitWaits(state: SessionState, now: Date): LimitWaits {
  const waiting = state.status === "waiting_limit";
  const since = waiting && state.limit?.since ? Date.parse(state.limit.since) : null;
  const ongoing = since !== null && Number.isFinite(since) ? Math.max(0, (now.getTime() - since) / 1000) : 0;
  return {
    waited_s: state.tasks.reduce((sum, t) => sum + (t.limit_wait_s ?? 0), 0) + ongoing,
    count: state.tasks.reduce((sum, t) => sum + (t.limit_resumes ?? 0), 0) + (waiting ? 1 : 0),
    waiting_until: waiting ? (state.resume_at ?? null) : null,
  };
}

/** What the state says was spent on `date` (all sessions), when it keeps that. */
function spentOn(state: SessionState, date: string): number | null {
  const spend = (state as { spend?: { date?: unknown; usd?: unknown } | null }).spend;
  return spend && spend.date === date && typeof spend.usd === "number" ? spend.usd : null;
}

/** A /budget raise for `date`, when the state keeps one. */
function budgetOn(state: SessionState, date: string): number | null {
  const o = (state as { budget_override?: { date?: unknown; usd?: unknown } | null }).budget_override;
  return o && o.date === date && typeof o.usd === "number" ? o.usd : null;
}

function tokenSum(t: TokenUsage): number {
  return t.input_tokens + t.output_tokens + t.cache_creation_input_tokens + t.cache_read_input_tokens;
}

/** The middle value of sorted numbers (the mean of the two middle ones for an even count). */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
