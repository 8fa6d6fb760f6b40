import type { ParseResult, TaskDefinition, TaskFileIssue } from "../task.js";
import { APPROVAL_HINT, parseApprovalValue } from "./approval-value.js";
import { commandLines } from "./command-lines.js";
import {
  closesFence,
  FIELD_LABELS,
  fenceMarker,
  isSeparator,
  listItemText,
  matchField,
  matchTaskHeading,
  unwrapCodeSpan,
  type FieldKey,
} from "./markdown-syntax.js";
import { dollarsOf, matchMaxCostField, maxCostProblem } from "./max-cost.js";

/**
 * Parses the markdown task format (design "Task File Format"):
 *
 *   # Tasks - 2025-11-20            (optional; anything before the first task is ignored,
 *   **Max Cost USD:** 25             but this line: the file's spend cap, optional)
 *   ## Task 1: Title
 *   **Type:** database
 *   **Requires Approval:** true
 *   **Description:** ...
 *   **Acceptance Criteria:**
 *   - item
 *   **Deliverables:** a/path.ts      (one on the line, and/or `- path` items below)
 *   **Verify:** `npm test`           (one on the line, and/or `- command` items or a ``` block)
 *   **Claude Instruction:**
 *   several lines...
 *   ---
 *
 * Tolerant about layout (CRLF, BOM, trailing spaces, field order and case), strict about
 * meaning: every problem is collected with its line so a person can fix the file in one pass.
 * Pure: the caller reads the file.
 */
export function parseMarkdownTasks(text: string, file: string): ParseResult {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).map((line) => line.trimEnd());
  const issues: TaskFileIssue[] = [];
  const report = (line: number, message: string): void => {
    issues.push({ file, line, message });
  };

  const drafts: Draft[] = [];
  const firstLineOfId = new Map<number, number>();
  let draft: Draft | null = null;
  let block: Block | null = null;
  let fence: { marker: string; line: number } | null = null;
  let maxCost: { usd: number | null; line: number } | null = null;

  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    // Inside a fenced code block every line is the field's text (or, under Verify, a command):
    // Claude instructions often hold code or markdown samples whose `---` or `**Note:**` lines
    // must not end the field.
    if (fence && block) {
      block.add(line, lineNo);
      if (closesFence(line, fence.marker)) fence = null;
      continue;
    }

    const heading = matchTaskHeading(line);
    if (heading) {
      block = null;
      draft = newDraft(lineNo, heading.ok ? heading.title : "", heading.id, heading.ok);
      drafts.push(draft);
      if (!heading.ok) report(lineNo, heading.problem);
      if (heading.id !== null) {
        const first = firstLineOfId.get(heading.id);
        if (first !== undefined) {
          report(lineNo, `duplicate task number ${heading.id} (first used at line ${first}); give each task its own number`);
        } else {
          firstLineOfId.set(heading.id, lineNo);
        }
      }
      continue;
    }
    // Before the first task: the file title and any notes. Not tasks, so not checked, except
    // the file's own spend cap (the YAML format's max_cost_usd).
    if (!draft) {
      const cap = matchMaxCostField(line);
      if (!cap) continue;
      const usd = dollarsOf(cap.value);
      if (maxCost) report(lineNo, `**Max Cost USD:** is given twice (first at line ${maxCost.line}); keep one`);
      else if (usd === "invalid" || usd === null) report(lineNo, maxCostProblem("**Max Cost USD:**", cap.value));
      maxCost ??= { usd: usd === "invalid" ? null : usd, line: lineNo };
      continue;
    }

    if (isSeparator(line)) {
      block = null;
      continue;
    }

    const field = matchField(line);
    // Unknown bold labels ("**Note:**", "**Files:**") are kept as text of the current field
    // instead of failing: people write them inside instructions as ordinary emphasis, and the
    // text still reaches Claude.
    if (field && field.key) {
      block = applyField(draft, field.key, field.value, lineNo, report);
      continue;
    }

    if (block) {
      block.add(line, lineNo);
      const marker = fenceMarker(line);
      if (marker && block.fenced) fence = { marker, line: lineNo };
    }
    // Other text outside any field (a stray paragraph under the heading) is ignored: the fields
    // are the contract, and a task missing its instruction is reported below.
  }

  if (fence) {
    report(fence.line, `code block opened with ${fence.marker} is never closed; close it so the rest of the file is read`);
  }
  if (drafts.length === 0) {
    report(1, "no tasks found; start each task with a heading like '## Task 1: Title'");
  }

  const tasks: TaskDefinition[] = [];
  for (const d of drafts) {
    const task = finishDraft(d);
    // A broken heading is already reported; a second message about the same task is noise.
    if (d.id !== null && d.headingOk && task.description === "" && task.instruction === "") {
      report(d.line, `task ${d.id} has neither ${FIELD_LABELS.instruction} nor ${FIELD_LABELS.description}; add one so Claude knows what to do`);
    }
    tasks.push(task);
  }

  if (issues.length > 0) {
    // Stable sort: problems found at the end of a task (missing instruction) go back to file order.
    return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };
  }
  return maxCost?.usd != null ? { ok: true, tasks, max_cost_usd: maxCost.usd } : { ok: true, tasks };
}

/** The lines following a field that belong to it (until the next field, `---` or task). */
interface Block {
  add(line: string, lineNo: number): void;
  /** Whether ``` fences are tracked: in free text, where code samples appear, and under Verify. */
  readonly fenced: boolean;
}

interface Draft {
  line: number;
  id: number | null;
  title: string;
  headingOk: boolean;
  /** Line of each field seen, to report a field given twice. */
  seen: Map<FieldKey, number>;
  type: string | null;
  priority: string | null;
  requiresApproval: boolean;
  description: string[];
  criteria: string[];
  instruction: string[];
  verify: string[];
  deliverables: string[];
}

function newDraft(line: number, title: string, id: number | null, headingOk: boolean): Draft {
  return {
    line,
    id,
    title,
    headingOk,
    seen: new Map(),
    type: null,
    priority: null,
    requiresApproval: false,
    description: [],
    criteria: [],
    instruction: [],
    verify: [],
    deliverables: [],
  };
}

/** Records one field line and returns the block that collects its following lines, if any. */
function applyField(
  draft: Draft,
  key: FieldKey,
  value: string,
  lineNo: number,
  report: (line: number, message: string) => void,
): Block | null {
  const first = draft.seen.get(key);
  if (first !== undefined) {
    report(lineNo, `${FIELD_LABELS[key]} given twice in this task (first at line ${first}); keep one`);
  }
  draft.seen.set(key, lineNo);

  switch (key) {
    case "type":
      draft.type = value === "" ? null : value.toLowerCase();
      return null;
    case "priority":
      draft.priority = value === "" ? null : value;
      return null;
    case "requires_approval": {
      const flag = parseApprovalValue(value);
      if (flag === null) report(lineNo, `${FIELD_LABELS.requires_approval} "${value}" is not a yes/no value; ${APPROVAL_HINT}`);
      draft.requiresApproval = flag ?? false;
      return null;
    }
    case "description":
      draft.description = [value];
      return textBlock(draft.description);
    case "instruction":
      draft.instruction = [value];
      return textBlock(draft.instruction);
    case "acceptance_criteria":
      draft.criteria = [];
      return listBlock(draft.criteria, value);
    case "verify":
      draft.verify = [];
      return itemBlock(draft.verify, value, { label: FIELD_LABELS.verify, item: "command", codeBlocks: true }, report);
    case "deliverables":
      draft.deliverables = [];
      return itemBlock(draft.deliverables, value, { label: FIELD_LABELS.deliverables, item: "path", codeBlocks: false }, report);
  }
}

function textBlock(lines: string[]): Block {
  return { fenced: true, add: (line) => lines.push(line) };
}

/**
 * List items become criteria. A non-item line continues the previous item (a wrapped line);
 * before any item it starts one, so `**Acceptance Criteria:** tests pass` also works.
 */
function listBlock(items: string[], sameLineValue: string): Block {
  const add = (line: string): void => {
    if (line.trim() === "") return;
    const item = listItemText(line);
    if (item !== null) items.push(item);
    else if (items.length > 0) items[items.length - 1] = `${items[items.length - 1]} ${line.trim()}`;
    else items.push(line.trim());
  };
  add(sameLineValue);
  return { fenced: false, add };
}

interface ItemKind {
  label: string;
  /** What one item is, for the message: "command", "path". */
  item: string;
  /** Whether a ``` block gives items too, one per line (Verify's commands). */
  codeBlocks: boolean;
}

/**
 * One item per `- ` line (and the field line's own value), each unwrapped from `` `backticks` ``;
 * with `codeBlocks`, each line of a ``` block too. Unlike criteria, a line that is neither is an
 * error, not a wrapped item: a command or path that took in a line of prose would run or be
 * checked as something nobody wrote.
 */
function itemBlock(items: string[], sameLineValue: string, kind: ItemKind, report: (line: number, message: string) => void): Block {
  const push = (text: string): void => {
    const item = unwrapCodeSpan(text.trim());
    if (item !== "") items.push(item);
  };
  push(sameLineValue);
  let code: { marker: string; lines: string[] } | null = null;
  const add = (line: string, lineNo: number): void => {
    if (code) {
      if (!closesFence(line, code.marker)) code.lines.push(line);
      else {
        items.push(...commandLines(code.lines.join("\n")));
        code = null;
      }
      return;
    }
    // A blank line, or an empty item ("-" alone, a template's placeholder), adds nothing.
    if (line.trim() === "" || /^\s*(?:[-*+]|\d+[.)])$/.test(line)) return;
    const marker = kind.codeBlocks ? fenceMarker(line) : null;
    if (marker) {
      code = { marker, lines: [] };
      return;
    }
    const item = listItemText(line);
    if (item !== null) {
      push(item);
      return;
    }
    const or = kind.codeBlocks ? " or a ``` code block" : "";
    report(
      lineNo,
      `${JSON.stringify(shorten(line.trim()))} under ${kind.label} is not a "- " item${or}; ` +
        `write one ${kind.item} per "- " line, and other text under ${FIELD_LABELS.instruction}`,
    );
  };
  return { fenced: kind.codeBlocks, add };
}

/** A line quoted in a message: at most 60 characters. */
function shorten(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}

function finishDraft(draft: Draft): TaskDefinition {
  return {
    // Only drafts with a good heading (so a number) are ever returned: any issue fails the file.
    id: draft.id ?? 0,
    title: draft.title,
    type: draft.type,
    priority: draft.priority,
    requires_approval: draft.requiresApproval,
    // Only the ends are trimmed: inner newlines and indentation are the author's formatting.
    description: draft.description.join("\n").trim(),
    acceptance_criteria: draft.criteria.filter((item) => item !== ""),
    instruction: draft.instruction.join("\n").trim(),
    context_files: [],
    deliverables: draft.deliverables,
    verify: draft.verify,
    line: draft.line,
  };
}
