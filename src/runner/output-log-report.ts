import type { RunOutcome } from "../core/run-outcome.js";
import { notLoggedInReason } from "./describe-failure.js";

/** What happened to a run's output log, filled in by the runner as the run goes. */
export interface OutputLogFacts {
  /** The file was opened (created or appended to): something of this run can be in it. */
  opened: boolean;
  /** The first failure: it could not be opened, or a write failed part-way. null: all written. */
  error: string | null;
}

/** Characters of stderr kept in the state when the log cannot keep them: the end, where the reason is. */
export const STDERR_TAIL_STATE_CHARS = 4000;

/** 1234567 -> "1.2 MB", 2048 -> "2.0 KB", 12 -> "12 B". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Node's message names the path: "could not open the output log: EROFS: read-only file system, open '/x/task-2-output.log'". */
export function openFailed(error: unknown): string {
  return `could not open the output log: ${(error as Error)?.message ?? String(error)}`;
}

export function writeFailed(bytesWritten: number, error: unknown): string {
  return `the output log was cut short after ${formatBytes(bytesWritten)}: ${(error as Error)?.message ?? String(error)}`;
}

/**
 * The outcome with what became of its log: `output_log`, the stderr tail when the log could not
 * keep it, and, for a crash (exit_error) that printed on stderr, where to read that stderr:
 * "exited 1: Node.js v20.20.2" alone leaves a person nowhere to look.
 */
export function withOutputLog(outcome: RunOutcome, log: OutputLogFacts, stderrTail: string, logFile: string): RunOutcome {
  const stderr = stderrTail.trim();
  const keepTail = log.error !== null && stderr !== "";
  let reason = outcome.reason;
  // "Not logged in" already says what to do; any other crash says where its stderr is.
  const loginReason = notLoggedInReason("").split(" (it said")[0] as string;
  if (reason && outcome.kind === "exit_error" && stderr !== "" && !reason.startsWith(loginReason)) {
    reason += keepTail
      ? " (the output log could not be written: the end of stderr is kept in the state, in the task's stderr_tail)"
      : ` (stderr is at the end of ${logFile})`;
  }
  return {
    ...outcome,
    reason,
    output_log: { created: log.opened, error: log.error },
    stderr_tail: keepTail ? stderr.slice(-STDERR_TAIL_STATE_CHARS) : null,
  };
}
