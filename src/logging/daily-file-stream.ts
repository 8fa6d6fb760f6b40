import fs from "node:fs";
import path from "node:path";
import type { Clock } from "../core/clock.js";

/** YYYY-MM-DD in local time: the day a person means when they name a task file or a log. */
export function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Appends log lines to `<dir>/YYYY-MM-DD.log`, switching files when the day changes, so a service
 * that runs for days keeps one file per day. Writes are synchronous: a log line is never lost
 * to a crash right after it. A failing write (full disk) is dropped, not thrown: logging must
 * never take the orchestrator down; stdout still gets the line.
 */
export class DailyFileStream {
  #fd: number | null = null;
  #day = "";
  constructor(readonly dir: string, readonly clock: Clock) {}

  get currentFile(): string {
    return path.join(this.dir, `${localDate(this.clock.now())}.log`);
  }

  write(chunk: string): boolean {
    try {
      const day = localDate(this.clock.now());
      if (day !== this.#day || this.#fd === null) {
        this.close();
        fs.mkdirSync(this.dir, { recursive: true });
        this.#fd = fs.openSync(path.join(this.dir, `${day}.log`), "a");
        this.#day = day;
      }
      fs.writeSync(this.#fd, chunk);
    } catch {
      // Dropped on purpose (see above).
    }
    return true;
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
}
