import type { TaskRecord } from "./state.js";
import type { PermissionResponse } from "./permission.js";

export type NotifyEvent =
  | "session_started"
  | "approval_needed"
  | "task_started"
  | "task_progress"
  | "task_continued"
  | "task_completed"
  | "task_failed"
  | "task_interrupted"
  | "task_skipped"
  | "task_verifying"
  | "verification_failed"
  | "task_rolled_back"
  | "permission_requested"
  | "question_asked"
  | "permission_answered"
  | "permission_expired"
  | "budget_warning"
  | "budget_reached"
  | "budget_changed"
  | "usage_limit_reached"
  | "usage_limit_resumed"
  | "usage_warning"
  | "plan_started"
  | "plan_fixing"
  | "plan_ready"
  | "plan_failed"
  | "plan_discarded"
  | "session_paused"
  | "session_resumed"
  | "session_completed"
  | "logs_failing"
  | "logs_recovered";

export type NotifyLevel = "success" | "error" | "info" | "warning";

/** Something worth telling the person and n8n. The edges add session, task and progress details. */
export interface Notification {
  event: NotifyEvent;
  level: NotifyLevel;
  message: string;
  /** Index of the task it is about, or null for session-wide events. */
  task_index: number | null;
  /** The permission request it is about (permission_* and question_asked), by id. */
  permission_id?: string;
}

/** What the machine wants done. Plain data: the orchestrator hands each to an edge. */
export type Effect =
  | {
      type: "run_task";
      index: number;
      attempt: number;
      session_id: string;
      task: TaskRecord;
      /** A person's note from `retry`, for Claude. */
      feedback: string | null;
      /** Continue this Claude session (retry with feedback, auto-continuation) instead of starting fresh. */
      resume_session_id: string | null;
      /** 0 for a fresh run; n for the n-th automatic continuation after the turn limit. */
      continuation: number;
      /**
       * 0 for Claude's own attempt; n for the n-th run sent back to fix a failed verification
       * (feedback holds the failure). Only round 0 without continuation takes a before-snapshot.
       */
      fix_round?: number;
      /** What is left of today's budget: the run gets --max-budget-usd with it (null or absent: no budget). */
      max_budget_usd?: number | null;
      /** n for the n-th run of this attempt that continues its Claude session after a usage limit (no before-snapshot); absent or 0 otherwise. */
      after_limit?: number;
    }
  /** Run the task's Verify commands (theirs, or orchestrator.verify) and check its deliverables. */
  | { type: "verify_task"; index: number; attempt: number; session_id: string; task: TaskRecord; commands: string[]; deliverables: string[]; round: number }
  /** Commit the work tree's changes as the task's commit (git.commit: task). */
  | { type: "commit_task"; index: number; attempt: number; message: string; trailers: Record<string, string> }
  /**
   * Put the work tree back to `tree` (the before-snapshot of task `index`); with `reset_to`, also
   * reset the session branch to that commit (git.commit: task).
   */
  | { type: "rollback_tree"; index: number; tree: string; reset_to: string | null; safety_ref: string }
  /** Send the answer to a permission request to the task's running Claude. */
  | { type: "respond_permission"; index: number; attempt: number; request_id: string; response: PermissionResponse }
  /** Write a user message into the task's running Claude session. */
  | { type: "tell_task"; index: number; attempt: number; text: string }
  /** End the task's running process (Claude or its verification), whole group. */
  | { type: "cancel_task"; index: number; attempt: number }
  /**
   * What a run left over from before a restart: end every process carrying its marker, and its
   * process group (null: not known, or recorded on an earlier boot, when the number may be reused).
   * Always also what carries the state file's mark; index -1 with neither: only that (a planning run's leftovers).
   */
  | { type: "kill_orphan"; index: number; pgid: number | null; run_marker: string | null }
  /**
   * Run Claude read-only on the daily log to draft a task file (src/plan/). Round 0: a fresh
   * session; round 1: resume_session_id with the issues our parser found, to be fixed.
   */
  | { type: "run_plan"; plan_id: string; daily_log: string; date: string; round: number; resume_session_id: string | null; issues: string[]; max_budget_usd: number | null }
  /** Stop the planning run of this plan. */
  | { type: "cancel_plan"; plan_id: string }
  /** Remove a discarded plan's task file (no session started it). */
  | { type: "remove_plan_file"; plan_id: string; file: string }
  | { type: "notify"; notification: Notification };
