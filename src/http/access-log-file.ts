// Our own destination: pino.destination (SonicBoom) reopens a rotated file only when told (reopen()) and reports a failed write as an 'error' event; this follows the path by itself and drops the line.
import fs from "node:fs";
import path from "node:path";
import type { LogHealth } from "../logging/log-health.js";

/**
 * The access log's file (orchestrator_logs/webhook-access.log) as a pino destination: `write`
 * appends one line. Writes are synchronous: the line is on disk when the request is done. The file
 * stays open (opening it per line cost a fifth of the status route's throughput); at most every
 * `recheckMs` (default 1 s) its path is checked, so a log rotated or deleted under us is reopened
 * and recreated. A failed write (full disk, permissions) is swallowed: the access log is a record,
 * and losing a line must never fail a request or the server; the next line tries again.
 */
export class AccessLogFile {
  #fd: number | null = null;
  #checkedAt = 0;

  #failing = false;

  /**
   * `health` hears the first failed write (with its error) and the first write that works again,
   * so a read-only or full logs folder is said once, as for the daily log (see LogHealth).
   */
  constructor(
    readonly file: string,
    readonly recheckMs = 1000,
    readonly health: Pick<LogHealth, "fail" | "ok"> | null = null,
  ) {}

  write(line: string): void {
    try {
      fs.writeSync(this.#open(), line);
      if (this.#failing) {
        this.#failing = false;
        this.health?.ok("access_log");
      }
    } catch (error) {
      this.close(); // swallowed on purpose (see above)
      if (!this.#failing) {
        this.#failing = true;
        this.health?.fail("access_log", (error as Error).message);
      }
    }
  }

  close(): void {
    if (this.#fd === null) return;
    try {
      fs.closeSync(this.#fd);
    } catch {
      // already closed
    }
    this.#fd = null;
  }

  #open(): number {
    const now = performance.now();
    if (this.#fd !== null) {
      if (now - this.#checkedAt < this.recheckMs) return this.#fd;
      this.#checkedAt = now;
      if (this.#stillAtPath(this.#fd)) return this.#fd;
      this.close();
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.#fd = fs.openSync(this.file, "a");
    this.#checkedAt = now;
    return this.#fd;
  }

  /** Whether the open file is still the one at `file` (not renamed away or deleted). */
  #stillAtPath(fd: number): boolean {
    try {
      const atPath = fs.statSync(this.file);
      const open = fs.fstatSync(fd);
      return atPath.ino === open.ino && atPath.dev === open.dev;
    } catch {
      return false;
    }
  }
}
