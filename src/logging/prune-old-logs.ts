import { lstat, opendir, readdir, rmdir, unlink } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../core/clock.js";
import type { Logger } from "./create-logger.js";
import { localDate } from "./daily-file-stream.js";

export const DAY_MS = 86_400_000;

/** Entries one sweep looks at, at most (default of `maxEntries`): a folder of millions of files costs one bounded step a day. */
export const MAX_SWEEP_ENTRIES = 10_000;

/** The daily log files: `<logs_dir>/YYYY-MM-DD.log` (daily-file-stream.ts). */
const DAILY_LOG = /^(\d{4}-\d{2}-\d{2})\.log$/;
/** A session's task logs: `<logs_dir>/<session>/task-<id>-output.log` and `task-<id>-verify.log` (task-runs.ts). */
const TASK_LOG = /^task-.+-(output|verify)\.log$/;
/** A planning run's log: `<logs_dir>/plans/<plan_id>-round<r>.log` (claude-planner.ts). */
const PLAN_LOG = /^(.+)-round\d+\.log$/;
const PLANS_FOLDER = "plans";

// What is never removed, by design: the event history (`events-YYYY-MM-DD.jsonl`) is the audit
// trail (who sent which command) and what `orchestrator report` reads to re-make an old day's
// report with its waits; it is small (a line per event, no task output) and issue 13 names only
// task, verify and daily logs. `webhook-access.log` is one file, not per day. Anything else in
// logs_dir that does not match the patterns above is not ours to judge and stays.

/** What the state still names: kept whatever its age. */
export interface LogsToKeep {
  /** The state's session: its folder (`<logs_dir>/<session>/`) is not swept at all. */
  sessionId: string | null;
  /** The state's plan: its `plans/<id>-round<r>.log` files are kept. */
  planId: string | null;
  /** Files the state names (the tasks' output_log). */
  files?: readonly string[];
}

export interface PruneOldLogsOptions {
  /** paths.logs_dir. Itself may be a symlink (the configured path is used as given); nothing under it is followed. */
  logsDir: string;
  /** logging.retention_days (>= 1): a file whose mtime (a daily log: whose date) is older than this many days goes. */
  retentionDays: number;
  clock: Clock;
  keep: LogsToKeep;
  /** Folders never entered even when they are inside logs_dir: results_dir, feedback_dir, daily_dir, tasks_dir, the state file's. */
  protectedDirs?: readonly string[];
  /** Entries looked at, at most (default MAX_SWEEP_ENTRIES); the rest waits for the next sweep. */
  maxEntries?: number;
  logger: Pick<Logger, "warn">;
  /** Asked before each entry: true ends the sweep there (the app is closing). */
  stopped?: () => boolean;
}

export interface PruneResult {
  /** Absolute paths removed: files, then a session folder they left empty. */
  removed: string[];
  /** What could not be read or removed, with Node's message; each was logged, and the sweep went on. */
  failed: { path: string; error: string }[];
  examined: number;
  /** The sweep ended at maxEntries or was stopped; the next one goes on. */
  incomplete: boolean;
}

/** The folder name task-runs.ts and claude-planner.ts make of an id. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * Removes from logs_dir the task, verify, plan and daily log files older than retentionDays by the
 * clock, and a session folder that this left empty. Never follows a symlink (a symlink is neither
 * entered nor removed), never touches the current session's folder, the state's plan logs or a file
 * the state names. Bounded by maxEntries. Never throws: every failure (an unreadable folder, a file
 * that cannot be removed) is logged as a warning, recorded in `failed`, and the sweep goes on.
 */
export async function pruneOldLogs(opts: PruneOldLogsOptions): Promise<PruneResult> {
  const result: PruneResult = { removed: [], failed: [], examined: 0, incomplete: false };
  const maxEntries = opts.maxEntries ?? MAX_SWEEP_ENTRIES;
  const now = opts.clock.now().getTime();
  const cutoffMs = now - opts.retentionDays * DAY_MS;
  // A daily file is named by its local date: kept from the cutoff's date on (so retention 30 keeps 31 files, today's too).
  const cutoffDate = localDate(new Date(cutoffMs));
  const root = path.resolve(opts.logsDir);
  const protectedDirs = new Set((opts.protectedDirs ?? []).map((d) => path.resolve(d)));
  const keepFiles = new Set((opts.keep.files ?? []).map((f) => path.resolve(f)));
  const keepSession = opts.keep.sessionId === null ? null : safeName(opts.keep.sessionId);
  const keepPlan = opts.keep.planId === null ? null : safeName(opts.keep.planId);

  const failed = (at: string, error: unknown, what: string) => {
    const message = (error as Error)?.message ?? String(error);
    result.failed.push({ path: at, error: message });
    opts.logger.warn({ module: "logs", path: at, err: message }, `log retention: could not ${what} ${at}; left as it is (${message})`);
  };
  /** One more entry may be looked at; else the sweep is over. */
  const budget = () => {
    if (result.incomplete || result.examined >= maxEntries || opts.stopped?.()) {
      result.incomplete = true;
      return false;
    }
    result.examined += 1;
    return true;
  };
  const removeIfOld = async (file: string, byMtime: boolean, date?: string) => {
    if (keepFiles.has(file)) return;
    try {
      if (byMtime) {
        const stats = await lstat(file);
        if (!stats.isFile() || stats.mtimeMs >= cutoffMs) return;
      } else if (date === undefined || date >= cutoffDate) return;
      await unlink(file); // unlink never follows a symlink: it would remove the link
      result.removed.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") failed(file, error, "remove");
    }
  };
  /** The matching old files in `dir` (regular files only); then `dir` itself when this emptied it. */
  const sweepFolder = async (dir: string, pattern: RegExp, keep: (name: string) => boolean, removeEmptied: boolean) => {
    const before = result.removed.length;
    try {
      // Entered only as a directory readdir saw (not a symlink); checked again here, just before.
      if (!(await lstat(dir)).isDirectory()) return;
      const handle = await opendir(dir);
      try {
        for await (const entry of handle) {
          if (!budget()) break;
          if (entry.isFile() && pattern.test(entry.name) && !keep(entry.name)) await removeIfOld(path.join(dir, entry.name), true);
        }
      } finally {
        await handle.close().catch(() => undefined); // already closed by the loop's end
      }
    } catch (error) {
      failed(dir, error, "read the folder");
      return;
    }
    if (!removeEmptied || result.removed.length === before) return;
    try {
      if ((await readdir(dir)).length > 0) return;
      await rmdir(dir);
      result.removed.push(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTEMPTY") failed(dir, error, "remove the emptied folder");
    }
  };

  let top;
  try {
    top = await opendir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") failed(root, error, "read the logs folder");
    return result;
  }
  try {
    for await (const entry of top) {
      if (!budget()) break;
      const full = path.join(root, entry.name);
      if (entry.isFile()) {
        const date = DAILY_LOG.exec(entry.name)?.[1];
        if (date !== undefined) await removeIfOld(full, false, date);
      } else if (entry.isDirectory() && !protectedDirs.has(full)) {
        if (entry.name === PLANS_FOLDER) {
          await sweepFolder(full, PLAN_LOG, (name) => keepPlan !== null && PLAN_LOG.exec(name)?.[1] === keepPlan, false);
        } else if (entry.name !== keepSession) {
          await sweepFolder(full, TASK_LOG, () => false, true);
        }
      }
      // Symlinks, sockets, FIFOs: never followed, never removed.
    }
  } catch (error) {
    failed(root, error, "read the logs folder");
  } finally {
    await top.close().catch(() => undefined);
  }
  return result;
}
