// Our own, not split2 or node:readline: readline has no line cap (one 50 MB line is buffered whole); split2's maxLength errors and destroys the stream, and with skipOverflow it skips without counting, passes an over-long line that arrives within one chunk, and emits the kept fragment at the end.
/**
 * Splits a byte stream into text lines with bounded memory. Works on bytes, so a chunk
 * boundary inside a multi-byte UTF-8 character is harmless. A line longer than the cap is
 * dropped (and counted) instead of buffered: a runaway line must not grow our memory.
 */

/** Default cap on one line: 1 MiB. Real stream-json lines are far smaller. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  /** Pieces of the current, unfinished line; their total is #pendingBytes <= cap. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The current line already went over the cap: skip bytes until the next newline. */
  #dropping = false;
  #tooLong = 0;

  constructor(onLine: (line: string) => void, opts: { maxLineBytes?: number } = {}) {
    this.#onLine = onLine;
    this.#maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** How many lines were dropped for being longer than the cap. */
  get tooLongCount(): number {
    return this.#tooLong;
  }

  get maxLineBytes(): number {
    return this.#maxLineBytes;
  }

  /** Feed a chunk; onLine is called synchronously for each completed line. */
  push(chunk: Buffer | Uint8Array | string): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.#append(buf.subarray(start));
        return;
      }
      const piece = buf.subarray(start, nl);
      if (this.#pendingBytes === 0 && !this.#dropping) {
        // Fast path, the usual case: the whole line is inside this chunk; no copy.
        if (piece.length > this.#maxLineBytes) this.#tooLong += 1;
        else this.#emit(piece);
      } else {
        this.#append(piece);
        this.#finishLine();
      }
      start = nl + 1;
    }
  }

  /** End of stream: a last line without a trailing newline is still a line. */
  end(): void {
    if (this.#pendingBytes > 0 || this.#dropping) this.#finishLine();
  }

  #append(piece: Buffer): void {
    if (this.#dropping || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > this.#maxLineBytes) {
      // Over the cap: forget what we have and skip the rest of this line.
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#dropping = true;
      return;
    }
    // Copy: the chunk's memory belongs to the stream and may be large.
    this.#pending.push(Buffer.from(piece));
    this.#pendingBytes += piece.length;
  }

  #finishLine(): void {
    if (this.#dropping) {
      this.#dropping = false;
      this.#tooLong += 1;
      return;
    }
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#emit(bytes);
  }

  #emit(bytes: Buffer): void {
    let line = bytes.toString("utf8");
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.#onLine(line);
  }
}
