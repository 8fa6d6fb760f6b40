import { parseStreamLine } from "../../runner/parse-stream-line.js";

/** Longest line shown for one event of Claude's stream. */
const MAX_CHARS = 300;

/**
 * One line of a task's output log (Claude's stream-json) as a person reads it: the session start,
 * Claude's text and tool calls, and the result. Tool results, echoes and control lines are dropped
 * (null): they are in the raw log. A line that is not JSON (a stderr tail) is shown as it is.
 */
export function outputLine(line: string): string | null {
  const ev = parseStreamLine(line);
  switch (ev.type) {
    case "init":
      return `▶ session started (${ev.progress.text})`;
    case "assistant": {
      const parts = ev.progress.map((p) => (p.kind === "tool_use" ? `🔧 ${p.text}` : `💬 ${p.text}`));
      return parts.length > 0 ? cut(parts.join("  ")) : null;
    }
    case "result": {
      const r = ev.result;
      const text = (r.result ?? "").split("\n").find((l) => l.trim() !== "") ?? r.subtype ?? "";
      return cut(`${r.is_error ? "❌" : "✅"} result: ${text.trim()}`);
    }
    case "permission_request":
      return cut(`🔐 asks to run ${ev.ask.tool}`);
    case "rate_limit":
      return `⏳ usage: ${ev.info.status}${ev.info.type ? ` (${ev.info.type})` : ""}`;
    case "malformed":
      return cut(line);
    default:
      return null;
  }
}

function cut(text: string): string {
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text;
}
