import { realpath, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { kindOf } from "../fs/read-regular-file.js";
import { ControlError } from "./control-error.js";

/**
 * Resolves a task file named by a remote caller so it can only ever be a file inside tasks_dir:
 * no absolute paths elsewhere, no `..` out, no symlink that leads out. `requested` may be a bare
 * name ("2025-11-20-tasks.md"), a path relative to tasks_dir, or one starting with the tasks
 * folder's own name ("orchestrator_tasks/2025-11-20-tasks.md"). Null means today's file
 * (`<tasks_dir>/<today>-tasks.md`). Only a regular file is a task file: a FIFO, device or folder
 * is refused here (stat does not open it, so it cannot block), and loadTaskFile checks again on
 * the open handle. Throws ControlError (bad_request / not_found).
 */
export async function resolveTaskFile(tasksDir: string, requested: string | null | undefined, today: string): Promise<string> {
  const root = await realpath(tasksDir).catch(() => {
    throw new ControlError("not_found", `The tasks folder ${tasksDir} does not exist. Create it and put a task file in it.`);
  });
  const name = requested?.trim() || `${today}-tasks.md`;
  if (name.includes("\0")) throw new ControlError("bad_request", "task_file contains a NUL byte.");
  const candidates = path.isAbsolute(name)
    ? [path.normalize(name)]
    : [path.resolve(root, name), path.resolve(path.dirname(root), name), path.resolve(tasksDir, name), path.resolve(path.dirname(tasksDir), name)];
  const inside = (p: string) => p === root || p.startsWith(root + path.sep);
  const lexicallyInside = candidates.filter((p) => inside(p) || p.startsWith(path.resolve(tasksDir) + path.sep));
  if (lexicallyInside.length === 0) {
    throw new ControlError("bad_request", `task_file must be a file inside ${path.basename(tasksDir)}/ (got "${name}").`);
  }
  for (const candidate of lexicallyInside) {
    const real = await realpath(candidate).catch(() => null);
    if (real === null) continue;
    if (!inside(real)) throw new ControlError("bad_request", `task_file "${name}" leads outside ${path.basename(tasksDir)}/ (a symlink?). Refused.`);
    const stats = await stat(real).catch(() => null);
    if (stats && !stats.isFile()) {
      throw new ControlError("bad_request", `task_file "${name}" is ${kindOf(stats)}, not a regular file: send the name of a .md or .yaml task file in ${path.basename(tasksDir)}/.${await filesHint(root)}`);
    }
    return real;
  }
  const hint = await filesHint(root);
  throw new ControlError("not_found", requested ? `No task file ${name} in ${path.basename(tasksDir)}/.${hint}` : `No task file for today (${name}).${hint}`);
}

/** " Files there: a.md, b.md." or " The folder is empty." */
async function filesHint(root: string): Promise<string> {
  const files = await listTaskFiles(root);
  return files.length > 0 ? ` Files there: ${files.slice(0, 10).join(", ")}.` : " The folder is empty.";
}

/** The task files a person can pick from (markdown and YAML), newest name first. */
export async function listTaskFiles(tasksDir: string): Promise<string[]> {
  const entries = await readdir(tasksDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.(md|ya?ml)$/i.test(e.name))
    .map((e) => e.name)
    .sort()
    .reverse();
}
