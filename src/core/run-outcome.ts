/** What one run of the Claude Code CLI came to. Produced by the runner, decided on by the machine. */

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type OutcomeKind =
  | "success"
  | "error_result" // a result line with is_error: true (auth, API error, usage limit)
  | "max_turns" // result subtype error_max_turns
  | "error_subtype" // other error_* result subtypes (error_during_execution, error_max_budget_usd)
  | "timeout" // wall-clock limit (claude.timeout)
  | "idle_timeout" // no output for claude.idle_timeout
  | "exit_error" // non-zero exit or death by signal, no usable result
  | "no_result" // exit 0 but no result line
  | "not_found" // the command does not exist / is not executable
  | "cancelled" // ended on purpose (skip, shutdown)
  | "budget" // result subtype error_max_budget_usd: the run reached its --max-budget-usd (the day's budget)
  | "usage_limit"; // a result with is_error whose text names a usage limit, or an API 429: not a failure, the session waits for the reset

export interface RunOutcome {
  ok: boolean;
  kind: OutcomeKind;
  /** Failure reason a person can act on ("timed out after 300 s"); null on success. */
  reason: string | null;
  /** The result text (trimmed to a few KB), or null. */
  summary: string | null;
  session_id: string | null;
  cost_usd: number | null;
  tokens: TokenUsage | null;
  num_turns: number | null;
  duration_ms: number;
  exit_code: number | null;
  signal: string | null;
  /** Tool names Claude was refused in -p mode (result.permission_denials). */
  permission_denials: string[];
  /**
   * What became of the run's output log (RunRequest.logFile): `created` false when it could not
   * be opened at all (nothing of this run is in it), `error` when it could not be opened or a
   * write failed part-way ("the output log was cut short after 1.2 MB: ENOSPC: …"). Absent from
   * a runner that writes no log (the scripted runner): the log is then taken as written.
   */
  output_log?: { created: boolean; error: string | null };
  /** The end of stderr, when the output log could not keep it (`output_log.error` set); else null. */
  stderr_tail?: string | null;
  /** kind usage_limit: which limit, when it resets, the CLI's words. Absent otherwise. */
  limit?: UsageLimit | null;
}

/** A usage limit that stopped a run (the subscription's window, a gateway's spend cap, an API 429). */
export interface UsageLimit {
  /** The CLI's rateLimitType ("five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet", "overage", …); null when not known. */
  type: string | null;
  /** When it resets (ISO): the stream's last rate_limit_event, else the time in the text; null when neither says. */
  resets_at: string | null;
  /** The CLI's own words ("You've hit your 5-hour limit · resets 3pm (UTC)"), cut short. */
  message: string;
}

/** One `{"type":"rate_limit_event","rate_limit_info":{…}}` line of the stream, as the runner passes it on. */
export interface RateLimitInfo {
  /** "allowed" | "allowed_warning" | "rejected" (the CLI may add others). */
  status: string;
  /** rateLimitType: "five_hour", "seven_day", …; null when absent. */
  type: string | null;
  /** resetsAt (epoch seconds in the stream) as ISO; null when absent. */
  resets_at: string | null;
  /** Fraction of the window used (0..1); null when absent. */
  utilization: number | null;
}

/** A progress event from the stream: one per assistant text or tool_use block. */
export interface Progress {
  kind: "text" | "tool_use" | "init";
  /** Short human text: the first line of the text block, or "Bash: ls -la", or the model name. */
  text: string;
  tool?: string;
}
