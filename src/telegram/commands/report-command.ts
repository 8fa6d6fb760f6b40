/**
 * The day report on the phone: `/report [date]` (through Control's `report`, which writes
 * results/<date>-report.md) and, when a session completes, the report the app wrote
 * (announceDayReport, hooked up by createTelegramBot). Either way the chat gets the short
 * summary as the caption of the report as a `.md` document; a report that could not be made or
 * written is said in a message with the reason.
 */
import path from "node:path";
import { ControlError } from "../../control/control-error.js";
import type { ControlResult } from "../../control/control-types.js";
import { parseCommandText } from "../../control/parse-control-request.js";
import type { DayReport } from "../../report/day-report-types.js";
import type { SessionReportOutcome } from "../../report/day-reporter.js";
import { renderDayReport } from "../../report/render-day-report.js";
import type { BotDeps } from "../bot-deps.js";
import type { ChatSender } from "../chat-sender.js";
import { code, escapeHtml, truncate } from "../rendering/html.js";
import { commandsHint, shortPath } from "../rendering/render-parts.js";

/** Telegram's limit for a document's caption is 1024 characters; the summary is cut to fit with the file's name. */
const CAPTION_TEXT = 900;

export async function reportCommand(deps: BotDeps, chatId: string, text: string): Promise<void> {
  let result: ControlResult;
  try {
    result = await deps.control.execute(parseCommandText(text));
  } catch (error) {
    if (!(error instanceof ControlError)) {
      deps.log.error({ err: error, command: "report" }, "/report failed inside the orchestrator");
      await deps.sender.send(chatId, "❌ /report failed inside the orchestrator. The log has the details.");
      return;
    }
    result = { ok: false, code: error.code, message: error.message, data: {} };
  }
  if (!result.ok) {
    const mark = result.code === "not_found" ? "🔍" : result.code === "bad_request" ? "❌" : "⚠️";
    await deps.sender.send(chatId, `${mark} ${escapeHtml(result.message)}\n\n${commandsHint(deps.orchestrator.state)}`);
    return;
  }
  const data = result.data as { file: string; summary: string; report: DayReport };
  await sendReport(deps.sender, chatId, data.file, data.summary, renderDayReport(data.report));
}

/** What a session's completion came to, to every chat: the report as a document, or why there is none. */
export function announceDayReport(sender: ChatSender, chatIds: readonly string[], outcome: SessionReportOutcome): void {
  for (const chatId of chatIds) {
    if (outcome.ok) void sendReport(sender, chatId, outcome.file, outcome.summary, outcome.markdown);
    else void sender.send(chatId, `⚠️ The day report of session ${escapeHtml(outcome.session_id ?? "?")} was not written: ${escapeHtml(outcome.error)}`);
  }
}

/** The caption: the summary (cut to fit) and where the file is. */
export function reportCaption(summary: string, file: string): string {
  return `${escapeHtml(truncate(summary, CAPTION_TEXT))}\n${code(shortPath(file))}`;
}

async function sendReport(sender: ChatSender, chatId: string, file: string, summary: string, markdown: string): Promise<void> {
  await sender.sendDocument(chatId, path.basename(file), markdown, reportCaption(summary, file));
}
