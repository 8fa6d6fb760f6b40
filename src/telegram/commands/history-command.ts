/**
 * `/history [term]` in Telegram: the event history through Control (`history`), as a compact
 * list, one event a line: time, event, who, what it said. "/history approve task 3" answers who
 * approved task 3, and when. The last HISTORY_LIMIT events that match, oldest first.
 */
import { ControlError } from "../../control/control-error.js";
import type { ControlResult } from "../../control/control-types.js";
import type { HistoryEntry } from "../../history/history-entry.js";
import { describeQuery, historyRequestFromText } from "../../history/history-control.js";
import { parseHistoryQuery } from "../../history/history-query.js";
import { localDate } from "../../logging/daily-file-stream.js";
import type { BotDeps } from "../bot-deps.js";
import { bold, code, escapeHtml, truncate } from "../rendering/html.js";
import { commandsHint } from "../rendering/render-parts.js";

/** Events in one answer: a screenful on a phone. */
export const HISTORY_LIMIT = 15;
/** A message is cut to this in the list (the CLI and HTTP have it whole). */
const MESSAGE_CUT = 160;

export async function historyCommand(deps: BotDeps, chatId: string, text: string): Promise<void> {
  const arg = /^\/\S+\s*([\s\S]*)$/.exec(text.trim())?.[1]?.trim() || null;
  let result: ControlResult;
  try {
    const request = historyRequestFromText(arg);
    result = await deps.control.execute({ ...request, limit: HISTORY_LIMIT });
  } catch (error) {
    if (!(error instanceof ControlError)) {
      deps.log.error({ err: error, command: "history" }, "/history failed inside the orchestrator");
      await deps.sender.send(chatId, "❌ /history failed inside the orchestrator. The log has the details.");
      return;
    }
    result = { ok: false, code: error.code, message: error.message, data: {} };
  }
  if (!result.ok) {
    await deps.sender.send(chatId, `❌ ${escapeHtml(result.message)}\n\nSend /history, /history approve, /history task 3.`);
    return;
  }
  await deps.sender.send(chatId, renderHistory(result, deps.clock.now(), arg, deps));
}

/** The list: "09:32 approve · Telegram 123 @ana\n   Executing Task 3/5: …" per event. */
export function renderHistory(result: ControlResult, now: Date, arg: string | null, deps?: Pick<BotDeps, "orchestrator">): string {
  const data = result.data as { entries?: HistoryEntry[]; more?: boolean };
  const entries = data.entries ?? [];
  const filter = arg ? ` (${escapeHtml(describeQuery(parseHistoryQuery(historyRequestFromText(arg))))})` : "";
  if (entries.length === 0) {
    return `📜 No events${filter ? ` match${filter}` : " yet"}.\n\nTry /history without a term, or /history task 3.${deps ? `\n\nRight now: ${commandsHint(deps.orchestrator.state)}` : ""}`;
  }
  const today = localDate(now);
  const lines = entries.map((e) => {
    const who = e.by ? ` · ${escapeHtml(e.by)}` : "";
    const refused = e.kind === "command" && !e.ok ? " (refused)" : "";
    return `${code(when(e.ts, today))} ${bold(e.event)}${refused}${who}\n   ${escapeHtml(truncate(e.message.replace(/\s+/g, " ").trim(), MESSAGE_CUT))}`;
  });
  const heading = `📜 ${bold("History")}${filter}: ${data.more ? `the last ${entries.length}` : `${entries.length} event${entries.length === 1 ? "" : "s"}`}`;
  return [heading, "", ...lines, ...(data.more ? ["", "Older ones match too: orchestrator history --since <date> has them all."] : [])].join("\n");
}

/** "09:32" today, "2026-11-30 17:05" on another day (local time, like the daily files). */
function when(ts: string, today: string): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const day = localDate(d);
  return day === today ? time : `${day} ${time}`;
}
