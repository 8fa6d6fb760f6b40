import { stat } from "node:fs/promises";
import path from "node:path";

/** A deliverable that does not count, and why ("does not exist", "is outside the project folder"). */
export interface MissingDeliverable {
  path: string;
  reason: string;
}

/** Whether `target` (absolute) is `root` or lies inside it, by its path alone. */
function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The deliverables (paths relative to `projectDir`, or absolute inside it) that are missing, in
 * the order given, each once. A file or a folder counts; a dangling symlink does not. A path
 * that leaves the project folder (`../x`, `/etc/passwd`) is missing whether or not it exists:
 * the task's work lives in the project. The check is by path (a symlink inside the project that
 * points elsewhere counts as inside). A path that cannot be checked (EACCES) is missing, with
 * the error as its reason. Never rejects.
 */
export async function checkDeliverables(projectDir: string, deliverables: readonly string[]): Promise<MissingDeliverable[]> {
  const root = path.resolve(projectDir);
  const missing: MissingDeliverable[] = [];
  for (const item of new Set(deliverables)) {
    const reason = await whyMissing(root, item);
    if (reason !== null) missing.push({ path: item, reason });
  }
  return missing;
}

async function whyMissing(root: string, item: string): Promise<string | null> {
  if (item.trim() === "") return "is an empty path";
  const target = path.resolve(root, item);
  if (!isInside(root, target)) return `is outside the project folder ${root}`;
  try {
    await stat(target);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return "does not exist";
    return `could not be checked: ${(err as Error)?.message ?? String(err)}`;
  }
}
