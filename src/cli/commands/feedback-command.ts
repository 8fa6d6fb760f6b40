import { systemClock } from "../../core/clock.js";
import { ControlError } from "../../control/control-error.js";
import { FeedbackBook } from "../../feedback/feedback-book.js";
import { executeFeedback } from "../../feedback/feedback-control.js";
import { feedbackRequestFromText, type FeedbackRequest } from "../../feedback/parse-feedback-request.js";
import { dayReporterFor } from "../../report/day-reporter.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { savedSession, serviceOrOffline, withHistory } from "./offline-answer.js";

/** Who the history records it as. */
const BY_CLI = "the CLI";

/**
 * `orchestrator feedback [task] <up|down|1-5> [note...] [--note text] [--json]`: a verdict on a
 * task (default: the last finished), sent to the running service; with none running, written
 * here from the files (the saved state says which task is which). Exit 0 when recorded, 2 for
 * bad words or no such task, 1 when refused or not written.
 */
export async function feedbackCommand(ctx: CommandContext, words: string[], args: { note?: string; json: boolean }): Promise<number> {
  let request: FeedbackRequest;
  try {
    const parsed = words.length > 0 ? feedbackRequestFromText(words.join(" ")) : null;
    const note = [parsed?.note, args.note?.trim()].filter((n): n is string => typeof n === "string" && n !== "").join(" ") || null;
    request = { command: "feedback", task: parsed?.task ?? null, rating: parsed?.rating ?? null, note, by: BY_CLI };
    if (request.rating === null && request.note === null) throw new ControlError("bad_request", "give a rating (up, down or 1-5), a note, or both: orchestrator feedback [task] up|down|1-5 [note...]");
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    println(ctx.io.stderr, `orchestrator feedback: ${error.message}`);
    return EXIT.badInput;
  }
  const config = await ctx.config();
  const body = { task: request.task, rating: request.rating, note: request.note, by: BY_CLI };
  return serviceOrOffline(ctx, "feedback", config, body, args.json, async () => {
    const state = await savedSession(config);
    if (typeof state === "string") return { ok: false, code: "bad_request", message: state, data: {} };
    return withHistory(config, (history) => executeFeedback(request, { state, book: new FeedbackBook(config.paths.feedback_dir), clock: systemClock, history, reports: dayReporterFor(config, systemClock) }));
  });
}
