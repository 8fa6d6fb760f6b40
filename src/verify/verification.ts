/**
 * What a verification found: the task's Verify commands, run one after the other in the project
 * folder once Claude reports the task done, and its deliverables, which must exist. Plain data:
 * it goes into the state and into events, and the machine decides what to do with it.
 */

/** One Verify command as it ran (or as it was refused). */
export interface VerifyCommandResult {
  /** As written in the task file / config. */
  command: string;
  /** null when it did not exit normally (signal, timeout, cancelled, not found, not splittable). */
  exit_code: number | null;
  /** The signal that ended it ("SIGKILL"), null when it exited or never started. */
  signal: string | null;
  /** Seconds from spawn to exit, one decimal (0 when it never started). */
  duration_s: number;
  timed_out: boolean;
  /** Ended by the AbortSignal (a /cancel). Absent means false (an in-memory twin may leave it out). */
  cancelled?: boolean;
  /** The log file this command's output went to, null when it could not be written. */
  log: string | null;
  /** Why it could not run or was ended ("not found: npx-typo", "timed out after 600 s", "cancelled"); null when it exited. */
  error: string | null;
}

/** Which check failed first: what a person (or Claude) has to act on. */
export type VerificationFailureKind = "exit" | "signal" | "timeout" | "not_run" | "cancelled" | "missing";

export interface VerificationResult {
  /** Every command exited 0 and no deliverable is missing. */
  passed: boolean;
  /** Ended by the AbortSignal (a /cancel); passed is false then. */
  cancelled: boolean;
  /** The commands that ran, in order; it stops at the first failing one. */
  commands: VerifyCommandResult[];
  /** Deliverables that do not exist (or lie outside the project folder), as written. */
  missing: string[];
  /** Why each missing deliverable counts as missing ("does not exist", "is outside the project folder"). */
  missing_reasons?: Record<string, string>;
  /** Every deliverable checked, as written (present or not). */
  deliverables?: string[];
  /**
   * One line for a person: "npm test exited 1: <last non-empty output line>",
   * "npm test timed out after 600 s", "deliverable missing: dist/app.js"; null when passed.
   */
  failure: string | null;
  /** What failure is about; null when passed. "not_run" (not found, not splittable) is rarely Claude's to fix. */
  failure_kind?: VerificationFailureKind | null;
  /** The last ~4 KB of the failing command's output (cut at a line start when possible); "" when none. */
  output_tail: string;
  /** Why the log could not be opened or was cut short; null when it was written whole (or not needed). */
  log_error?: string | null;
}
