/**
 * Where the logs under paths.logs_dir stand: written, or not (and why). Each writer reports here:
 * the daily log (`YYYY-MM-DD.log`) on every failed or recovered write, the task runs when a task's
 * output log could not be opened or was cut short, and when one was written in full.
 *
 * Subscribers hear only the changes between "every log is written" and "some log is not": a
 * person is told once when logs stop being written and once when they work again, never once
 * per lost line. Listeners are called on a later microtask, never inside the failing write (a
 * listener that logs would otherwise re-enter the logger).
 */
/** "events": the event history (src/history/). */
export type LogSource = "daily_log" | "task_output" | "access_log" | "events";

export type LogHealthListener = (problem: string | null) => void;

export class LogHealth {
  readonly #problems = new Map<LogSource, string>();
  readonly #listeners = new Set<LogHealthListener>();

  /** The first failing log's error ("EROFS: read-only file system, open '/x/2026-12-01.log'"), or null when all are written. */
  get problem(): string | null {
    // The event history is the log a person reads least: another failing log (a task's output,
    // the daily log) is named first, whichever failed first.
    for (const [source, message] of this.#problems) if (source !== "events") return message;
    for (const message of this.#problems.values()) return message;
    return null;
  }

  /** `source` cannot be written: `message` says why. A second failure while failing changes only the text. */
  fail(source: LogSource, message: string): void {
    const was = this.problem;
    this.#problems.set(source, message);
    if (was === null) this.#emit(message);
  }

  /**
   * `source` is written again. The daily log working again after a failure also clears a task output
   * or access log failure:
   * both live in paths.logs_dir, and a task log that was cut short stays recorded in its task
   * (output_log_error), so it need not hold the alarm up for good.
   */
  ok(source: LogSource): void {
    const was = this.problem;
    const wasFailing = this.#problems.delete(source);
    if (source === "daily_log" && wasFailing) {
      this.#problems.delete("task_output");
      this.#problems.delete("access_log"); // the same folder; its next failed line would say so again
    }
    if (was !== null && this.problem === null) this.#emit(null);
  }

  subscribe(listener: LogHealthListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(problem: string | null): void {
    queueMicrotask(() => {
      for (const listener of this.#listeners) {
        try {
          listener(problem);
        } catch {
          // A listener's bug must not break logging.
        }
      }
    });
  }
}

/** How every surface words it: "logs are not being written: EROFS: read-only file system, open '…'". */
export function logProblemText(problem: string): string {
  return `logs are not being written: ${problem}`;
}
