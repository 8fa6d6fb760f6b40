/**
 * A plan: a task file Claude drafts from the day's daily log (read-only, in claude.project_dir),
 * checked by our own parser, written to paths.tasks_dir and offered to a person (Start / Show
 * file / Discard). Kept in the state so a restart, every surface and the report see the same one.
 */

/** running: Claude is drafting it; ready: written and waiting for Start; started: a session runs it; failed; discarded. */
export type PlanStatus = "running" | "ready" | "failed" | "started" | "discarded";

/** One task of a written plan, as the phone lists it. */
export interface PlanTaskSummary {
  id: number | string;
  title: string;
  type: string | null;
  requires_approval: boolean;
  /** The task's Verify commands (empty: none). */
  verify: string[];
}

export interface PlanRecord {
  /** `<date>-p<n>`: buttons and requests name it, so a stale button says so. */
  id: string;
  status: PlanStatus;
  /** The daily log it was made from (absolute). */
  daily_log: string;
  /** The date of the task file it makes (YYYY-MM-DD, local). */
  date: string;
  /** Who asked for it ("Telegram 123 @ana", "HTTP 127.0.0.1", "the CLI"), or null. */
  by: string | null;
  /** 0: Claude's first draft; 1: the run that fixes the errors our parser found (the last one). */
  round: number;
  /** The planning Claude session (the fix round continues it with --resume). */
  claude_session_id: string | null;
  started_at: string;
  finished_at: string | null;
  /** What the planning runs cost, all rounds (it counts toward the day's budget). */
  cost_usd: number;
  /** The task file written (absolute), once ready. */
  file: string | null;
  /** The file that already existed under the plan's usual name and was kept (the plan went beside it), or null. */
  kept_existing: string | null;
  /** The tasks of the written file. */
  tasks: PlanTaskSummary[];
  /** What our parser found wrong in the last draft (`file:line: message`); empty when it parsed. */
  issues: string[];
  /** Why the plan failed, for a person; null unless failed. */
  error: string | null;
}

/** What one planning run came to, as the planner edge (src/plan/) reports it. */
export type PlanRunResult =
  /** The draft parsed and was written (never over an existing file). */
  | { kind: "written"; file: string; kept_existing: string | null; tasks: PlanTaskSummary[] }
  /** The draft did not parse: `file:line: message` each (the machine sends them back once). */
  | { kind: "invalid"; issues: string[] }
  /** Claude failed, no task file was found in its answer, the daily log could not be read, or the file could not be written. */
  | { kind: "failed"; error: string }
  /** Stopped on purpose (discard, shutdown). */
  | { kind: "cancelled" };
