/**
 * A feedback request from what a person types (`/feedback 3 up forgot the tests`, the CLI's
 * words) or an API body (`{"task": 3, "rating": "up", "note": "…"}`). Pure.
 *
 * Words: `[task] [rating] [note...]`. A number followed by a rating is the task ("3 up", "2 4");
 * a number alone, or followed by other words, is a rating when it can be one (1-5: "4", "4 good
 * work"), else the task ("7 forgot the tests"). "#3", "task 3" and "task-3" always name the task;
 * "4/5" is always a rating. Anything after them is the note.
 */
import { ControlError } from "../control/control-error.js";
import type { ControlRequest } from "../control/control-types.js";
import { parseRating, RATING_HELP } from "./feedback-rating.js";

export type FeedbackRequest = Extract<ControlRequest, { command: "feedback" }>;

export const FEEDBACK_USAGE = "/feedback [task] up|down|1-5 [note]";
const BODY_USAGE = 'Send "rating" ("up", "down" or 1-5), "note", or both; "task" (its position, default: the last finished task) is optional.';

/** The request in `/feedback …`'s words (null: none); bad_request when it holds neither a rating nor a note. */
export function feedbackRequestFromText(arg: string | null): FeedbackRequest {
  const words = (arg ?? "").trim().split(/\s+/).filter((w) => w !== "");
  let task: number | null = null;
  let i = 0;
  const first = words[0];
  const explicit = first ? /^(?:#|task-?)(\d+)$/i.exec(first) : null;
  if (explicit) {
    task = Number(explicit[1]);
    i = 1;
  } else if (first && /^task$/i.test(first) && /^\d+$/.test(words[1] ?? "")) {
    task = Number(words[1]);
    i = 2;
  } else if (first && /^\d+$/.test(first)) {
    const next = words[1];
    if (next !== undefined && parseRating(next) !== null) {
      task = Number(first);
      i = 1;
    } else if (parseRating(first) === null) {
      task = Number(first);
      i = 1;
    }
  }
  const rating = words[i] !== undefined ? parseRating(words[i]) : null;
  if (rating !== null) i++;
  const note = words.slice(i).join(" ").trim() || null;
  if (task !== null && task < 1) throw new ControlError("bad_request", `The task is its position in the session, from 1 (got ${task}). ${FEEDBACK_USAGE}`);
  if (rating === null && note === null) throw new ControlError("bad_request", `Send a rating, a note, or both: ${FEEDBACK_USAGE} (a rating is ${RATING_HELP}).`);
  return { command: "feedback", task, rating, note };
}

/**
 * The request in a JSON body; `fromText` is what a "command": "/feedback …" line said (body
 * fields win). bad_request, saying what to send, for a wrong type or when there is nothing to record.
 */
export function feedbackRequestFromBody(body: Record<string, unknown>, fromText: FeedbackRequest | null): FeedbackRequest {
  const task = taskOf(body.task) ?? fromText?.task ?? null;
  let rating = fromText?.rating ?? null;
  if (body.rating !== undefined && body.rating !== null) {
    rating = parseRating(body.rating);
    if (rating === null) throw new ControlError("bad_request", `"rating" must be ${RATING_HELP} (got ${JSON.stringify(body.rating).slice(0, 40)}). ${BODY_USAGE}`);
  }
  if (body.note !== undefined && body.note !== null && typeof body.note !== "string") throw new ControlError("bad_request", `"note" must be a string. ${BODY_USAGE}`);
  const note = (typeof body.note === "string" && body.note.trim() !== "" ? body.note.trim() : null) ?? fromText?.note ?? null;
  if (rating === null && note === null) throw new ControlError("bad_request", BODY_USAGE);
  return { command: "feedback", task, rating, note };
}

function taskOf(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ControlError("bad_request", `"task" must be a task's position in the session, a whole number from 1 (got ${JSON.stringify(v).slice(0, 40)}).`);
  return n;
}
