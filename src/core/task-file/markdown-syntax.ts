/**
 * Line-level recognisers for the markdown task format. Each takes one line with trailing
 * spaces already removed and says what it is; parse-markdown-tasks.ts decides what it means.
 */

export type TaskHeading =
  | { ok: true; id: number; title: string }
  /** A `## Task` heading we cannot use. `id` is kept when known so duplicates are still caught. */
  | { ok: false; id: number | null; problem: string };

export type FieldKey =
  | "type"
  | "priority"
  | "requires_approval"
  | "description"
  | "acceptance_criteria"
  | "instruction"
  | "verify"
  | "deliverables";

/** Field names as written (lower-cased, spaces collapsed). Plural/short spellings of the instruction
 *  are accepted because a typo there would otherwise silently drop the task's main text. */
const FIELD_NAMES: ReadonlyMap<string, FieldKey> = new Map([
  ["type", "type"],
  ["priority", "priority"],
  ["requires approval", "requires_approval"],
  ["description", "description"],
  ["acceptance criteria", "acceptance_criteria"],
  ["claude instruction", "instruction"],
  ["claude instructions", "instruction"],
  ["instruction", "instruction"],
  ["instructions", "instruction"],
  ["verify", "verify"],
  ["verification", "verify"],
  ["verify command", "verify"],
  ["verify commands", "verify"],
  ["verify command(s)", "verify"],
  ["deliverables", "deliverables"],
  ["deliverable", "deliverables"],
]);

/** How each field is written in messages, so people can search their file for it. */
export const FIELD_LABELS: Readonly<Record<FieldKey, string>> = {
  type: "**Type:**",
  priority: "**Priority:**",
  requires_approval: "**Requires Approval:**",
  description: "**Description:**",
  acceptance_criteria: "**Acceptance Criteria:**",
  instruction: "**Claude Instruction:**",
  verify: "**Verify:**",
  deliverables: "**Deliverables:**",
};

// `\b` keeps "## Tasks for today" from counting as a task heading; exactly two #s, so
// "### Task" sub-headings inside an instruction are left alone.
const TASK_HEADING = /^##[ \t]+task\b(.*)$/i;
const HEADING_NUMBER = /^\s*(\d+)(.*)$/;
// "3: Title", "3 - Title", "3. Title", "3 — Title" or just "3 Title".
const NUMBER_SEPARATOR = /^\s*(?:[:.\-–—]|(?=\s)|$)/;
const CLOSING_HASHES = /\s+#+$/;

export function matchTaskHeading(line: string): TaskHeading | null {
  const heading = TASK_HEADING.exec(line);
  if (!heading) return null;
  const rest = heading[1].replace(CLOSING_HASHES, "");
  const numbered = HEADING_NUMBER.exec(rest);
  if (!numbered) {
    return { ok: false, id: null, problem: "task heading has no number; write it as '## Task 1: Title'" };
  }
  const separator = NUMBER_SEPARATOR.exec(numbered[2]);
  if (!separator) {
    return { ok: false, id: null, problem: "task number must be a whole number; write it as '## Task 1: Title'" };
  }
  const id = Number(numbered[1]);
  if (id < 1 || !Number.isSafeInteger(id)) {
    return { ok: false, id: null, problem: `task number must be a positive integer, got ${numbered[1]}` };
  }
  const title = numbered[2].slice(separator[0].length).trim();
  if (title === "") {
    return { ok: false, id, problem: `task ${id} has no title; write it as '## Task ${id}: Title'` };
  }
  return { ok: true, id, title };
}

// `**Name:** value` or `**Name**: value`. The name may not hold `*` or `:`, so ordinary bold
// prose such as "**Bold** text: more" is not taken for a field.
const FIELD = /^\s*\*\*\s*([^*:]+?)\s*(?::\s*\*\*|\*\*\s*:)(.*)$/;

/** A bold `Name:` line. `key` is null for names we do not know (the caller keeps those as text). */
export function matchField(line: string): { key: FieldKey | null; value: string } | null {
  const field = FIELD.exec(line);
  if (!field) return null;
  const name = field[1].toLowerCase().replace(/[\s_]+/g, " ");
  return { key: FIELD_NAMES.get(name) ?? null, value: field[2].trim() };
}

/** `---` (or longer) on its own line: the optional separator between tasks. */
export function isSeparator(line: string): boolean {
  return /^\s*-{3,}\s*$/.test(line);
}

/** The text of a `- `, `* `, `+ `, `1. ` or `1) ` list item, or null for any other line. */
export function listItemText(line: string): string | null {
  const item = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
  return item ? item[1].trim() : null;
}

/** The marker (``` or ~~~) when the line opens or closes a fenced code block. */
export function fenceMarker(line: string): string | null {
  const fence = /^\s*(`{3,}|~{3,})/.exec(line);
  return fence ? fence[1] : null;
}

/** Whether `line` closes the code block `opened` started: the same character, at least as many. */
export function closesFence(line: string, opened: string): boolean {
  const marker = fenceMarker(line);
  return marker !== null && marker[0] === opened[0] && marker.length >= opened.length;
}

/**
 * The text inside an item written as one inline code span (`` `npm test` ``, ``` ``a `b` c`` ```),
 * else the item as it is. A backtick run as long as the delimiters inside would end the span
 * early, so such an item is left alone (and fails where it is used, visibly).
 */
export function unwrapCodeSpan(text: string): string {
  const open = /^`+/.exec(text)?.[0];
  if (open === undefined || text.length <= open.length * 2 || !text.endsWith(open)) return text;
  const inner = text.slice(open.length, -open.length);
  if (inner.startsWith("`") || inner.endsWith("`")) return text;
  if ((inner.match(/`+/g) ?? []).some((run) => run.length === open.length)) return text;
  return inner.trim();
}
