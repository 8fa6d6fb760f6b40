/**
 * Searches the history files (history-files.ts) for lines matching a query: newest day first,
 * stopping once `limit` lines matched, answered oldest first. Reads the files only, so it works
 * without the service (the CLI) and beside it (the service appends while this reads; a line cut
 * by a write under way, or broken by a crash, is skipped).
 */
import { open } from "node:fs/promises";
import { OrchestratorError } from "../core/errors.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { HistoryEntry } from "./history-entry.js";
import { listHistoryFiles } from "./history-files.js";
import type { HistoryQuery } from "./history-query.js";
import { formatHistoryLine } from "./format-history.js";

/** A day's file is read up to its last MAX_READ_BYTES (a day that logged more is searched in its end). */
const MAX_READ_BYTES = 16 * 1024 * 1024;

/** The history files could not be read (permissions, an I/O error). */
export class HistoryReadError extends OrchestratorError {
  override name = "HistoryReadError";
  constructor(readonly file: string, options?: { cause?: unknown }) {
    super(`could not read the event history ${file}: ${(options?.cause as Error | undefined)?.message ?? "unknown error"}. Check that the logs folder (paths.logs_dir, --logs) is readable.`, options);
  }
}

export interface HistoryResult {
  /** The matching lines, oldest first. */
  entries: HistoryEntry[];
  /** More lines matched than `limit`: older ones were left out. */
  more: boolean;
  /** The files searched, newest first. */
  files: string[];
}

export async function searchHistory(dir: string, query: HistoryQuery): Promise<HistoryResult> {
  const sinceDay = query.since ? localDate(query.since) : null;
  const files = (await listHistoryFiles(dir).catch((error: unknown) => Promise.reject(new HistoryReadError(dir, { cause: error })))).filter((f) => sinceDay === null || f.date >= sinceDay);
  const found: HistoryEntry[][] = [];
  const searched: string[] = [];
  let count = 0;
  // One match past the limit tells whether older lines were left out.
  for (const { file } of files) {
    searched.push(file);
    const matches = (await readEntries(file)).filter((e) => matchesQuery(e, query));
    found.unshift(matches);
    count += matches.length;
    if (count > query.limit) break;
  }
  const entries = found.flat();
  return { entries: entries.slice(-query.limit), more: entries.length > query.limit, files: searched };
}

export function matchesQuery(entry: HistoryEntry, query: HistoryQuery): boolean {
  if (query.task !== null && entry.task !== query.task) return false;
  if (query.since !== null && !(Date.parse(entry.ts) >= query.since.getTime())) return false;
  if (query.grep === null) return true;
  const haystack = [formatHistoryLine(entry), ...entry.notifications.map((n) => `${n.event} ${n.message}`)].join("\n").toLowerCase();
  return haystack.includes(query.grep.toLowerCase());
}

/** The parseable lines of one file (its last MAX_READ_BYTES), in order; a missing file has none. */
async function readEntries(file: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - MAX_READ_BYTES);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString("utf8");
      if (start > 0) text = text.slice(text.indexOf("\n") + 1); // the first line is cut
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new HistoryReadError(file, { cause: error });
  }
  const entries: HistoryEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry = JSON.parse(line) as HistoryEntry;
      if (entry && typeof entry.ts === "string" && typeof entry.event === "string") entries.push({ ...entry, notifications: Array.isArray(entry.notifications) ? entry.notifications : [] });
    } catch {
      // a line cut by a write under way or a crash: skipped
    }
  }
  return entries;
}
