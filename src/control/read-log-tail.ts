import { open } from "node:fs/promises";
import { prettyLine } from "../logging/pretty-line.js";

/** At most this many bytes are read from the end of the log: enough for 200 lines, bounded memory. */
const TAIL_BYTES = 256 * 1024;

/**
 * The last `lines` log lines of `file`, rendered readable ("[09:30:15] INFO  ..."). A missing file
 * gives "". Lines are already scrubbed of secrets when written.
 */
export async function readLogTail(file: string, lines: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const all = buffer.toString("utf8").split("\n");
    if (start > 0) all.shift(); // first line is probably cut
    return all
      .filter((l) => l.trim() !== "")
      .slice(-lines)
      .map((l) => prettyLine(l).trimEnd());
  } finally {
    await handle.close();
  }
}
