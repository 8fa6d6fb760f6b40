import type { HistoryEntry } from "./history-entry.js";

/**
 * A history line as text, the way `orchestrator history` prints it and `--grep` matches it:
 * "2026-12-01T09:32:10Z approve by Telegram 123 @ana: Executing Task 3/5: …" (UTC, to the
 * second; " (refused)" after a command the machine refused).
 */
export function formatHistoryLine(entry: HistoryEntry): string {
  const by = entry.by ? ` by ${entry.by}` : "";
  const refused = entry.kind === "command" && !entry.ok ? " (refused)" : "";
  const message = entry.message.replace(/\s*\n\s*/g, " ");
  return `${shortTs(entry.ts)} ${entry.event}${by}${refused}: ${message}`;
}

/** "2026-12-01T09:32:10.000Z" -> "2026-12-01T09:32:10Z". */
export function shortTs(ts: string): string {
  return ts.replace(/\.\d{3}Z$/, "Z");
}
