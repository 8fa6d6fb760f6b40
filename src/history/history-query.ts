/**
 * What a history search asks for, checked once for every surface (CLI flags, the HTTP body,
 * `/history` text): a term, a task, a start time, how many lines.
 */
import { OrchestratorError } from "../core/errors.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
const MAX_TERM = 200;

export interface HistoryQuery {
  /** Case-insensitive text the line must contain (its time, event, who, message, notifications). */
  grep: string | null;
  /** 1-based task position. */
  task: number | null;
  /** Lines at or after this time only. */
  since: Date | null;
  /** At most this many lines: the newest, printed oldest first. */
  limit: number;
}

/** A search's filters are wrong; the message says what each one takes. */
export class HistoryQueryError extends OrchestratorError {
  override name = "HistoryQueryError";
}

export interface RawHistoryQuery {
  grep?: unknown;
  task?: unknown;
  since?: unknown;
  limit?: unknown;
}

/** Checks raw filters (strings from the command line, JSON values from HTTP); throws HistoryQueryError. */
export function parseHistoryQuery(raw: RawHistoryQuery): HistoryQuery {
  return { grep: grepOf(raw.grep), task: positive(raw.task, "task", "a task's position in the session, a whole number from 1"), since: sinceOf(raw.since), limit: Math.min(positive(raw.limit, "limit", `a number of lines from 1 to ${MAX_LIMIT}`) ?? DEFAULT_LIMIT, MAX_LIMIT) };
}

function grepOf(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new HistoryQueryError(`"grep" must be text (got ${JSON.stringify(v)}).`);
  const term = v.trim();
  if (term.length > MAX_TERM) throw new HistoryQueryError(`"grep" takes at most ${MAX_TERM} characters.`);
  return term === "" ? null : term;
}

function positive(v: unknown, name: string, what: string): number | null {
  if (v === undefined || v === null || v === "") return null;
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new HistoryQueryError(`"${name}" must be ${what} (got ${JSON.stringify(v)}).`);
  return n;
}

/**
 * A local date (2026-12-01: from its midnight, local time, as the daily files are named) or a
 * time (2026-12-01T09:30, 2026-12-01T09:30:00Z; without a zone: local).
 */
function sinceOf(v: unknown): Date | null {
  if (v === undefined || v === null || v === "") return null;
  const bad = () => new HistoryQueryError(`"since" takes a date (2026-12-01) or a time (2026-12-01T09:30, 2026-12-01T09:30:00Z), got ${JSON.stringify(v)}.`);
  if (typeof v !== "string") throw bad();
  const text = v.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const d = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (d.getMonth() !== Number(day[2]) - 1) throw bad();
    return d;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) throw bad();
  const t = new Date(text.replace(" ", "T"));
  if (Number.isNaN(t.getTime())) throw bad();
  return t;
}
