import fs from "node:fs";
import path from "node:path";
import type { Clock } from "../core/clock.js";
import type { LogHealth } from "./log-health.js";

/** YYYY-MM-DD in local time: the day a person means when they name a task file or a log. */
export function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** How often (ms of the clock) the open file is checked to still be the one at its path. */
export const VANISHED_CHECK_MS = 5000;

/**
 * Appends log lines to `<dir>/YYYY-MM-DD.log`, switching files when the day changes, so a service
 * that runs for days keeps one file per day. Writes are synchronous: a log line is never lost
 * to a crash right after it.
 *
 * A failing write (read-only folder, full disk) is dropped, not thrown: logging must never take
 * the orchestrator down, and stdout still gets the line. But it is not silent: the first failure
 * is reported to `health` (with the error, e.g. "EROFS: read-only file system, open '…'"), and so
 * is the first write that works again. While failing, each line tries to reopen the file.
 * A file deleted or replaced under it (the folder removed, a mount put over it) is noticed within
 * VANISHED_CHECK_MS and reopened at its path, instead of writing on into a file nobody can see.
 */
export class DailyFileStream {
  #fd: number | null = null;
  #day = "";
  #failing = false;
  #checkedAt = 0;
  constructor(
    readonly dir: string,
    readonly clock: Clock,
    readonly health: LogHealth | null = null,
  ) {}

  get currentFile(): string {
    return path.join(this.dir, `${localDate(this.clock.now())}.log`);
  }

  write(chunk: string): boolean {
    try {
      const now = this.clock.now().getTime();
      const day = localDate(new Date(now));
      if (this.#fd !== null && (day !== this.#day || this.#vanished(now))) this.close();
      if (this.#fd === null) {
        fs.mkdirSync(this.dir, { recursive: true });
        this.#fd = fs.openSync(path.join(this.dir, `${day}.log`), "a");
        this.#day = day;
        this.#checkedAt = now;
      }
      fs.writeSync(this.#fd, chunk);
      if (this.#failing) {
        this.#failing = false;
        this.health?.ok("daily_log");
      }
    } catch (error) {
      // Dropped on purpose (see above); the next line reopens the file.
      this.close();
      if (!this.#failing) {
        this.#failing = true;
        this.health?.fail("daily_log", (error as Error).message);
      }
    }
    return true;
  }

  /** Opens today's file now (an empty write), so a log that cannot be written is known at start, not at the first line. */
  probe(): void {
    this.write("");
  }

  close(): void {
    if (this.#fd !== null) {
      try {
        fs.closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = null;
    }
  }

  /** At most every VANISHED_CHECK_MS: is the open file gone from its path, or another file there now? */
  #vanished(now: number): boolean {
    if (now - this.#checkedAt < VANISHED_CHECK_MS || this.#fd === null) return false;
    this.#checkedAt = now;
    try {
      const open = fs.fstatSync(this.#fd);
      const named = fs.statSync(path.join(this.dir, `${this.#day}.log`));
      return open.nlink === 0 || open.ino !== named.ino || open.dev !== named.dev;
    } catch {
      return true; // no file at the path any more
    }
  }
}
