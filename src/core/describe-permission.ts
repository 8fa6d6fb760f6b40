import type { PermissionAsk } from "./permission.js";

/** Longest input text in a one-line description; the full input is in the state and the message's body. */
const MAX = 200;

const cut = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX ? `${line.slice(0, MAX - 1)}…` : line;
};

/**
 * A request in one line, as the phone's first line and the logs show it: "Bash: npm test",
 * "Write: src/a.ts", "WebFetch: https://…", the question of an AskUserQuestion, or the tool name.
 */
export function describePermission(ask: Pick<PermissionAsk, "tool" | "input">): string {
  const input = ask.input;
  const str = (k: string): string | null => (typeof input[k] === "string" && (input[k] as string).trim() !== "" ? (input[k] as string) : null);
  if (ask.tool === "AskUserQuestion") {
    const questions = Array.isArray(input.questions) ? input.questions : [];
    const first = questions.find((q): q is { question: string } => typeof q === "object" && q !== null && typeof (q as { question?: unknown }).question === "string");
    return first ? cut(first.question) : "a question";
  }
  const value = str("command") ?? str("file_path") ?? str("notebook_path") ?? str("url") ?? str("pattern") ?? str("path") ?? str("query") ?? str("description");
  return value ? `${ask.tool}: ${cut(value)}` : ask.tool;
}
