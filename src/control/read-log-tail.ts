import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";
import { prettyLine } from "../logging/pretty-line.js";
import { ControlError } from "./control-error.js";

/** At most this many bytes are read from the end of the log: enough for 200 lines, bounded memory. */
const TAIL_BYTES = 256 * 1024;

/** How long reading the tail may take (2 s; a local 256 KiB read takes about a millisecond). */
export const LOG_TAIL_TIMEOUT_MS = 2_000;

const WHAT_TO_DO: Record<FileReadError["reason"], string> = {
  not_regular: "Remove it: the service writes its daily log there.",
  too_large: "",
  timeout: "Check the disk the logs folder is on.",
  io: "Check the logs folder and its permissions.",
};

/**
 * The last `lines` log lines of `file`, rendered readable (default: pino lines as "[09:30:15] INFO  ...";
 * `render` may drop a line by returning null). A missing file
 * gives "". Lines are already scrubbed of secrets when written. A log that is not a regular file
 * (a FIFO would block the read) or cannot be read within `timeoutMs` is ControlError
 * "unavailable" naming the file, never a wait without end.
 */
export async function readLogTail(file: string, lines: number, timeoutMs = LOG_TAIL_TIMEOUT_MS, render: (line: string) => string | null = prettyLine): Promise<string[]> {
  let read;
  try {
    read = await readRegularFile(file, { maxBytes: TAIL_BYTES, timeoutMs, whenLarger: "tail" });
  } catch (error) {
    if (error instanceof FileReadError && error.detail.errno === "ENOENT") return [];
    if (error instanceof FileReadError) throw new ControlError("unavailable", `Cannot read the log: ${error.message}. ${WHAT_TO_DO[error.reason]}`, { cause: error });
    throw error;
  }
  const all = read.bytes.toString("utf8").split("\n");
  if (read.start > 0) all.shift(); // first line is probably cut
  return all
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      const shown = render(l);
      return shown === null ? [] : [shown.trimEnd()];
    })
    .slice(-lines);
}
