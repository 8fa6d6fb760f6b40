import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { formatBytes } from "../runner/output-log-report.js";
import { settleWithin } from "../util/settle-within.js";

/** How long close() waits for the last writes to land (a stalled disk must not hold up the task). */
const CLOSE_WAIT_MS = 5000;

/**
 * The log that every Verify command's output is appended to. A log that cannot be opened or
 * written never fails verification: writes become no-ops, `error` says why, and the result's
 * `log` fields turn null from then on. Writes respect backpressure (write() tells when to wait),
 * so a command printing faster than the disk keeps nothing growing in memory.
 */
export class VerifyLog {
  readonly file: string;
  #stream: WriteStream | null;
  #error: string | null;
  /** The last byte written was a newline (or nothing was written): a note can start right here. */
  #atLineStart = true;

  private constructor(file: string, stream: WriteStream | null, error: string | null) {
    this.file = file;
    this.#stream = stream;
    this.#error = error;
    // e.g. the disk fills up later: the first failure is kept, the commands go on.
    stream?.on("error", (err) => {
      this.#error ??= `the verification log ${file} was cut short after ${formatBytes(stream.bytesWritten)}: ${err.message}`;
    });
  }

  /** Opens `file` for appending (its folder is created), waiting until it is really open. Never rejects. */
  static async open(file: string): Promise<VerifyLog> {
    try {
      // A recursive mkdir on a read-only folder says ENOENT; the plain one says why (EROFS, EACCES).
      await mkdir(path.dirname(file), { recursive: true }).catch(() => mkdir(path.dirname(file)));
      const stream = createWriteStream(file, { flags: "a" });
      await new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.once("open", () => (stream.off("error", reject), resolve()));
      });
      return new VerifyLog(file, stream, null);
    } catch (err) {
      return new VerifyLog(file, null, `could not open the verification log: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Why the log is missing or incomplete; null while everything has been written. */
  get error(): string | null {
    return this.#error;
  }

  /** Output still reaches the file: what a command's result reports as its `log`. */
  get writable(): boolean {
    return this.#error === null && this.#stream?.writable === true;
  }

  /**
   * Appends raw output. Returns null when more can be written now, or a promise that settles
   * once the file has taken it (drain) or failed; the caller pauses its sources until then.
   */
  write(chunk: Buffer): Promise<void> | null {
    const stream = this.#stream;
    if (chunk.length === 0 || !stream || !this.writable) return null;
    this.#atLineStart = chunk[chunk.length - 1] === 0x0a;
    if (stream.write(chunk)) return null;
    return new Promise((resolve) => {
      const done = () => {
        stream.off("drain", done).off("error", done).off("close", done);
        resolve();
      };
      stream.on("drain", done).on("error", done).on("close", done);
    });
  }

  /** Writes `text` as a line of its own (after a newline when the output ended mid-line). */
  note(text: string): void {
    if (!this.#stream || !this.writable) return;
    this.#stream.write(`${this.#atLineStart ? "" : "\n"}${text}\n`);
    this.#atLineStart = true;
  }

  /** Flushes and closes; never rejects. A last write that failed is in `error` afterwards. */
  async close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return;
    this.#stream = null;
    stream.end();
    await settleWithin(finished(stream), CLOSE_WAIT_MS);
  }
}
