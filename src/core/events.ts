import type { TaskDefinition } from "./task.js";
import type { Progress, RunOutcome } from "./run-outcome.js";

/** What a person (or n8n, or the CLI) asks for. Every surface turns its input into one of these. */
export type Command =
  | { type: "start"; task_file: string; tasks: TaskDefinition[]; session_id: string }
  | { type: "approve" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "skip" }
  | { type: "retry"; feedback?: string | null };

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
    }
  | { type: "task_progress"; index: number; attempt: number; progress: Progress }
  | { type: "task_finished"; index: number; attempt: number; outcome: RunOutcome; output_log: string | null }
  /** The notifier delivered these outbox entries: drop them. */
  | { type: "notifications_delivered"; ids: string[] }
  /** The process (re)started with this state: a task that was running is now an orphan. */
  | { type: "recover"; boot_id: string | null }
  /** The logs stopped being written (problem: why, e.g. "EROFS: …"), or are written again (null). */
  | { type: "log_problem"; problem: string | null }
  /** What kill_orphan was asked to end is gone: the task's record of it can be dropped. */
  | { type: "orphans_ended"; index: number; run_marker: string | null };

export type OrchestratorEvent = Command | Report;

export const COMMAND_NAMES = ["start", "approve", "pause", "resume", "skip", "retry"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
