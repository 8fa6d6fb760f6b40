import { readFile } from "node:fs/promises";
import { TaskFileError } from "../core/errors.js";
import { formatIssue, type TaskDefinition } from "../core/task.js";
import { parseTaskFile } from "../core/task-file/parse-task-file.js";

/**
 * Reads and parses a task file (markdown, or YAML for .yaml/.yml). Throws TaskFileError when
 * the file cannot be read or has any problem; the message lists every problem, one
 * `file:line: message` per line, so a person fixes them all in one pass.
 */
export async function loadTaskFile(path: string): Promise<TaskDefinition[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw readError(path, err);
  }
  const result = parseTaskFile(text, path);
  if (!result.ok) {
    throw new TaskFileError(result.issues.map(formatIssue).join("\n"), path, result.issues);
  }
  return result.tasks;
}

function readError(path: string, err: unknown): TaskFileError {
  const code = propertyOf(err, "code");
  if (code === "ENOENT") {
    return new TaskFileError(`task file not found: ${path}. Create it or pass another file.`, path, [], { cause: err });
  }
  if (code === "EISDIR") {
    return new TaskFileError(`task file is a directory: ${path}. Pass a .md or .yaml task file.`, path, [], { cause: err });
  }
  const reason = propertyOf(err, "message") ?? String(err);
  return new TaskFileError(`cannot read task file ${path}: ${reason}. Check that it is a readable file.`, path, [], { cause: err });
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
