import { load, YAMLException } from "js-yaml"; // by name: a default import of js-yaml 5 crashes at run time
import type { ParseResult, TaskDefinition, TaskFileIssue } from "../task.js";
import { APPROVAL_HINT, parseApprovalValue } from "./approval-value.js";
import { commandLines } from "./command-lines.js";
import { locateYamlTasks, type YamlTaskLines } from "./yaml-task-lines.js";
import { readYamlMaxCost } from "./max-cost.js";

/**
 * Parses the YAML task format (a top-level `tasks:` list of {id, name, description,
 * context_files, deliverables, verify, ...}) and the file's `max_cost_usd` (dollars > 0: the
 * session's spend cap). Other top-level keys (date, priority) and other task keys (module,
 * estimated_complexity) are informational and ignored.
 * Every problem is collected with its line. Pure: the caller reads the file.
 */
export function parseYamlTasks(text: string, file: string): ParseResult {
  const issues: TaskFileIssue[] = [];
  const report = (line: number, message: string): void => {
    issues.push({ file, line, message });
  };

  let doc: unknown;
  try {
    // js-yaml 5 throws on a file with no document (empty, or only comments); for a task file
    // that is "no tasks", reported below like any file without a `tasks:` list.
    doc = isEmptyYaml(text) ? undefined : load(text);
  } catch (err) {
    if (err instanceof YAMLException) {
      report(err.mark ? err.mark.line + 1 : 1, `YAML syntax error: ${err.reason}`);
    } else {
      report(1, `YAML could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { ok: false, issues };
  }

  const where = locateYamlTasks(text);
  const maxCost = readYamlMaxCost(isRecord(doc) ? doc : null, text, report);
  const list = isRecord(doc) ? doc.tasks : undefined;
  if (!Array.isArray(list)) {
    report(where.tasksLine, "no `tasks` list; the file needs a top-level `tasks:` list whose items have id, name and description");
    return { ok: false, issues };
  }
  if (list.length === 0) {
    report(where.tasksLine, "the `tasks` list is empty; add at least one task");
    return { ok: false, issues };
  }

  const tasks: TaskDefinition[] = [];
  const firstLineOfId = new Map<string, number>();
  list.forEach((raw, index) => {
    const task = readTask(raw, index, where, report);
    if (!task) return;
    // 1 and "1" would be the same task to a person reading logs, so they clash too.
    const key = String(task.id);
    const first = firstLineOfId.get(key);
    if (first !== undefined) {
      report(task.line, `duplicate task id "${key}" (first used at line ${first}); give each task its own id`);
    } else {
      firstLineOfId.set(key, task.line);
    }
    tasks.push(task);
  });

  return issues.length > 0 ? { ok: false, issues: issues.sort((a, b) => a.line - b.line) } : { ok: true, tasks, ...(maxCost !== null ? { max_cost_usd: maxCost } : {}) };
}

type Report = (line: number, message: string) => void;

/** One list item as a task, or null when it is unusable (every reason already reported). */
function readTask(raw: unknown, index: number, where: YamlTaskLines, report: Report): TaskDefinition | null {
  const line = where.itemLine(index);
  if (!isRecord(raw)) {
    report(line, `task #${index + 1} is not a mapping; give it id, name and description keys`);
    return null;
  }
  const label = labelOf(raw.id, index);
  const keyLine = (key: string): number => where.keyLine(index, key);
  const text = (key: string): string | null => readText(raw[key], `${label}: \`${key}\``, keyLine(key), report);
  const list = (key: string): string[] => readList(raw[key], `${label}: \`${key}\``, keyLine(key), report);

  const id = readId(raw.id, label, line, report);
  const title = text("name");
  if (title === null || title === "") report(line, `${label} has no \`name\`; add a short title`);
  const description = text("description") ?? "";
  const instruction = text("instruction") ?? "";
  // A description of the wrong kind is already reported; "neither" would repeat it.
  const wrongKind = isStructured(raw.description) || isStructured(raw.instruction);
  if (description === "" && instruction === "" && !wrongKind) {
    report(line, `${label} has neither \`description\` nor \`instruction\`; add one so Claude knows what to do`);
  }
  const type = text("type");
  const priority = text("priority");
  const requiresApproval = readApproval(raw.requires_approval, label, keyLine("requires_approval"), report);
  const task: TaskDefinition = {
    id: id ?? "", // unused: an id-less task is dropped below
    title: title ?? "",
    type: type ? type.toLowerCase() : null,
    priority: priority || null,
    requires_approval: requiresApproval,
    description,
    acceptance_criteria: list("acceptance_criteria"),
    // "" means "use the description": the prompt builder falls back to it.
    instruction,
    context_files: list("context_files"),
    deliverables: list("deliverables"),
    verify: readCommands(
      raw.verify,
      `${label}: \`verify\``,
      { key: keyLine("verify"), entry: (entry) => where.entryLine(index, "verify", entry) },
      report,
    ),
    line,
  };
  // Other problems are already reported and fail the whole file; a task without an id is
  // dropped only because it cannot take part in the duplicate check.
  return id === null ? null : task;
}

function labelOf(id: unknown, index: number): string {
  return typeof id === "string" || typeof id === "number" ? `task "${id}"` : `task #${index + 1}`;
}

function readId(value: unknown, label: string, line: number, report: Report): string | number | null {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
    report(line, `${label} has no \`id\`; give each task a unique id such as task-001`);
    return null;
  }
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return value;
  report(line, `${label}: \`id\` must be text or a number`);
  return null;
}

/** Text, trimmed; numbers and booleans are accepted as written. null when absent. */
function readText(value: unknown, what: string, line: number, report: Report): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  report(line, `${what} must be text, not a list or mapping`);
  return null;
}

/** A list of text items; a single text value counts as a one-item list. */
function readList(value: unknown, what: string, line: number, report: Report): string[] {
  if (value === undefined || value === null) return [];
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const texts: string[] = [];
  for (const item of items) {
    if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
      const textItem = String(item).trim();
      if (textItem !== "") texts.push(textItem);
    } else {
      report(line, `${what} must be a list of text items`);
      return [];
    }
  }
  return texts;
}

/**
 * `verify`: one command (a string) or a list of them. A multi-line string (`verify: |`) is one
 * command per line, like a ``` block under **Verify:**. Only text counts: `- true` or `- 42` is
 * a YAML boolean or number, not the command someone meant, so it is an error at its own line.
 */
function readCommands(value: unknown, what: string, lines: { key: number; entry(entry: number): number }, report: Report): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return commandLines(value);
  if (!Array.isArray(value)) {
    report(lines.key, `${what} must be a command (text) or a list of commands, not ${notText(value)}`);
    return [];
  }
  const commands: string[] = [];
  value.forEach((item: unknown, entry) => {
    if (typeof item === "string") commands.push(...commandLines(item));
    else if (item === null) report(lines.entry(entry), `${what} item ${entry + 1} is empty; write a command or remove the line`);
    else report(lines.entry(entry), `${what} item ${entry + 1} must be a command as text, not ${notText(item)}`);
  });
  return commands;
}

/** What a YAML value that is not text is, and how to write it as text. */
function notText(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return 'a mapping (quote a command that holds ": ")';
  return `the ${typeof value} ${JSON.stringify(value)} (quote it in YAML)`;
}

function readApproval(value: unknown, label: string, line: number, report: Report): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  const flag = typeof value === "string" || typeof value === "number" ? parseApprovalValue(String(value)) : null;
  if (flag === null) {
    report(line, `${label}: \`requires_approval\` ${JSON.stringify(value)} is not a yes/no value; ${APPROVAL_HINT}`);
    return false;
  }
  return flag;
}

function isEmptyYaml(text: string): boolean {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\r|\n/)
    .every((line) => /^\s*(#|$)/.test(line));
}

function isStructured(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
