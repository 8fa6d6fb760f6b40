/**
 * The task definitions file: the bulky text of a session's tasks, kept out of state.json.
 *
 * Why: state.json is rewritten (temp file, fsync, rename) on every transition. The text a person
 * wrote (description, instruction, acceptance criteria, context files, deliverables) never changes
 * once a session has started, yet it was most of every write. It now goes once per session into
 * `<state file>.tasks-<session>-<hash>.json` beside state.json, which names it in
 * `task_definitions`. state.json keeps everything else of every task (id, title, type, priority,
 * requires_approval, line, status, error, summary, cost...), so it stays the complete, current
 * record a person or a test reads; any field added to TaskRecord later stays there too, because
 * only the keys listed in TASK_DEFINITION_TEXT_KEYS move.
 *
 * The name carries a hash of the content, so a new or changed set of definitions never overwrites
 * the file an older state.json (or its .bak) still refers to, and a file changed by hand is caught
 * at load. Pure: naming, building, checking and joining; the store does the I/O.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { TaskRecord } from "../core/state.js";
import type { TaskDefinition } from "../core/task.js";

/** The immutable text of a task that lives in the definitions file instead of state.json. */
export const TASK_DEFINITION_TEXT_KEYS = ["description", "acceptance_criteria", "instruction", "context_files", "deliverables", "verify"] as const satisfies readonly (keyof TaskDefinition)[];

export type TaskDefinitionTextKey = (typeof TASK_DEFINITION_TEXT_KEYS)[number];
const TEXT_KEYS: ReadonlySet<string> = new Set(TASK_DEFINITION_TEXT_KEYS);

/** One task's entry: its id (to check the files line up) and its text. */
export type DefinitionEntry = Pick<TaskDefinition, "id" | TaskDefinitionTextKey>;

export interface DefinitionsDocument {
  version: 1;
  session_id: string | null;
  tasks: DefinitionEntry[];
}

/** The key in state.json naming the definitions file (a base name in the same folder). */
export const DEFINITIONS_KEY = "task_definitions";

/** Hex digits of the content hash in the file name: 64 bits, so two different sets never share a name. */
const HASH_CHARS = 16;

export function isDefinitionTextKey(key: string): boolean {
  return TEXT_KEYS.has(key);
}

/** The definitions of `tasks` as a document, and its compact JSON text. */
export function buildDefinitions(sessionId: string | null, tasks: readonly TaskRecord[]): { doc: DefinitionsDocument; text: string } {
  const doc: DefinitionsDocument = { version: 1, session_id: sessionId, tasks: tasks.map((t) => ({ id: t.id, ...textOf(t) })) };
  return { doc, text: JSON.stringify(doc) + "\n" };
}

/**
 * `<state base name>.tasks-<session>-<hash>.json`. The session part is made safe for a file name
 * (`none` without a session); the hash is of `text`, the file's exact content.
 */
export function definitionsFileName(stateFile: string, sessionId: string | null, text: string): string {
  const session = sessionId === null ? "none" : sessionId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "_";
  return `${path.basename(stateFile)}.tasks-${session}-${contentHash(text)}.json`;
}

function contentHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_CHARS);
}

const NAME_TAIL = `\\.tasks-[A-Za-z0-9_-]+-[0-9a-f]{${HASH_CHARS}}\\.json`;

/** Definitions files of `stateFile` (those the store may remove when nothing refers to them). */
export function definitionsFilePattern(stateFile: string): RegExp {
  return new RegExp(`^${escapeRegExp(path.basename(stateFile))}${NAME_TAIL}$`);
}

/** Temp files of `stateFile`'s definitions files left by a killed writer; group 1 is its pid. */
export function definitionsTempFilePattern(stateFile: string): RegExp {
  return new RegExp(`^${escapeRegExp(path.basename(stateFile))}${NAME_TAIL}\\.tmp-(\\d+)$`);
}

/**
 * Checks the `task_definitions` value of a parsed state.json: a definitions file base name (no
 * folder, so it cannot point outside the state's folder). Returns the problem or null.
 */
export function describeReferenceProblem(ref: unknown): string | null {
  if (typeof ref !== "string" || !new RegExp(`^[^/\\\\]+${NAME_TAIL}$`).test(ref) || ref.startsWith(".")) {
    return `${DEFINITIONS_KEY} is not a definitions file name (${JSON.stringify(ref)?.slice(0, 120)})`;
  }
  return null;
}

/**
 * Checks a definitions file's text against its name and the tasks of the state that refers to it.
 * Returns the parsed document, or the problem in words.
 */
export function checkDefinitions(
  name: string,
  text: string,
  tasks: readonly Record<string, unknown>[],
  sessionId: string | null,
): { ok: true; doc: DefinitionsDocument } | { ok: false; problem: string } {
  if (!name.endsWith(`-${contentHash(text)}.json`)) {
    return { ok: false, problem: `its task definitions file ${name} was changed after it was written (its content does not match the hash in its name)` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `its task definitions file ${name} is not JSON: ${(err as Error).message}` };
  }
  const d = doc as Partial<DefinitionsDocument> | null;
  if (typeof d !== "object" || d === null || d.version !== 1 || !Array.isArray(d.tasks)) {
    return { ok: false, problem: `its task definitions file ${name} is not a definitions file` };
  }
  if ((d.session_id ?? null) !== sessionId) {
    return { ok: false, problem: `its task definitions file ${name} belongs to session ${JSON.stringify(d.session_id)}, not ${JSON.stringify(sessionId)}` };
  }
  if (d.tasks.length !== tasks.length) {
    return { ok: false, problem: `its task definitions file ${name} has ${d.tasks.length} tasks, the state ${tasks.length}` };
  }
  for (const [i, entry] of d.tasks.entries()) {
    const bad = describeEntryProblem(entry);
    if (bad) return { ok: false, problem: `its task definitions file ${name}: tasks[${i}] ${bad}` };
    if (entry.id !== tasks[i]?.id) {
      return { ok: false, problem: `its task definitions file ${name} does not match the state: tasks[${i}] is ${JSON.stringify(entry.id)} there, ${JSON.stringify(tasks[i]?.id)} in the state` };
    }
  }
  return { ok: true, doc: d as DefinitionsDocument };
}

function describeEntryProblem(entry: unknown): string | null {
  if (typeof entry !== "object" || entry === null) return "is not an object";
  const e = entry as Record<string, unknown>;
  if (typeof e.id !== "number" && typeof e.id !== "string") return "has no id";
  // A key may be absent (a state written before that field existed); present, it is text or a list.
  for (const key of TASK_DEFINITION_TEXT_KEYS) {
    if (key in e && typeof e[key] !== "string" && !Array.isArray(e[key])) return `has a bad ${key}`;
  }
  return null;
}

/** A task of state.json with its text put back: the TaskRecord the rest of the program knows. */
export function joinDefinition(stored: Record<string, unknown>, entry: DefinitionEntry): TaskRecord {
  const task: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    task[key] = value;
    // The text goes right after the short definition fields, where a TaskDefinition has it.
    if (key === "requires_approval") Object.assign(task, textOf(entry));
  }
  if (!("requires_approval" in stored)) Object.assign(task, textOf(entry));
  return task as unknown as TaskRecord;
}

/** The text keys of a task or entry that are present (JSON drops an undefined one anyway). */
function textOf(source: Partial<Pick<TaskDefinition, TaskDefinitionTextKey>>): Pick<TaskDefinition, TaskDefinitionTextKey> {
  const text: Record<string, unknown> = {};
  for (const key of TASK_DEFINITION_TEXT_KEYS) if (source[key] !== undefined) text[key] = source[key];
  return text as Pick<TaskDefinition, TaskDefinitionTextKey>;
}

/** Whether a task still has exactly the text of its entry (one task, so O(its text), not O(session)). */
export function sameDefinition(task: TaskRecord, entry: DefinitionEntry | undefined): boolean {
  if (!entry || task.id !== entry.id) return false;
  for (const key of TASK_DEFINITION_TEXT_KEYS) {
    const a: unknown = task[key];
    const b: unknown = entry[key];
    if (a !== b && !(Array.isArray(a) && Array.isArray(b) && sameList(a, b))) return false;
  }
  return true;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
