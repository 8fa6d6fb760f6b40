/**
 * The text of a feedback file, feedback/<date>.md, in the Outward Sign seed's shape:
 *
 *     # Feedback - 2026-12-01
 *
 *     ## task-3: Add pagination
 *     Rating: 4/5
 *
 *     - Forgot the tests (Telegram 111 @ana, 18:42)
 *
 * One `## task-<id>: <title>` section per task, its `Rating:` line right under the heading, then
 * the notes, one line each, with who wrote it and when. Pure: text in, text out.
 *
 * The file is also a person's to edit (the seed has them write it by hand): whatever else it
 * holds (their own sections, "Action:" lines, notes without a dash) is kept as it is; an update
 * only replaces a section's Rating line and appends note lines to that section.
 */
import { parseRating, ratingText, type FeedbackRating } from "./feedback-rating.js";

/** One task's section as read back. */
export interface FeedbackSection {
  /** The heading's id as written ("task-3", "task-001"). */
  id: string;
  title: string;
  rating: FeedbackRating | null;
  /** The section's other non-blank lines, a leading "- " dropped. */
  notes: string[];
}

/** What one feedback adds to a task's section. */
export interface FeedbackChange {
  /** The file's date (YYYY-MM-DD), for the title of a new file. */
  date: string;
  /** The task's id in its task file (3, "task-001"). */
  taskId: number | string;
  title: string;
  /** Replaces the section's Rating line; null leaves it as it is. */
  rating: FeedbackRating | null;
  /** Appended as a line; null adds none. */
  note: string | null;
  /** Who gave it ("Telegram 111 @ana", "the CLI"), shown after the note. */
  by: string | null;
  /** "18:42": when, shown after the note. */
  time: string;
}

/** "task-3", "task-001": the heading id of a task id (an id that already reads "task-…" is kept). */
export function sectionId(taskId: number | string): string {
  const id = String(taskId).trim();
  return /^task-/i.test(id) ? id : `task-${id}`;
}

/** What two ids are compared by: "task-003", "task-3" and 3 are the same task; case does not count. */
export function sameTask(a: string, b: string): boolean {
  return idKey(a) === idKey(b);
}

function idKey(id: string): string {
  const bare = id.trim().toLowerCase().replace(/^task-/, "");
  return /^\d+$/.test(bare) ? String(Number(bare)) : bare;
}

/** The note as one line of the file: line breaks folded into spaces, who and when after it. */
export function noteLine(note: string, by: string | null, time: string): string {
  const text = note.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return `- ${text} (${by ? `${oneLine(by)}, ` : ""}${time})`;
}

/** The file's text with `change` applied; `text` null or empty makes a new file. */
export function applyFeedback(text: string | null, change: FeedbackChange): string {
  const lines = text && text.trim() !== "" ? splitLines(text) : [`# Feedback - ${change.date}`, ""];
  const sections = headings(lines);
  const own = sections.find((s) => s.taskId !== null && sameTask(s.taskId, sectionId(change.taskId)));
  const ratingLine = change.rating === null ? null : `Rating: ${ratingText(change.rating)}`;
  const note = change.note !== null && change.note.trim() !== "" ? noteLine(change.note, change.by, change.time) : null;
  if (own) {
    let end = own.end;
    if (ratingLine) {
      const at = findRatingLine(lines, own.start + 1, end);
      if (at !== null) lines[at] = ratingLine;
      else {
        lines.splice(own.start + 1, 0, ratingLine);
        end++;
      }
    }
    if (note) {
      let last = end - 1;
      while (last > own.start && (lines[last] ?? "").trim() === "") last--;
      // Right under the heading or the Rating line, a blank line first (the seed's shape).
      const afterHead = last === own.start || last === findRatingLine(lines, own.start + 1, end);
      lines.splice(last + 1, 0, ...(afterHead ? ["", note] : [note]));
    }
    return joinLines(lines);
  }
  const section = [`## ${sectionId(change.taskId)}: ${oneLine(change.title)}`, ...(ratingLine ? [ratingLine] : []), ...(note ? ["", note] : [])];
  // After the last task section; else before a person's own sections ("## Tomorrow's Adjustments"); else at the end.
  const tasks = sections.filter((s) => s.taskId !== null);
  const others = sections.filter((s) => s.taskId === null && s.level === 2);
  const at = tasks.length > 0 ? (tasks.at(-1) as Heading).end : others.length > 0 ? (others[0] as Heading).start : lines.length;
  let before = at;
  while (before > 0 && (lines[before - 1] ?? "").trim() === "") before--;
  const tail = lines.slice(at);
  const head = lines.slice(0, before);
  return joinLines([...head, ...(head.length > 0 ? [""] : []), ...section, ...(tail.length > 0 ? ["", ...dropLeadingBlank(tail)] : [])]);
}

/** The task sections of a feedback file (a person's other sections are left out). */
export function parseFeedback(text: string): FeedbackSection[] {
  const lines = splitLines(text);
  return headings(lines).flatMap((h): FeedbackSection[] => {
    if (h.taskId === null) return [];
    let rating: FeedbackRating | null = null;
    const notes: string[] = [];
    for (let i = h.start + 1; i < h.end; i++) {
      const line = (lines[i] ?? "").trim();
      if (line === "") continue;
      const r = /^rating\s*:\s*(.*)$/i.exec(line);
      if (r && rating === null) {
        rating = parseRating(r[1] ?? "");
        if (rating !== null) continue;
      }
      notes.push(line.replace(/^[-*]\s+/, ""));
    }
    return [{ id: h.taskId, title: h.title, rating, notes }];
  });
}

interface Heading {
  /** Line index of the heading. */
  start: number;
  /** Line index where the section ends (the next heading of level 1 or 2, or the end). */
  end: number;
  level: number;
  /** "task-3" for a task section, else null. */
  taskId: string | null;
  title: string;
}

/** The level-1 and level-2 headings outside code blocks, each with where its section ends. */
function headings(lines: string[]): Heading[] {
  const found: Omit<Heading, "end">[] = [];
  let fence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) return;
    const m = /^(#{1,2})\s+(.*?)\s*$/.exec(line);
    if (!m) return;
    const text = m[2] ?? "";
    const task = /^(task-[^\s:]+)\s*(?::\s*(.*))?$/i.exec(text);
    found.push({ start: i, level: (m[1] ?? "").length, taskId: task ? (task[1] ?? null) : null, title: task ? (task[2] ?? "").trim() : text });
  });
  return found.map((h, k) => ({ ...h, end: found[k + 1]?.start ?? lines.length }));
}

function findRatingLine(lines: string[], from: number, to: number): number | null {
  for (let i = from; i < to; i++) if (/^\s*rating\s*:/i.test(lines[i] ?? "")) return i;
  return null;
}

function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? "").trim() === "") end--;
  return `${lines.slice(0, end).join("\n")}\n`;
}

function dropLeadingBlank(lines: string[]): string[] {
  let i = 0;
  while (i < lines.length && (lines[i] ?? "").trim() === "") i++;
  return lines.slice(i);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
