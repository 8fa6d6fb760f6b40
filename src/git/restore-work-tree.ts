import { lstat, rmdir, unlink } from "node:fs/promises";
import path from "node:path";
import { runGit, type GitContext } from "./run-git.js";
import { resolveTree } from "./rev-parse.js";
import { GitError } from "./git-error.js";
import { parseRawZ } from "./parse-diff-z.js";
import { snapshotWorkTree } from "./snapshot-work-tree.js";
import { withPrivateIndex } from "./with-private-index.js";
import type { RestoreResult } from "./work-tree.js";

/** A submodule's entry: its folder is another repository, never ours to rewrite or delete. */
const GITLINK = "160000";

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Makes the work tree equal `targetTree` for every path where the two differ, after recording the
 * current state under `safetyRef` (returned as `safety`: restoring `safety.tree` undoes this).
 *
 * Only what differs is touched: a file present now and absent from the target is deleted, and
 * folders left empty by that are removed (never the root); a file changed or deleted since is
 * written back from the target with its mode (symlinks as symlinks), through a private index and
 * `git checkout-index`, never `git checkout`, which would write the person's index. Ignored files
 * are not in either snapshot, so they stay. HEAD, the index, branches and stash stay as they are.
 *
 * On a failure part-way, the message names the safety ref to restore by hand.
 */
export async function restoreWorkTree(git: GitContext, targetTree: string, safetyRef: string): Promise<RestoreResult> {
  const target = await resolveTree(git, targetTree);
  const safety = await snapshotWorkTree(git, safetyRef);
  const diff = await runGit(git, ["diff-tree", "-r", "-z", "--raw", "--no-renames", safety.tree, target]);
  const removed: string[] = [];
  const restored: string[] = [];
  let entries: ReturnType<typeof parseRawZ>;
  try {
    entries = parseRawZ(diff.stdout);
  } catch (error) {
    throw new GitError(`could not read git diff-tree's output in ${git.dir}: ${(error as Error).message}. Nothing was restored; report this with your git version.`, ["diff-tree", safety.tree, target], git.dir, "", { cause: error });
  }
  for (const entry of entries) {
    if (entry.status === "D") {
      if (entry.oldMode !== GITLINK) removed.push(entry.path);
    } else if (entry.newMode !== GITLINK && entry.oldMode !== GITLINK) {
      restored.push(entry.path);
    }
  }
  removed.sort(byBytes);
  restored.sort(byBytes);
  const undo = `The state before this restore is kept at ${safetyRef} (tree ${safety.tree}): restore that tree to undo it.`;

  // Deletions first: a folder that becomes a file (or the reverse) needs the old one out of the way.
  const emptied = new Set<string>();
  for (const rel of removed) {
    await removeFile(git, rel, undo);
    emptied.add(path.posix.dirname(rel));
  }
  await removeEmptyFolders(git.dir, emptied);

  if (restored.length > 0) {
    await refuseFoldersInTheWay(git, restored, undo);
    await withPrivateIndex(git, false, async (indexEnv) => {
      await runGit(git, ["read-tree", target], { env: indexEnv, next: undo });
      // -f: overwrite what is there; each file is unlinked and created again, so its mode is the target's.
      await runGit(git, ["checkout-index", "-f", "-z", "--stdin"], { env: indexEnv, input: restored.map((p) => `${p}\0`).join(""), next: undo });
    });
  }
  return { restored, removed, safety };
}

async function removeFile(git: GitContext, rel: string, undo: string): Promise<void> {
  try {
    await unlink(path.join(git.dir, rel));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // already gone
    throw new GitError(`could not delete ${rel} in ${git.dir} while restoring: ${(error as Error).message}. Fix its permissions and restore again. ${undo}`, [], git.dir, "", { cause: error });
  }
}

/**
 * Removes each folder (relative to root) and each of its parents that is left empty. Every
 * candidate is tried once, deepest first, so a parent is tried after all its children. A folder
 * that still holds something (an ignored file, a file of the target) stays, as does the root.
 */
async function removeEmptyFolders(root: string, folders: Set<string>): Promise<void> {
  const candidates = new Set<string>();
  for (let dir of folders) {
    for (; dir !== "." && dir !== "" && !candidates.has(dir); dir = path.posix.dirname(dir)) candidates.add(dir);
  }
  const deepestFirst = [...candidates].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const dir of deepestFirst) {
    // ENOTEMPTY/EEXIST: it holds something else, so it stays (and its parents fail the same way).
    await rmdir(path.join(root, dir)).catch(() => {});
  }
}

/**
 * checkout-index -f would delete a whole folder standing where a file goes back. After the
 * deletions above, such a folder holds only files the snapshot did not see (ignored ones), and
 * those must stay: stop and say so instead.
 */
async function refuseFoldersInTheWay(git: GitContext, restored: string[], undo: string): Promise<void> {
  for (const rel of restored) {
    const st = await lstat(path.join(git.dir, rel)).catch(() => null);
    if (st?.isDirectory()) {
      throw new GitError(
        `cannot restore ${rel} in ${git.dir}: a folder with ignored files stands where the file goes back. Move that folder away and restore again. ${undo}`,
        ["checkout-index", "-f", "--", rel],
        git.dir,
      );
    }
  }
}
