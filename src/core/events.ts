import type { TaskDefinition } from "./task.js";
import type { Progress, RateLimitInfo, RunOutcome } from "./run-outcome.js";
import type { FileChangeRecord, VerificationRecord } from "./state.js";
import type { PermissionAsk, PermissionDecision } from "./permission.js";
import type { PlanRunResult } from "./plan.js";

/** What a person (or n8n, or the CLI) asks for. Every surface turns its input into one of these. */
export type Command =
  /**
   * git_branch: the branch the session was put on (git.branch), recorded in the state.
   * `by` on start/approve/pause/resume/skip/retry: who sent it ("Telegram 123 @ana", "HTTP
   * 127.0.0.1", "the CLI"), for the event history (src/history/) only: the machine never reads it.
   */
  | {
      type: "start";
      task_file: string;
      tasks: TaskDefinition[];
      session_id: string;
      git_branch?: string | null;
      by?: string | null;
      /** Start even though a session is unfinished (not while a task runs): it is left as it is, and today's file starts. */
      replace?: boolean;
      /** The task file's max_cost_usd (YAML); null or absent: none. */
      max_cost_usd?: number | null;
    }
  | { type: "approve"; by?: string | null }
  | { type: "pause"; by?: string | null }
  | { type: "resume"; by?: string | null }
  | { type: "skip"; by?: string | null }
  | { type: "retry"; feedback?: string | null; by?: string | null }
  /** Stop the running task now (Claude, its tools, a running verification); it waits for a person. `by` names who asked. */
  | { type: "cancel"; by?: string | null }
  /** Put the work tree back to before task `index` (default: the last finished one), undoing every later task too. */
  | { type: "rollback"; index?: number | null; by?: string | null }
  /**
   * An answer to a permission request (`id`: its `<session>-p<n>`): allow, always (allow and add
   * the rule for the session), deny (with `message` for Claude), stop (deny and end the task), or
   * answer (an AskUserQuestion, with `answers`: question text -> label or free text).
   */
  | { type: "answer_permission"; id: string; decision: PermissionDecision | "answer"; message?: string | null; answers?: Record<string, string> | null; by?: string | null }
  /** A message for the running task's Claude, read on its next turn. */
  | { type: "tell"; text: string; by?: string | null }
  /** Remove one of the session's "always allow" rules (later runs are asked again). */
  | { type: "revoke_rule"; rule: string; by?: string | null }
  /** Today's budget in dollars (wins over orchestrator.daily_budget_usd for today). */
  | { type: "budget"; usd: number; by?: string | null }
  /** Draft a task file from a daily log (absolute path; date: the task file's YYYY-MM-DD). */
  | { type: "plan"; daily_log: string; date: string; by?: string | null }
  /** Drop the plan: a running one is stopped, a written file that no session started is removed. */
  | { type: "discard_plan"; id?: string | null; by?: string | null };

/** A snapshot of the work tree (src/git/): its tree id and the commit object that keeps it. */
export interface SnapshotIds {
  tree: string;
  commit: string;
  /** HEAD's commit when it was taken (null: no commits yet). */
  head: string | null;
}

/** What an attempt changed: the snapshot after it, and the change from the task's base to it. */
export interface AttemptChanges {
  after: SnapshotIds;
  files: FileChangeRecord[];
  insertions: number;
  deletions: number;
}

/** A finished verification as the edge reports it (src/verify/ gives the record and the feedback). */
export interface VerificationReport {
  record: Omit<VerificationRecord, "attempts">;
  cancelled: boolean;
  /** The text that goes back to Claude to fix it ("Verification failed: `npm test` exited 1 …"). */
  feedback: string;
  /**
   * Whether Claude could fix the failure (default true). false: the command could not run at all
   * (not found, not splittable): the task author's to fix, so the task fails without a fix round.
   */
  fixable?: boolean;
}

/** What the edges report back: the runner's progress and results, and a restart. */
export type Report =
  | {
      type: "task_spawned";
      index: number;
      attempt: number;
      pid: number;
      pgid: number;
      boot_id: string | null;
      /** The run's ORCHESTRATOR_RUN_ID (null when the runner sets none). */
      run_marker: string | null;
      /** The task's output log; null when it could not be opened (nothing of this run is in it). */
      output_log: string | null;
      /** The snapshot taken before this run (null: git is off, or it was a continuation/fix run). */
      before?: SnapshotIds | null;
    }
  | { type: "task_progress"; index: number; attempt: number; progress: Progress }
  | {
      type: "task_finished";
      index: number;
      attempt: number;
      outcome: RunOutcome;
      output_log: string | null;
      /** What the work tree looks like after the run (null: git is off, or the snapshot failed: see git_error). */
      changes?: AttemptChanges | null;
      /** Why a snapshot around the run could not be taken (the task still ends as its outcome says). */
      git_error?: string | null;
    }
  /** The task's Verify commands and deliverables were checked. */
  | { type: "task_verified"; index: number; attempt: number; verification: VerificationReport }
  /** The task's changes were committed (git.commit: task): the commit id, null when nothing was due; error when it failed. */
  | { type: "task_committed"; index: number; attempt: number; commit: string | null; error: string | null }
  /** The running task's Claude asks whether a tool call may run (or asks a question). */
  /** session_id: the Claude session asking (from its init line), saved now so a parked or crashed task can be resumed. */
  | { type: "permission_requested"; index: number; attempt: number; ask: PermissionAsk; session_id?: string | null }
  /** The CLI withdrew a request it had asked. */
  | { type: "permission_cancelled"; index: number; attempt: number; request_id: string }
  /** The running Claude reported the subscription's usage (a rate_limit_event): a warning is kept and sent once per window. */
  | { type: "rate_limit"; index: number; attempt: number; info: RateLimitInfo }
  /** The time a usage-limited task waits for (state.resume_at) has come; a timer for another resume_at is stale. */
  | { type: "limit_timer"; resume_at: string }
  /** A pending request's timer: the halfway reminder, or the end of claude.permission_timeout. */
  | { type: "permission_timer"; id: string; kind: "remind" | "expire" }
  /** The rollback asked for is done (error: why it failed; the tree may be partly restored, the state is unchanged). */
  | { type: "rollback_done"; index: number; restored: string[]; removed: string[]; error: string | null }
  /** The notifier delivered these outbox entries: drop them. */
  | { type: "notifications_delivered"; ids: string[] }
  /** The process (re)started with this state: a task that was running is now an orphan. */
  | { type: "recover"; boot_id: string | null }
  /** The logs stopped being written (problem: why, e.g. "EROFS: …"), or are written again (null). */
  | { type: "log_problem"; problem: string | null }
  /** A planning run (run_plan) ended: cost and session of the run, and what became of its draft. */
  | { type: "plan_finished"; plan_id: string; round: number; cost_usd: number | null; session_id: string | null; result: PlanRunResult }
  /** What kill_orphan was asked to end is gone: the task's record of it can be dropped. */
  | { type: "orphans_ended"; index: number; run_marker: string | null };

export type OrchestratorEvent = Command | Report;

export const COMMAND_NAMES = ["start", "approve", "pause", "resume", "skip", "retry", "cancel", "rollback", "answer_permission", "tell", "revoke_rule", "budget", "plan", "discard_plan"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
