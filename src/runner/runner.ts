import type { Progress, RateLimitInfo, RunOutcome } from "../core/run-outcome.js";
import type { PermissionAsk, PermissionResponse } from "../core/permission.js";

/**
 * The way into a running Claude (claude.permissions: ask): answers to its permission requests and
 * messages it reads on its next turn. Each returns false when the run can no longer be written to
 * (it ended, or stdin closed): the caller then knows the answer did not arrive.
 */
export interface RunChannel {
  respond(requestId: string, response: PermissionResponse): boolean;
  tell(text: string): boolean;
}

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
  /** More --allowedTools rules for this run (the session's "always" answers). */
  allowRules?: readonly string[];
  /** --max-budget-usd for this run: what is left of the day's budget (null or absent: none). */
  maxBudgetUsd?: number | null;
  /**
   * A read-only run (planning): `--permission-mode plan`, only the read tools, never the
   * permission channel (the prompt on stdin, then closed) whatever claude.permissions says.
   */
  readOnly?: boolean;
}

export interface RunHooks {
  /**
   * The child is running; pid equals pgid (it leads its own group). run_marker: the
   * ORCHESTRATOR_RUN_ID value every process of the run inherits (absent: the runner sets none),
   * recorded so a restart after a crash can end what left the group (see kill-run-leftovers.ts).
   * log_error: why the output log (logFile) could not be opened; absent or null when it was.
   */
  onSpawn?(info: { pid: number; pgid: number; run_marker?: string; log_error?: string | null; channel?: RunChannel }): void;
  /**
   * Claude asks whether a tool call may run (claude.permissions: ask). Its wall-clock timeout and
   * idle watchdog stand still until every pending request is answered through the channel.
   */
  onPermissionRequest?(ask: PermissionAsk, sessionId: string | null): void;
  /** The CLI withdrew a request (an interrupt): it needs no answer any more. */
  onPermissionCancelled?(requestId: string): void;
  /** A rate_limit_event: the subscription's usage (allowed, allowed_warning with utilization, rejected), with when the window resets. */
  onRateLimit?(info: RateLimitInfo): void;
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
