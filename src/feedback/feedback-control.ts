/**
 * Control's `feedback`: a person's verdict on a task of the session (👍 / 👎 / n/5 and/or a
 * note), written to paths.feedback_dir/<today>.md (FeedbackBook) and recorded in the event
 * history (who rated which task, and when). Nothing in the session changes: feedback is for the
 * person's records, the day report and tomorrow's lessons, not for the machine.
 *
 * Which task: `task` is its 1-based position in the session; without it, the task that finished
 * last. A task that has not run yet, or runs now, has nothing to rate yet: refused, saying so.
 */
import path from "node:path";
import type { Clock } from "../core/clock.js";
import type { SessionState, TaskRecord } from "../core/state.js";
import type { ControlRequest, ControlResult } from "../control/control-types.js";
import type { CommandRecord } from "../history/history-entry.js";
import { localDate } from "../logging/daily-file-stream.js";
import { sessionDate } from "../report/build-day-report.js";
import type { FeedbackBook } from "./feedback-book.js";
import { FeedbackError } from "./feedback-error.js";
import { parseRating, ratingText, RATING_HELP, type FeedbackRating } from "./feedback-rating.js";

/** A note longer than this is refused (it is a line in a file and a message on a phone). */
export const MAX_NOTE_CHARS = 4000;

/** The statuses of a task that has run to an end: what "the last finished task" looks among. */
const FINISHED: ReadonlySet<string> = new Set(["completed", "failed", "interrupted", "skipped", "rolled_back"]);

export type FeedbackRequest = Extract<ControlRequest, { command: "feedback" }>;

export interface FeedbackContext {
  state: SessionState;
  book: FeedbackBook;
  clock: Clock;
  /** Where the command is recorded (App.history); absent: not recorded. */
  history?: { recordCommand?(command: CommandRecord): void } | null;
  /**
   * The day reports: feedback on a completed session's task writes its report again, so
   * results/<date>-report.md shows it. A report that cannot be written then stays as it was (the
   * feedback stands; /report says why it cannot be written).
   */
  reports?: { write(state: SessionState, date: string | null): Promise<unknown> } | null;
}

/** What a recorded feedback answers with in `data`. */
export interface FeedbackData {
  /** The feedback file written (absolute). */
  file: string;
  /** 1-based position of the task in the session. */
  task: number;
  title: string;
  rating: FeedbackRating | null;
  note: string | null;
  /** The file's date (local, YYYY-MM-DD). */
  date: string;
}

export async function executeFeedback(request: FeedbackRequest, ctx: FeedbackContext): Promise<ControlResult> {
  const { state } = ctx;
  const by = request.by ?? null;
  const refuse = (code: ControlResult["code"], message: string, task: number | null = request.task ?? null): ControlResult => {
    record(ctx, { by, task, ok: false, message, fields: { rating: request.rating ?? null, note: request.note ?? null } });
    return { ok: false, code, message, data: {} };
  };
  const rating = request.rating === null || request.rating === undefined ? null : parseRating(request.rating);
  if (request.rating !== null && request.rating !== undefined && rating === null) {
    return refuse("bad_request", `A rating is ${RATING_HELP} (got ${JSON.stringify(request.rating)}).`);
  }
  const note = typeof request.note === "string" && request.note.trim() !== "" ? request.note.trim() : null;
  if (rating === null && note === null) {
    return refuse("bad_request", "Send a rating (up, down or 1-5), a note, or both: /feedback [task] up|down|1-5 [note] (HTTP: {\"task\"?, \"rating\"?, \"note\"?}).");
  }
  if (note !== null && note.length > MAX_NOTE_CHARS) return refuse("bad_request", `A note has at most ${MAX_NOTE_CHARS} characters (this one has ${note.length}): split it in two.`);
  if (state.tasks.length === 0) return refuse("refused", "No session: there is no task to give feedback on. Send /start to load a task file.");
  let index: number;
  if (request.task !== null && request.task !== undefined) {
    index = request.task - 1;
    if (!Number.isInteger(request.task) || index < 0 || index >= state.tasks.length) {
      return refuse("not_found", `No Task ${request.task} in this session: it has ${state.tasks.length} task${state.tasks.length === 1 ? "" : "s"} (1-${state.tasks.length}).`);
    }
  } else {
    const last = lastFinished(state);
    if (last === null) return refuse("refused", "No task of this session has finished yet: nothing to give feedback on. Name one: /feedback <n> up|down|1-5 [note].", null);
    index = last;
  }
  const task = state.tasks[index] as TaskRecord;
  const n = index + 1;
  if (task.status === "running") return refuse("refused", `Task ${n}: ${task.title} is still running: give your feedback once it is done.`, n);
  if (task.attempts === 0) return refuse("refused", `Task ${n}: ${task.title} ${task.status === "skipped" ? "was skipped before it ran" : "has not run yet"}: there is nothing to give feedback on.`, n);

  const now = ctx.clock.now();
  const date = localDate(now);
  let file: string;
  try {
    file = await ctx.book.record({ date, taskId: task.id, title: task.title, rating, note, by, time: clockTime(now) });
  } catch (error) {
    if (!(error instanceof FeedbackError)) throw error;
    return refuse("unavailable", `Feedback not recorded: ${error.message}`, n);
  }
  const what = [rating !== null ? ratingText(rating) : null, note !== null ? "your note" : null].filter(Boolean).join(" and ");
  const message = `Thanks: ${what} for Task ${n}: ${task.title} (${shown(ctx.book.dir, file)})`;
  record(ctx, { by, task: n, ok: true, message, fields: { rating, note, file, task_id: task.id } });
  const own = sessionDate(state);
  if (ctx.reports && state.status === "completed" && own !== null) await ctx.reports.write(state, own).catch(() => undefined);
  const data: FeedbackData = { file, task: n, title: task.title, rating, note, date };
  return { ok: true, code: "ok", message, data: { ...data } };

  function record(c: FeedbackContext, r: Omit<CommandRecord, "event" | "session" | "status">): void {
    c.history?.recordCommand?.({ event: "feedback", session: state.session_id, status: state.status, ...r });
  }
}

/** The task of the session that finished last (by its end time; the later position on a tie), or null. */
export function lastFinished(state: SessionState): number | null {
  let best: number | null = null;
  let bestAt = -Infinity;
  state.tasks.forEach((t, i) => {
    if (!FINISHED.has(t.status) || t.attempts === 0) return;
    const at = t.completed_at ? Date.parse(t.completed_at) : -Infinity;
    const when = Number.isFinite(at) ? at : -Infinity;
    if (best === null || when >= bestAt) {
      best = i;
      bestAt = when;
    }
  });
  return best;
}

/** "feedback/2026-12-01.md": the folder's own name and the file, as a person finds it. */
function shown(dir: string, file: string): string {
  return path.join(path.basename(dir), path.basename(file));
}

/** "18:42", local time. */
function clockTime(d: Date): string {
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
