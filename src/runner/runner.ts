import type { Progress, RunOutcome } from "../core/run-outcome.js";

/** One run of Claude Code for one task attempt. */
export interface RunRequest {
  /** The prompt, written to the child's stdin, which is then closed. */
  prompt: string;
  /** Absolute path of the task's output log; the stream is appended to it line by line. */
  logFile: string;
  /** Continue this Claude session (`--resume <id>`) instead of starting a new one. */
  resumeSessionId?: string | null;
  /** Aborting ends the run: SIGTERM to the process group, SIGKILL after the grace period. */
  signal?: AbortSignal;
}

export interface RunHooks {
  /**
   * The child is running; pid equals pgid (it leads its own group). run_marker: the
   * ORCHESTRATOR_RUN_ID value every process of the run inherits (absent: the runner sets none),
   * recorded so a restart after a crash can end what left the group (see kill-run-leftovers.ts).
   * log_error: why the output log (logFile) could not be opened; absent or null when it was.
   */
  onSpawn?(info: { pid: number; pgid: number; run_marker?: string; log_error?: string | null }): void;
  /** One per assistant text / tool_use block, and one for system/init. */
  onProgress?(progress: Progress): void;
}

/**
 * The edge to the Claude Code CLI. run() never rejects: every failure is an outcome
 * with a reason. When it resolves, no process of the run is left alive.
 */
export interface Runner {
  run(request: RunRequest, hooks?: RunHooks): Promise<RunOutcome>;
}
