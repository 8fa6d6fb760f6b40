/**
 * Replies to a person's command, from Control's answer. Pure. Commands whose effect the
 * orchestrator reports itself (start, approve, skip, resume...) are answered by that report
 * (render-change.ts); these cover the rest: status, help, logs, diff, refusals, and the few accepted
 * commands that change nothing worth a report ("pausing after this task").
 */
import path from "node:path";
import type { ControlRequest, ControlResult, StatusData } from "../../control/control-types.js";
import type { SessionState } from "../../core/state.js";
import { bold, code, escapeHtml } from "./html.js";
import { commandsHint, shortPath } from "./render-parts.js";
import { renderDiff } from "./render-diff.js";
import { renderStatus } from "./render-status.js";

export const MESSAGE_LIMIT = 4096;

const MARK: Record<ControlResult["code"], string> = { ok: "✅", refused: "⚠️", bad_request: "❌", not_found: "🔍", unavailable: "⏳" };

export type Reply = { kind: "text"; html: string } | { kind: "document"; filename: string; content: string; caption: string };

export function renderReply(request: ControlRequest, result: ControlResult, state: SessionState): Reply {
  if (result.ok && request.command === "status") return text(renderStatus(result.data as unknown as StatusData, state));
  if (result.ok && request.command === "diff") return renderDiff(result);
  if (result.ok && request.command === "help") return text(renderHelp(result.message, state));
  if (result.ok && request.command === "logs") return renderLogs(result);
  return text(`${MARK[result.code]} ${escapeHtml(result.message)}\n\n${commandsHint(state)}`);
}

export function renderHelp(helpText: string, state: SessionState): string {
  const lines = helpText.split("\n").filter((l) => !/^Commands:?$/.test(l.trim()));
  return [`🤖 ${bold("Orchestrator commands")}`, "", ...lines.map(escapeHtml), "", `Right now: ${commandsHint(state)}`].join("\n");
}

/** A reply to text that is not a command: a short hint, not the whole help. */
export function renderUnknown(state: SessionState): string {
  return `🤔 I only understand commands. Send /help for the list.\n\nRight now: ${commandsHint(state)}`;
}

/** The log tail in a <pre> block, or as a .log document when that would exceed one message. */
export function renderLogs(result: ControlResult): Reply {
  const data = result.data as { logs?: string; file?: string; lines?: number };
  const file = data.file ?? "";
  const count = data.lines ?? 0;
  if (!data.logs || count === 0) return text(`📜 No log lines yet today.\n\nLog file: ${code(shortPath(file))}`);
  const heading = `📜 ${bold("Recent Logs")} (last ${count} lines)`;
  const html = `${heading}\n\n<pre>${escapeHtml(data.logs)}</pre>\n\nFull logs: ${code(shortPath(file))}`;
  if (html.length <= MESSAGE_LIMIT) return text(html);
  const name = `orchestrator-${path.basename(file) || "logs.log"}`;
  return { kind: "document", filename: name, content: `${data.logs}\n`, caption: `${heading}\nFull logs: ${code(shortPath(file))}` };
}

const text = (html: string): Reply => ({ kind: "text", html });
