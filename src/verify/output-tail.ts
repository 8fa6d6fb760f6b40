/**
 * The end of a command's output, with bounded memory: a verify command may print gigabytes (a
 * test suite in a loop), and only its last lines say why it failed. The whole output goes to the
 * log file; this keeps the last `maxBytes` bytes for the feedback and the one-line failure.
 */

/** Bytes of output kept: enough for a stack trace or a test summary, small enough for a prompt. */
export const OUTPUT_TAIL_BYTES = 4096;

/** Characters of the last line kept for the one-line failure; its start says the most. */
const LAST_LINE_CHARS = 200;

/** CSI (colours, cursor moves), OSC (titles, links) and other two-character escape sequences. */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
/** Control characters other than tab and newline (\r is handled first: it rewrites a line). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * Output as a person would see it on a terminal, roughly: escape sequences dropped, and a line
 * rewritten with \r (a progress bar) shows only its last state. The log keeps the raw bytes.
 */
export function cleanOutput(text: string): string {
  return text
    .replace(ANSI, "")
    .split("\n")
    .map((line) => {
      const body = line.endsWith("\r") ? line.slice(0, -1) : line;
      return body.slice(body.lastIndexOf("\r") + 1).replace(CONTROL, "");
    })
    .join("\n");
}

export class OutputTail {
  readonly #maxBytes: number;
  #kept: Buffer = Buffer.alloc(0);
  #total = 0;

  constructor(maxBytes = OUTPUT_TAIL_BYTES) {
    this.#maxBytes = Math.max(1, maxBytes);
  }

  /** Bytes seen in all. */
  get totalBytes(): number {
    return this.#total;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    const max = this.#maxBytes;
    // Copies only what is kept: holding a subarray would keep the stream's whole chunk alive.
    if (chunk.length >= max) {
      this.#kept = Buffer.from(chunk.subarray(chunk.length - max));
    } else {
      const keep = Math.min(this.#kept.length, max - chunk.length);
      this.#kept = Buffer.concat([this.#kept.subarray(this.#kept.length - keep), chunk]);
    }
  }

  /**
   * The kept end as text, cleaned (cleanOutput), without trailing blank lines. When output was
   * dropped, it starts at the first line start inside the kept bytes (none: at the first whole
   * UTF-8 character), so it never opens with half a line or half a character.
   */
  text(): string {
    let bytes = this.#kept;
    if (this.#total > bytes.length) {
      const newline = bytes.indexOf(0x0a);
      if (newline !== -1 && newline < bytes.length - 1) {
        bytes = bytes.subarray(newline + 1);
      } else {
        let start = 0;
        while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start += 1;
        bytes = bytes.subarray(start);
      }
    }
    return cleanOutput(bytes.toString("utf8")).replace(/\s+$/, "");
  }

  /** The last non-empty line, trimmed, at most 200 characters ("…" when cut); "" when none. */
  lastLine(): string {
    const line = this.text()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .pop();
    if (line === undefined) return "";
    const chars = [...line]; // by code point: a cut must not split a surrogate pair
    return chars.length > LAST_LINE_CHARS ? `${chars.slice(0, LAST_LINE_CHARS - 1).join("")}…` : line;
  }
}
