/**
 * Reads the history (orchestrator_logs/events.jsonl, rotated by day) for a report. The history
 * is optional: no file is null (the report then estimates from the state); a file that cannot be
 * read is skipped and said in `problems`, never an error, since the report must still be made.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { readRegularFile } from "../fs/read-regular-file.js";
import { parseEventLines, type ReportEvent } from "./report-events.js";

/** At most this much of each history file is read (its end: the newest lines). */
const MAX_BYTES = 32 * 1024 * 1024;
const READ_MS = 5000;

/** events.jsonl and its rotated copies (events-2025-11-20.jsonl, events.2025-11-20.jsonl, 2025-11-20.events.jsonl…). */
const HISTORY_FILE = /(^|[.-])events([.-].*)?\.jsonl$/;

/**
 * The events of the files in `logsDir` that may hold `dates` (YYYY-MM-DD): the current file and
 * the rotated ones named after one of those dates. null when there is no history file at all.
 */
export async function readReportEvents(logsDir: string, dates: readonly string[]): Promise<{ events: ReportEvent[] | null; problems: string[] }> {
  let names: string[];
  try {
    names = await readdir(logsDir);
  } catch {
    return { events: null, problems: [] }; // no logs folder yet: no history
  }
  const files = names.filter((n) => HISTORY_FILE.test(n) && (!/\d{4}-\d{2}-\d{2}/.test(n) || dates.some((d) => n.includes(d)))).sort();
  if (files.length === 0) return { events: null, problems: [] };
  const problems: string[] = [];
  const texts: string[] = [];
  for (const name of files) {
    const file = path.join(logsDir, name);
    try {
      const read = await readRegularFile(file, { maxBytes: MAX_BYTES, timeoutMs: READ_MS, whenLarger: "tail" });
      let text = read.bytes.toString("utf8");
      // A tail starts mid-line: that first piece is not an event.
      if (read.start > 0) text = text.slice(text.indexOf("\n") + 1);
      texts.push(text);
    } catch (error) {
      problems.push(`could not read the history ${file}: ${(error as Error).message}`);
    }
  }
  return { events: parseEventLines(texts.join("\n")), problems };
}
