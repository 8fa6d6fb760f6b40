/**
 * The `history` control command, for every surface: `{command: "history", grep?, task?, since?,
 * limit?}` (HTTP body), `/history [term]` (text), answered with the matching lines, oldest first.
 */
import { ControlError } from "../control/control-error.js";
import type { ControlResult } from "../control/control-types.js";
import { formatHistoryLine } from "./format-history.js";
import { HistoryQueryError, parseHistoryQuery, type HistoryQuery, type RawHistoryQuery } from "./history-query.js";
import { HistoryReadError, searchHistory } from "./search-history.js";

export interface HistoryRequest {
  command: "history";
  grep?: string | null;
  task?: number | null;
  /** A date (2026-12-01) or a time (2026-12-01T09:30). */
  since?: string | null;
  limit?: number | null;
}

/** Validates the filters of a request; a mistake is a ControlError (bad_request) naming it. */
export function checkHistoryQuery(raw: RawHistoryQuery): HistoryQuery {
  try {
    return parseHistoryQuery(raw);
  } catch (error) {
    if (error instanceof HistoryQueryError) throw new ControlError("bad_request", error.message);
    throw error;
  }
}

/** A JSON body's filters, checked (the answer of a bad one is 400). */
export function historyRequestFromBody(body: Record<string, unknown>, fromText: HistoryRequest | null): HistoryRequest {
  const pick = <K extends keyof RawHistoryQuery>(key: K) => (body[key] !== undefined && body[key] !== null ? body[key] : (fromText?.[key] ?? null));
  const raw = { grep: pick("grep"), task: pick("task"), since: pick("since"), limit: pick("limit") };
  const q = checkHistoryQuery(raw);
  return { command: "history", grep: q.grep, task: q.task, since: typeof raw.since === "string" ? raw.since.trim() || null : null, limit: q.limit };
}

/**
 * `/history [term]` as typed: "task 3", "#3" or a lone number picks the task, the rest is the term
 * ("/history approve task 3": what matched "approve" about task 3).
 */
export function historyRequestFromText(arg: string | null): HistoryRequest {
  const words = (arg ?? "").split(/\s+/).filter((w) => w !== "");
  let task: number | null = null;
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const next = words[i + 1];
    if (/^task$/i.test(word) && next !== undefined && /^\d+$/.test(next)) {
      task = Number(next);
      i++;
    } else if (/^#?\d+$/.test(word) && task === null) task = Number(word.replace("#", ""));
    else rest.push(word);
  }
  const q = checkHistoryQuery({ grep: rest.join(" "), task });
  return { command: "history", grep: q.grep, task: q.task };
}

/** Runs a history request against the files in `dir` (after writing what the service still holds). */
export async function executeHistory(request: HistoryRequest, dir: string, history: { flush(): Promise<void> } | null): Promise<ControlResult> {
  const query = checkHistoryQuery(request);
  // Lines of the last moments are still in memory: written first, so a search finds them. A
  // history that cannot be written is searched as it is on disk.
  await history?.flush().catch(() => {});
  let result;
  try {
    result = await searchHistory(dir, query);
  } catch (error) {
    if (error instanceof HistoryReadError) return { ok: false, code: "unavailable", message: error.message, data: {} };
    throw error;
  }
  const { entries, more } = result;
  const what = describeQuery(query);
  const message =
    entries.length === 0
      ? `No events${what ? ` match ${what}` : " recorded yet"} (the history is in ${dir}/events-YYYY-MM-DD.jsonl).`
      : [`📜 History${what ? ` of ${what}` : ""}: ${more ? `the last ${entries.length} events (older ones left out: narrow it, or use --since)` : `${entries.length} event${entries.length === 1 ? "" : "s"}`}`, ...entries.map(formatHistoryLine)].join("\n");
  return { ok: true, code: "ok", message, data: { entries, more, dir } };
}

/** `"approve", task 3, since 2026-12-01T00:00:00.000Z` — empty for no filters. */
export function describeQuery(query: HistoryQuery): string {
  return [query.grep !== null ? JSON.stringify(query.grep) : null, query.task !== null ? `task ${query.task}` : null, query.since ? `since ${query.since.toISOString()}` : null].filter((p) => p !== null).join(", ");
}
