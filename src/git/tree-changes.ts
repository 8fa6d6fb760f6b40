import { runGit, type GitContext } from "./run-git.js";
import { resolveTree } from "./rev-parse.js";
import { GitError } from "./git-error.js";
import { parseNumstatZ, parseRawZ } from "./parse-diff-z.js";
import type { FileChange, TreeChanges } from "./work-tree.js";

/**
 * Options shared by every tree comparison: recursive, rename detection at git's default 50%
 * similarity, and neither external diff drivers nor textconv filters (the counts must be those of
 * the stored bytes, and no program of the repository's config may run).
 */
const DIFF_TREE = ["diff-tree", "-r", "-z", "-M", "--no-ext-diff", "--no-textconv"];

/** Byte order of the UTF-8 path, as git sorts. */
export const byPath = (a: { path: string }, b: { path: string }): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

function statusOf(raw: string): FileChange["status"] {
  if (raw === "A" || raw === "C") return "added"; // a copy (never asked for here) is a new file
  if (raw === "D") return "deleted";
  if (raw === "R") return "renamed";
  return "modified"; // M, T (a file became a symlink or the reverse)
}

/**
 * What differs between two trees (or commits): one FileChange per path, sorted by path, merged
 * from `--raw` (status, old path of a rename) and `--numstat` (line counts; "-" for binary files,
 * which count 0 in the totals).
 */
export async function treeChanges(git: GitContext, base: string, head: string): Promise<TreeChanges> {
  const [baseTree, headTree] = await Promise.all([resolveTree(git, base), resolveTree(git, head)]);
  const [raw, numstat] = await Promise.all([
    runGit(git, [...DIFF_TREE, "--raw", baseTree, headTree]),
    runGit(git, [...DIFF_TREE, "--numstat", baseTree, headTree]),
  ]);
  let files: FileChange[];
  try {
    const counts = new Map(parseNumstatZ(numstat.stdout).map((n) => [n.path, n]));
    files = parseRawZ(raw.stdout).map((r) => {
      const n = counts.get(r.path);
      const binary = n !== undefined && n.insertions === null;
      const change: FileChange = {
        path: r.path,
        status: statusOf(r.status),
        insertions: binary ? null : (n?.insertions ?? 0),
        deletions: binary ? null : (n?.deletions ?? 0),
        binary,
      };
      if (r.oldPath !== undefined && r.status === "R") change.old_path = r.oldPath;
      return change;
    });
  } catch (error) {
    throw new GitError(`could not read git diff-tree's output in ${git.dir}: ${(error as Error).message}. Report this with your git version.`, [...DIFF_TREE, baseTree, headTree], git.dir, "", {
      cause: error,
    });
  }
  files.sort(byPath);
  return {
    files,
    insertions: files.reduce((sum, f) => sum + (f.insertions ?? 0), 0),
    deletions: files.reduce((sum, f) => sum + (f.deletions ?? 0), 0),
  };
}
