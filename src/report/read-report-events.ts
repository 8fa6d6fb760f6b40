/**
 * Reads the event history (src/history/: one file a local day, events-YYYY-MM-DD.jsonl in
 * paths.logs_dir) for a report. The history is optional: no file is null (the report then
 * estimates from the state); a file that cannot be read is skipped and said in `problems`,
 * never an error, since the report must still be made.
 */
import { historyFile } from "../history/history-files.js";
import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";
import { parseEventLines, type ReportEvent } from "./report-events.js";

/** At most this much of each history file is read (its end: the newest lines). */
const MAX_BYTES = 32 * 1024 * 1024;
const READ_MS = 5000;

/** The events of the history files of `dates` (YYYY-MM-DD); null when none of them exists. */
export async function readReportEvents(logsDir: string, dates: readonly string[]): Promise<{ events: ReportEvent[] | null; problems: string[] }> {
  const problems: string[] = [];
  const texts: string[] = [];
  for (const date of dates) {
    const file = historyFile(logsDir, date);
    try {
      const read = await readRegularFile(file, { maxBytes: MAX_BYTES, timeoutMs: READ_MS, whenLarger: "tail" });
      let text = read.bytes.toString("utf8");
      // A tail starts mid-line: that first piece is no event.
      if (read.start > 0) text = text.slice(text.indexOf("\n") + 1);
      texts.push(text);
    } catch (error) {
      if (error instanceof FileReadError && error.detail.errno === "ENOENT") continue;
      problems.push(`The event history ${file} could not be read (${(error as Error).message}); the report leaves it out.`);
    }
  }
  return { events: texts.length === 0 ? null : parseEventLines(texts.join("\n")), problems };
}
