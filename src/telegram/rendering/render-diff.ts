/**
 * The /diff reply (and the 🔍 Diff button's), from Control's DiffData. Pure.
 *
 * A short diff is shown in the chat: the summary line, then the unified diff in a <pre> block,
 * HTML-escaped. One that would not fit in one message (INLINE_MAX characters of HTML, leaving room
 * below Telegram's 4096) is sent as a document `task-<N>.diff`, the summary as its caption: a
 * diff split over several messages cannot be read, a file opens in any editor. A task that changed
 * nothing gets Control's message ("Task 2: …: no files changed").
 */
import type { ControlResult, DiffData } from "../../control/control-types.js";
import { bold, escapeHtml, italic, truncate } from "./html.js";
import type { Reply } from "./render-reply.js";

/** The longest diff message sent inline, in characters of HTML (escaping included). */
export const INLINE_MAX = 3500;

/** Telegram allows 1024 characters of caption (visible text); the summary is cut to fit under it. */
const CAPTION_SUMMARY_MAX = 800;

export function renderDiff(result: ControlResult): Reply {
  const d = result.data as unknown as DiffData;
  if (!d.diff || d.diff.trim() === "" || d.files.length === 0) return { kind: "text", html: `🔍 ${escapeHtml(result.message)}` };
  const heading = `🔍 ${bold(`Task ${d.task}: ${truncate(d.title, 120)}`)}`;
  const inline = `${heading}\n${escapeHtml(d.summary)}\n\n<pre>${escapeHtml(d.diff.replace(/\n$/, ""))}</pre>`;
  if (inline.length <= INLINE_MAX) return { kind: "text", html: inline };
  const cut = d.truncated ? "\nThe diff is cut at 1 MB; the file says how to see it whole." : "";
  const caption = `${heading}\n${escapeHtml(truncate(d.summary, CAPTION_SUMMARY_MAX))}\n${italic(`The whole diff is in the file.${cut}`)}`;
  return { kind: "document", filename: `task-${d.task}.diff`, content: d.diff, caption };
}
