import fs from "node:fs";
import path from "node:path";

/** How often a standing log problem is re-checked (only while there is one). */
export const LOG_PROBE_MS = 10_000;

/**
 * Whether a new file can be written in `dir` right now: creates `.write-probe-<pid>` there, writes
 * one byte (a full disk fails here: a new file needs a block) and removes it. null when that works,
 * else the error ("EROFS: read-only file system, open '…'"). Synchronous and small: it runs only
 * while logs are failing, every LOG_PROBE_MS.
 */
export function probeLogsDir(dir: string): string | null {
  const file = path.join(dir, `.write-probe-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, "x");
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    try {
      fs.unlinkSync(file);
    } catch {
      // not created
    }
  }
}
