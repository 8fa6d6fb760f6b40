import type { SessionState } from "../core/state.js";
import type { Logger } from "./create-logger.js";
import { DAY_MS, pruneOldLogs, type LogsToKeep, type PruneOldLogsOptions, type PruneResult } from "./prune-old-logs.js";

/** The longest stop() waits for a sweep under way: it ends between entries, but one file system call may hang (a dead NFS mount). */
export const STOP_WAIT_MS = 5000;

export interface LogRetentionOptions extends Omit<PruneOldLogsOptions, "keep" | "stopped" | "logger"> {
  /** Read at each sweep: what the state names then (logsToKeep(orchestrator.state)). */
  keep: () => LogsToKeep;
  /** Time between sweeps, ms (default a day). */
  everyMs?: number;
  /** Default STOP_WAIT_MS. */
  stopWaitMs?: number;
  logger: Pick<Logger, "info" | "warn">;
}

/** What the state names: the session's folder, the plan's logs, the tasks' output logs. */
export function logsToKeep(state: SessionState): LogsToKeep {
  return {
    sessionId: state.session_id,
    planId: state.plan?.id ?? null,
    files: state.tasks.flatMap((task) => (task.output_log ? [task.output_log] : [])),
  };
}

/**
 * logging.retention_days at work: a sweep (pruneOldLogs) at start(), then one every `everyMs` on an
 * unref'd timer (it never keeps the process alive), one at a time. A sweep that fails is logged;
 * the next one is still scheduled. stop() clears the timer and waits for a sweep under way, at most
 * stopWaitMs (it is told to end at its next entry).
 */
export class LogRetention {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<PruneResult> | null = null;
  #stopped = false;
  #started = false;

  constructor(readonly options: LogRetentionOptions) {}

  /** Sweeps now (in the background) and then every everyMs. */
  start(): void {
    if (this.#stopped || this.#started) return;
    this.#started = true;
    void this.sweep().finally(() => this.#schedule());
  }

  /** One sweep now; while one runs, that one. Resolves with what it did (never rejects). */
  sweep(): Promise<PruneResult> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const running = this.#running;
    if (running === null) return;
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise((resolve) => (wait = setTimeout(resolve, this.options.stopWaitMs ?? STOP_WAIT_MS).unref()))]);
    clearTimeout(wait);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.sweep().finally(() => this.#schedule());
    }, this.options.everyMs ?? DAY_MS).unref();
  }

  async #sweep(): Promise<PruneResult> {
    const { keep, everyMs: _every, stopWaitMs: _wait, logger, ...rest } = this.options;
    const days = rest.retentionDays;
    try {
      const result = await pruneOldLogs({ ...rest, keep: keep(), logger, stopped: () => this.#stopped });
      if (result.removed.length > 0) {
        logger.info({ module: "logs", removed: result.removed.length }, `log retention: removed ${result.removed.length} log file(s) and folder(s) older than ${days} day(s)`);
      }
      if (result.incomplete && !this.#stopped) {
        logger.info({ module: "logs", examined: result.examined }, `log retention: stopped after ${result.examined} entries; the next sweep goes on`);
      }
      return result;
    } catch (error) {
      // pruneOldLogs does not throw; keep() reading the state might.
      logger.warn({ module: "logs", err: error }, "log retention: the sweep failed; the next one tries again");
      return { removed: [], failed: [{ path: rest.logsDir, error: (error as Error)?.message ?? String(error) }], examined: 0, incomplete: true };
    }
  }
}
