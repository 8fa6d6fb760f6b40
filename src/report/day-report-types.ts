import type { TaskStatus } from "../core/state.js";
import type { TokenUsage } from "../core/run-outcome.js";

/**
 * The day report as data: what `orchestrator report --json`, Control's `report` answer and
 * POST /webhook/report carry, and what the markdown (render-day-report.ts) is rendered from.
 * Durations are seconds, costs US dollars, times ISO strings; null means "not known".
 */
export interface DayReport {
  /** The local date reported (YYYY-MM-DD): the date the session started. */
  date: string;
  session_id: string | null;
  task_file: string | null;
  /** The session's status when the report was made (completed, task_failed, waiting_approval…). */
  session_status: string;
  started_at: string | null;
  completed_at: string | null;
  /** When the report was made. */
  generated_at: string;
  tasks: TaskReport[];
  totals: DayTotals;
  checkpoints: CheckpointWaits;
  limits: LimitWaits;
  /** How some numbers were measured, for the reader ("approval waits estimated from the state file"). */
  notes: string[];
}

export interface TaskReport {
  /** 1-based position in the session, which is what a person counts. */
  task: number;
  id: number | string;
  title: string;
  type: string | null;
  status: TaskStatus;
  attempts: number;
  started_at: string | null;
  completed_at: string | null;
  /** The last attempt's duration (Claude's run, its checks, any permission waits and usage-limit waits). */
  duration_s: number | null;
  /** Of which waiting for usage limits to reset (all attempts); 0 when it never hit one. */
  limit_wait_s: number;
  cost_usd: number | null;
  tokens: TokenUsage | null;
  /** input + output + cache creation + cache read; null when unknown. */
  tokens_total: number | null;
  num_turns: number | null;
  /** How many files the task changed; null when unknown (git off, or it never ran with a snapshot). */
  files_changed: number | null;
  /** The changed paths (renames as "old → new"). */
  files: string[];
  insertions: number | null;
  deletions: number | null;
  /** "3 files changed (+120 −4): …", "no files changed", or null when unknown. */
  changes: string | null;
  verification: { passed: boolean; attempts: number; summary: string; failure: string | null } | null;
  commit: string | null;
  error: string | null;
  /** How long it waited for a person before it ran (its checkpoint); null when it did not wait or it is not known. */
  waited_for_person_s: number | null;
  /** A person's verdict (paths.feedback_dir/<date>.md, /feedback, the 👍/👎 buttons); null when none was given. */
  feedback: TaskFeedbackReport | null;
}

/** A task's feedback as the report shows it: from the feedback files of the session's date on. */
export interface TaskFeedbackReport {
  /** The latest rating: "up", "down" or a score 1..5; null when only notes were given. */
  rating: "up" | "down" | number | null;
  /** "👍", "👎", "4/5"; null without a rating. */
  rating_text: string | null;
  /** The notes, in order, as the file has them ("Forgot the tests (Telegram 111 @ana, 18:42)"). */
  notes: string[];
  /** The feedback files they came from. */
  files: string[];
}

export interface DayTotals {
  tasks: number;
  completed: number;
  failed: number;
  interrupted: number;
  skipped: number;
  rolled_back: number;
  /** Not run yet (pending), or running now. */
  pending: number;
  running: number;
  /**
   * completed / the tasks that ran to an end (completed, failed, interrupted, rolled back), as a
   * share from 0 to 1; skipped and not-run tasks do not count. null when none ran to an end.
   */
  success_rate: number | null;
  /** The sum of the tasks' costs (each task's last attempt, with its continuations and fixes). */
  cost_usd: number;
  /** What every Claude run cost on this date, all sessions together (state.spend), when the state keeps it. */
  spent_today_usd: number | null;
  /** The day's budget: a /budget raise for this date, else orchestrator.daily_budget_usd; null: none. */
  budget_usd: number | null;
  /** (spent today, else the session's cost) / budget; null without a budget. */
  budget_used: number | null;
  /** Time Claude worked: the sum of the tasks' durations, less their waits for usage limits. */
  claude_s: number;
  tokens: TokenUsage;
  tokens_total: number;
  num_turns: number;
  /** Files changed, summed over the tasks (a file two tasks changed counts twice); null when no task's changes are known (git off). */
  files_changed: number | null;
  insertions: number | null;
  deletions: number | null;
}

/** One wait for a person: a task waiting for /approve (or /skip), or a failed task waiting for /retry. */
export interface PersonWait {
  task: number;
  title: string;
  /** approval: a checkpoint before the task; after_failure: a failed or interrupted task waiting for retry or skip. */
  kind: "approval" | "after_failure";
  from: string;
  /** null while it still waits. */
  until: string | null;
  waited_s: number;
  /** Who let the task go on ("Telegram 123 @ana", "the CLI"), from the history; null when not known. */
  by: string | null;
}

export interface CheckpointWaits {
  /** events: the event history (orchestrator_logs/events-<date>.jsonl); state: estimated from the tasks' start and end times. */
  source: "events" | "state";
  waits: PersonWait[];
  count: number;
  total_s: number;
  median_s: number | null;
  longest_s: number | null;
  /** The task of the longest wait (1-based), or null. */
  longest_task: number | null;
}

export interface LimitWaits {
  /** Time the session waited for usage limits to reset: the tasks' limit_wait_s, and the wait going on now. */
  waited_s: number;
  /** How many times a run was stopped by a usage limit and the session waited (the tasks' limit_resumes, and the one now). */
  count: number;
  /** The session waits for a usage limit right now (waiting_limit), until this time; else null. */
  waiting_until: string | null;
}
