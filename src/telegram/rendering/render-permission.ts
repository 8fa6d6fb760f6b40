/**
 * The messages of Claude's permission requests and questions. Pure: the state and the request's
 * record in, HTML and buttons out, every dynamic value escaped.
 *
 * A tool request: "🔐 Task 2/5 wants to run Bash", the task's title, then what exactly: a Bash
 * command in <pre>; for Write / Edit / MultiEdit / NotebookEdit the file and a preview of the
 * change ("- " old lines, "+ " new ones), bounded (PREVIEW_HTML_MAX, PREVIEW_LINES) with the
 * whole change as a document when cut; for any other tool its input as compact JSON, bounded. The
 * CLI's own description and blocked path follow when it gave them. Buttons: Allow, Deny, Always
 * (the rule it adds), Stop task; a reply to the message denies with the reply as the note.
 *
 * A question: its text and options (the options are the buttons; several questions or a
 * multi-select one collect picks, marked ✅, and are sent with Done); a reply answers in words.
 *
 * Once answered or expired the message is the same without buttons, with who answered what and
 * when, or why it expired.
 */
import path from "node:path";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { taskLabel } from "../../core/describe.js";
import { alwaysRuleOf, ruleText, type PermissionRecord } from "../../core/permission.js";
import type { SessionState } from "../../core/state.js";
import { needsDone, questionsOf, type Selection } from "../permissions/ask-user-question.js";
import { encodePermission, encodeQuestionDone, encodeQuestionOption, encodeRevoke, permissionRef, type PermissionRef } from "../callback-data.js";
import { bold, code, escapeHtml, italic, truncate } from "./html.js";
import { clockTime, taskLines } from "./render-parts.js";

/** Longest <pre> block of a request, in characters of HTML (escaping included): room is left below Telegram's 4096. */
export const PREVIEW_HTML_MAX = 2000;
/** Lines of a change shown in the message; the whole change goes as a document past this. */
export const PREVIEW_LINES = 40;
/** Characters of a button's label (Telegram shows about 30 on a phone anyway). */
const LABEL_MAX = 48;

const FILE_TOOLS: ReadonlySet<string> = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit"]);

export interface PermissionMessage {
  html: string;
  keyboard: InlineKeyboardMarkup | null;
  /** The whole change, when the message shows only its start. */
  document: { filename: string; content: string; caption: string } | null;
}

const REPLY_TO_DENY = "Reply to this message to deny with a note.";
const REPLY_TO_ANSWER = "Tap an option, or reply to this message to answer in your own words.";

/** The message asking a person, with its buttons. `selection`: a question's picks so far. */
export function renderPermissionRequest(state: SessionState, record: PermissionRecord, selection: Selection = {}): PermissionMessage {
  const ref = permissionRef(record.id);
  if (record.kind === "question") {
    return { html: [...questionLines(state, record), "", italic(REPLY_TO_ANSWER)].join("\n"), keyboard: ref ? questionKeyboard(record, ref, selection) : null, document: null };
  }
  const { lines, document } = toolLines(state, record);
  return { html: [...lines, "", italic(REPLY_TO_DENY)].join("\n"), keyboard: ref ? permissionKeyboard(ref, ruleText(alwaysRuleOf(record))) : null, document };
}

/** The message once the request is answered or expired: no buttons, the outcome last. */
export function renderPermissionSettled(state: SessionState, record: PermissionRecord): string {
  const lines = record.kind === "question" ? questionLines(state, record) : toolLines(state, record).lines;
  return [...lines, "", outcomeLine(record)].join("\n");
}

/** The halfway reminder (a new message, so the phone buzzes), sent as a reply to the request. */
export function renderPermissionReminder(state: SessionState, record: PermissionRecord, coreMessage: string | null): string {
  const what = record.kind === "question" ? `${taskLabel(state, record.index)}: Claude still waits for an answer` : `${taskLabel(state, record.index)} still wants to run ${record.tool}`;
  const lines = [`⏰ ${bold(what)}`];
  if (coreMessage) lines.push(escapeHtml(truncate(coreMessage.replace(/^⏰\s*/, ""), 600)));
  lines.push("", "Answer with the buttons of the message above, or send /permissions.");
  return lines.join("\n");
}

/** Who answered what and when, or why it expired. */
export function outcomeLine(record: PermissionRecord): string {
  const by = record.answered_by ?? "someone";
  const when = record.answered_at ? ` at ${clockTime(record.answered_at)}` : "";
  switch (record.status) {
    case "pending":
      return italic("Waiting for an answer.");
    case "allowed":
      return `✅ ${italic(`Allowed by ${by}${when}`)}`;
    case "always":
      return `✅ ${italic(`Always allowed by ${by}${when}: ${record.message ?? ruleText(alwaysRuleOf(record))} from now on in this session`)}`;
    case "denied": {
      const note = record.message && record.message !== `${by} denied this.` ? `: “${truncate(record.message, 500)}”` : "";
      return `🚫 ${italic(`Denied by ${by}${when}${note}`)}`;
    }
    case "stopped":
      return `⏹ ${italic(`Denied and the task stopped by ${by}${when}`)}`;
    case "answered": {
      const answers = Object.entries(record.answers ?? {}).map(([q, a]) => `${truncate(q, 100)} → ${truncate(a, 300)}`);
      return `💬 ${italic(`Answered by ${by}${when}`)}${answers.length > 0 ? `\n${escapeHtml(answers.join("\n"))}` : ""}`;
    }
    case "expired":
      return `⌛ ${italic(`expired: ${record.message ?? "the request is over"}`)}`;
  }
}

/** Allow / Deny, Always (its rule), Stop task. */
export function permissionKeyboard(ref: PermissionRef, rule: string): InlineKeyboardMarkup {
  return {
    inline_keyboard: [
      [button("✅ Allow", encodePermission("allow", ref)), button("🚫 Deny", encodePermission("deny", ref))],
      [button(`♾️ Always: ${truncate(rule, LABEL_MAX - 10)}`, encodePermission("always", ref))],
      [button("⏹ Stop task", encodePermission("stop", ref))],
    ],
  };
}

/** One button per option (a row each; with several questions numbered), picks marked ✅, then Done when picks collect. */
export function questionKeyboard(record: PermissionRecord, ref: PermissionRef, selection: Selection): InlineKeyboardMarkup | null {
  const questions = questionsOf(record.input);
  const collect = needsDone(questions);
  const rows: InlineKeyboardButton[][] = [];
  for (const [q, question] of questions.entries()) {
    const picked = selection[String(q)] ?? [];
    for (const [o, option] of question.options.entries()) {
      const mark = picked.includes(o) ? "✅ " : collect && question.multiSelect ? "▫️ " : "";
      const number = questions.length > 1 ? `${q + 1}. ` : "";
      rows.push([button(`${mark}${number}${truncate(option.label, LABEL_MAX)}`, encodeQuestionOption(ref, q, o))]);
    }
  }
  if (collect && rows.length > 0) rows.push([button("✔️ Done", encodeQuestionDone(ref))]);
  return rows.length > 0 ? { inline_keyboard: rows } : null;
}

/** /permissions: the session's "always" rules, a Revoke button each. `session` is the session's tag. */
export function renderRules(rules: string[], session: string, pendingCount: number): { html: string; keyboard: InlineKeyboardMarkup | null } {
  const head = pendingCount === 0 ? ["🔐 No permission request is waiting.", ""] : [];
  if (rules.length === 0) return { html: [...head, italic('No "always" rules in this session.')].join("\n"), keyboard: null };
  const html = [...head, `♾️ ${bold("Always allowed in this session")}`, ...rules.map((r) => `• ${code(r)}`), "", italic("Revoke one to be asked again (a run already going keeps it until it ends).")].join("\n");
  return { html, keyboard: { inline_keyboard: rules.map((r) => [button(`✖️ Revoke ${truncate(r, LABEL_MAX - 10)}`, encodeRevoke(session, r))]) } };
}

function button(text: string, data: string): InlineKeyboardButton.CallbackButton {
  return { text, callback_data: data };
}

function questionLines(state: SessionState, record: PermissionRecord): string[] {
  const lines = [`❓ ${bold(`${taskLabel(state, record.index)}: Claude asks`)}`, ...taskLines(state, record.index).slice(0, 1)];
  const questions = questionsOf(record.input);
  if (questions.length === 0) lines.push("", code(truncate(JSON.stringify(record.input), 1000)));
  for (const [q, question] of questions.entries()) {
    const number = questions.length > 1 ? `${q + 1}. ` : "";
    lines.push("", `${number}${bold(truncate(question.question, 500))}${question.header ? ` ${italic(`(${truncate(question.header, 60)})`)}` : ""}`);
    for (const option of question.options) lines.push(`• ${escapeHtml(truncate(option.label, 100))}${option.description ? `: ${escapeHtml(truncate(option.description, 200))}` : ""}`);
    if (question.multiSelect) lines.push(italic("Pick any, then Done."));
  }
  return lines;
}

function toolLines(state: SessionState, record: PermissionRecord): { lines: string[]; document: PermissionMessage["document"] } {
  const lines = [`🔐 ${bold(`${taskLabel(state, record.index)} wants to run ${record.tool}`)}`, ...taskLines(state, record.index).slice(0, 1), ""];
  const input = record.input;
  let document: PermissionMessage["document"] = null;
  const str = (k: string): string | null => (typeof input[k] === "string" ? (input[k] as string) : null);
  const command = record.tool === "Bash" ? str("command") : null;
  if (command !== null) {
    const shown = boundedPre(command, PREVIEW_HTML_MAX, PREVIEW_LINES);
    lines.push(shown.html);
    if (shown.cut) document = { filename: "command.sh", content: `${command}\n`, caption: `🔐 ${escapeHtml(`${taskLabel(state, record.index)}: the whole command`)}` };
  } else if (FILE_TOOLS.has(record.tool) && (str("file_path") ?? str("notebook_path")) !== null) {
    const file = (str("file_path") ?? str("notebook_path")) as string;
    const change = changeText(record.tool, input);
    lines.push(`📄 ${code(truncate(file, 300))}${input.replace_all === true ? ` ${italic("(every occurrence)")}` : ""}`);
    if (change !== "") {
      const shown = boundedPre(change, PREVIEW_HTML_MAX, PREVIEW_LINES);
      lines.push(shown.html);
      if (shown.cut) {
        lines.push(italic("The whole change is in the file below."));
        document = { filename: `${path.basename(file) || "change"}.diff`, content: `--- ${file}\n+++ ${file}\n${change}\n`, caption: `🔐 ${escapeHtml(`${taskLabel(state, record.index)}: the whole change to ${truncate(file, 300)}`)}` };
      }
    }
  } else {
    lines.push(boundedPre(JSON.stringify(input), PREVIEW_HTML_MAX, PREVIEW_LINES).html);
  }
  const description = record.description ?? (record.tool === "Bash" ? str("description") : null);
  if (description) lines.push(`💬 ${italic(truncate(description, 300))}`);
  if (record.blocked_path) lines.push(`🚧 Outside the allowed folders: ${code(truncate(record.blocked_path, 300))}`);
  return { lines, document };
}

/** What a file tool would change, as diff-like lines: "- " what goes, "+ " what comes. */
function changeText(tool: string, input: Record<string, unknown>): string {
  const lines = (prefix: string, v: unknown) => (typeof v === "string" && v !== "" ? v.replace(/\n$/, "").split("\n").map((l) => `${prefix}${l}`) : []);
  if (tool === "Write") return lines("+ ", input.content).join("\n");
  if (tool === "NotebookEdit") return lines("+ ", input.new_source).join("\n");
  if (tool === "Edit") return [...lines("- ", input.old_string), ...lines("+ ", input.new_string)].join("\n");
  const edits = Array.isArray(input.edits) ? (input.edits as Record<string, unknown>[]) : [];
  return edits.flatMap((e, i) => [...(edits.length > 1 ? [`@@ edit ${i + 1} of ${edits.length} @@`] : []), ...lines("- ", e?.old_string), ...lines("+ ", e?.new_string)]).join("\n");
}

/**
 * `text` in a <pre> block of at most `maxHtml` characters of HTML and `maxLines` lines; `cut`
 * when some was left out (a line says how much). Bounded after escaping: "&" takes five.
 */
export function boundedPre(text: string, maxHtml: number, maxLines: number): { html: string; cut: boolean } {
  const all = text.split("\n");
  const kept: string[] = [];
  let size = 0;
  const room = maxHtml - 80; // the tags and the "… more" line
  for (const line of all.slice(0, maxLines)) {
    const html = escapeHtml(line);
    if (size + html.length + 1 > room) {
      if (kept.length === 0) kept.push(escapeHtml(cutTo(line, room)));
      break;
    }
    kept.push(html);
    size += html.length + 1;
  }
  const wholeLines = kept.length === all.length && kept.at(-1) === escapeHtml(all.at(-1) ?? "");
  if (wholeLines) return { html: `<pre>${kept.join("\n")}</pre>`, cut: false };
  const more = all.length - kept.length;
  return { html: `<pre>${kept.join("\n")}\n… ${more > 0 ? `${more} more line${more === 1 ? "" : "s"}` : "cut"}</pre>`, cut: true };
}

/** The start of `line` whose escaped form fits in `max` characters. */
function cutTo(line: string, max: number): string {
  let out = "";
  let size = 0;
  for (const ch of line) {
    const w = escapeHtml(ch).length;
    if (size + w > max - 1) break;
    out += ch;
    size += w;
  }
  return `${out}…`;
}
