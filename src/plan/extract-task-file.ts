// A line scanner rather than a markdown library (none is a dependency): it needs only fences and
// task headings, recognised exactly as our task parser recognises them (markdown-syntax.ts).
import { fenceMarker, matchTaskHeading } from "../core/task-file/markdown-syntax.js";

/**
 * The task file in Claude's answer: the first ```markdown / ```md / bare ``` fenced block that
 * holds a `## Task` heading, else the text from the first `## Task` heading outside a fence on;
 * null when there is none. What it returns is not checked here (our parser does that next).
 *
 * Code blocks inside the task file (a ```sh under Verify, samples in an instruction) are
 * followed: a fence with an info string opens an inner block, and the next bare fence closes
 * it rather than the outer one. A bare inner block can still end the outer one early; when
 * `## Task` headings follow such an end, the outer block is taken to the last closing fence
 * after them (the answer is meant to be one block, so a cut there would lose tasks).
 */
export function extractTaskFile(answer: string): string | null {
  const lines = answer.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const isHeading = (line: string) => matchTaskHeading(line.trimEnd()) !== null;
  let firstHeadingOutside: number | null = null;

  for (let i = 0; i < lines.length; i++) {
    const open = openingFence(lines[i] ?? "");
    if (!open) {
      if (firstHeadingOutside === null && isHeading(lines[i] ?? "")) firstHeadingOutside = i;
      continue;
    }
    const end = closingLine(lines, i + 1, open.marker);
    const body = lines.slice(i + 1, end ?? lines.length);
    if (open.markdown && body.some(isHeading)) {
      // Headings after the close: a bare inner fence ended the block early; take it to the last close.
      const rest = end === null ? [] : lines.slice(end + 1);
      const lastHeading = rest.findLastIndex(isHeading);
      if (end !== null && lastHeading >= 0) {
        const after = end + 1 + lastHeading;
        const lastClose = findLastClose(lines, after + 1, open.marker);
        return finish(lines.slice(i + 1, lastClose ?? lines.length));
      }
      return finish(body);
    }
    if (end === null) break; // an unclosed block runs to the end: nothing after it is outside
    i = end;
  }
  return firstHeadingOutside === null ? null : finish(lines.slice(firstHeadingOutside));
}

/** A line opening a fenced block: its marker, and whether the block may be the task file (markdown, md or no language). */
function openingFence(line: string): { marker: string; markdown: boolean } | null {
  const marker = fenceMarker(line);
  if (!marker) return null;
  const info = line.trim().slice(marker.length).trim().toLowerCase();
  return { marker, markdown: info === "" || info === "markdown" || info === "md" };
}

/** A line that closes a block opened with `marker`: the same character, at least as many, nothing after. */
function closes(line: string, marker: string): boolean {
  const m = fenceMarker(line);
  return m !== null && m[0] === marker[0] && m.length >= marker.length && line.trim() === m;
}

/** The index of the line closing the block whose body starts at `from`, inner blocks followed; null when it never closes. */
function closingLine(lines: readonly string[], from: number, marker: string): number | null {
  let inner: string | null = null;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (inner) {
      if (closes(line, inner)) inner = null;
      continue;
    }
    if (closes(line, marker)) return i;
    const m = fenceMarker(line);
    // An inner block: opened with a language (```sh), or with a marker too short to close ours.
    if (m && (line.trim() !== m || m[0] !== marker[0] || m.length < marker.length)) inner = m;
  }
  return null;
}

/** The last line at or after `from` that would close a block opened with `marker`, or null. */
function findLastClose(lines: readonly string[], from: number, marker: string): number | null {
  for (let i = lines.length - 1; i >= from; i--) if (closes(lines[i] ?? "", marker)) return i;
  return null;
}

/** The lines as a file: trailing blank lines dropped, one newline at the end. */
function finish(lines: readonly string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && (kept[kept.length - 1] ?? "").trim() === "") kept.pop();
  return `${kept.join("\n")}\n`;
}
