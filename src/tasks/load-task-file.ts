import { TaskFileError } from "../core/errors.js";
import { formatIssue, type TaskDefinition, type TaskFileIssue } from "../core/task.js";
import { toArgv } from "../config/split-command.js";
import { parseTaskFile } from "../core/task-file/parse-task-file.js";
import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";
import { decodeTaskText } from "./decode-task-text.js";

/**
 * Largest task file read (16 MiB). A 10,000-task file is about 1 MiB and parses in well under a
 * second; the cap keeps a wrong file (a log, an image, /dev/zero's like) from filling memory.
 * Above it: a TaskFileError telling the person to split the file.
 */
export const TASK_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * How long reading a task file may take (5 s; a local 16 MiB file takes milliseconds). Past it,
 * a TaskFileError names a hung file system instead of the caller waiting without end.
 */
export const TASK_FILE_READ_TIMEOUT_MS = 5_000;

export interface LoadTaskFileOptions {
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * Reads and parses a task file (markdown, or YAML for .yaml/.yml). Only a regular file is read
 * (a FIFO or device is refused at once, never waited on), at most TASK_FILE_MAX_BYTES, within
 * TASK_FILE_READ_TIMEOUT_MS. Throws TaskFileError when the file cannot be read or has any
 * problem; the message lists every problem, one `file:line: message` per line (invalid UTF-8 and
 * NUL bytes included), so a person fixes them all in one pass.
 */
export async function loadTaskFile(path: string, options: LoadTaskFileOptions = {}): Promise<TaskDefinition[]> {
  return (await loadTaskSet(path, options)).tasks;
}

/** loadTaskFile, with the file's own settings (max_cost_usd). Throws as loadTaskFile does. */
export async function loadTaskSet(path: string, options: LoadTaskFileOptions = {}): Promise<TaskSet> {
  let bytes: Buffer;
  try {
    ({ bytes } = await readRegularFile(path, { maxBytes: options.maxBytes ?? TASK_FILE_MAX_BYTES, timeoutMs: options.timeoutMs ?? TASK_FILE_READ_TIMEOUT_MS }));
  } catch (err) {
    throw readError(path, err);
  }
  const decoded = decodeTaskText(bytes, path);
  const result = decoded.ok ? parseTaskFile(decoded.text, path) : decoded;
  const issues = result.ok ? verifyIssues(result.tasks, path) : result.issues;
  if (issues.length > 0) {
    throw new TaskFileError(issues.map(formatIssue).join("\n"), path, issues);
  }
  return result.ok ? { tasks: result.tasks, max_cost_usd: result.max_cost_usd ?? null } : { tasks: [], max_cost_usd: null };
}

/**
 * A task file's text checked as loadTaskFile checks the file (the parser picked by `file`'s
 * name, then the Verify commands): its tasks, or every problem as `file:line` issues. For text
 * that is not read from disk (a plan Claude drafted); never throws.
 */
export function checkTaskText(text: string, file: string): { ok: true; tasks: TaskDefinition[] } | { ok: false; issues: TaskFileIssue[] } {
  const result = parseTaskFile(text, file);
  if (!result.ok) return result;
  const issues = verifyIssues(result.tasks, file);
  return issues.length > 0 ? { ok: false, issues } : result;
}

/** A task file's tasks and its file-wide settings. */
export interface TaskSet {
  tasks: TaskDefinition[];
  /** YAML `max_cost_usd` (markdown `**Max Cost USD:**`): this session's spend cap (the lower of it and orchestrator.daily_budget_usd wins); null: none. */
  max_cost_usd: number | null;
}

/**
 * Verify commands that could never run, found now rather than after Claude worked on the task:
 * each is split like claude.command (never through a shell), so shell syntax or an open quote is
 * a mistake in the file, named at the task's line.
 */
function verifyIssues(tasks: TaskDefinition[], file: string): TaskFileIssue[] {
  const issues: TaskFileIssue[] = [];
  for (const task of tasks) {
    for (const command of task.verify) {
      try {
        if (toArgv(command).length === 0) throw new Error("it is empty");
      } catch (error) {
        const why = (error as Error).message.replace("or give the command as a YAML list", "or write sh -c '…' yourself, or give each command its own item");
        issues.push({ file, line: task.line, message: `task ${task.id}: Verify command ${JSON.stringify(command)} cannot run: ${why}` });
      }
    }
  }
  return issues;
}

function readError(path: string, err: unknown): TaskFileError {
  if (!(err instanceof FileReadError)) {
    return new TaskFileError(`cannot read task file ${path}: ${propertyOf(err, "message") ?? String(err)}. Check that it is a readable file.`, path, [], { cause: err });
  }
  const { reason, detail } = err;
  if (detail.errno === "ENOENT") {
    return new TaskFileError(`task file not found: ${path}. Create it or pass another file.`, path, [], { cause: err });
  }
  if (reason === "not_regular" && detail.kind === "a directory") {
    return new TaskFileError(`task file is a directory: ${path}. Pass a .md or .yaml task file.`, path, [], { cause: err });
  }
  if (reason === "not_regular") {
    return new TaskFileError(`task file is ${detail.kind ?? "not a file"}, not a regular file: ${path}. Pass a .md or .yaml task file.`, path, [], { cause: err });
  }
  if (reason === "too_large") {
    return new TaskFileError(`task file is too large: ${err.message}. Split it into smaller task files.`, path, [], { cause: err });
  }
  if (reason === "timeout") {
    return new TaskFileError(`task file could not be read: ${err.message}. Check the disk it is on.`, path, [], { cause: err });
  }
  return new TaskFileError(`cannot read task file ${path}: ${err.message}. Check that it is a readable file.`, path, [], { cause: err });
}

/**
 * A string property of a thrown value. Structural rather than `instanceof Error`: fs errors
 * come from Node's own realm, which is not this module's under jest's vm modules.
 */
function propertyOf(err: unknown, key: "code" | "message"): string | undefined {
  if (typeof err !== "object" || err === null || !(key in err)) return undefined;
  const value: unknown = (err as Record<typeof key, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}
