import { realpathSync } from "node:fs";
import path from "node:path";
import { DEFAULT_GIT_TIMEOUT_MS, type GitContext } from "./run-git.js";
import { gitChildEnv } from "./git-child-env.js";
import { findWorkTree } from "./find-work-tree.js";
import { snapshotWorkTree } from "./snapshot-work-tree.js";
import { treeChanges } from "./tree-changes.js";
import { treeDiff } from "./tree-diff.js";
import { restoreWorkTree } from "./restore-work-tree.js";
import { isClean } from "./work-tree-status.js";
import { createBranch } from "./session-branch.js";
import { commitAll } from "./commit-all.js";
import { headCommit } from "./rev-parse.js";
import { resetTo } from "./reset-to.js";
import { pruneSnapshots } from "./prune-snapshots.js";
import { removeStaleIndexes } from "./with-private-index.js";
import type { RestoreResult, Snapshot, TreeChanges, WorkTree } from "./work-tree.js";

export interface GitWorkTreeOptions {
  /**
   * The base environment of every git call (default: this process's). Variables that would
   * point git at another repository or index (GIT_DIR, GIT_INDEX_FILE, ...) are dropped; LC_ALL=C,
   * GIT_TERMINAL_PROMPT=0 and GIT_OPTIONAL_LOCKS=0 are set.
   */
  env?: Record<string, string | undefined>;
  /** How long one git call may take before it is killed (default 60 s; 0 for no limit). */
  timeoutMs?: number;
  /**
   * The orchestrator's own files and folders (absolute paths; a trailing "*" means every path
   * starting so, e.g. "<dir>/state.json*" for the state file and its siblings). Those inside the
   * work tree are never snapshotted, committed, restored or counted as dirty. Default none.
   */
  exclude?: readonly string[];
}

/**
 * `abs` with its deepest existing folder resolved through symlinks (git prints the root that way:
 * /tmp may be a link), keeping a trailing "*" and the parts that do not exist yet.
 */
function realPathOf(abs: string): string {
  let dir = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(dir), ...rest);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return abs;
      rest.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

/** A `:(exclude)` pathspec for an absolute path, relative to `root`; null when it lies outside (or is the root). */
export function excludePathspec(root: string, abs: string): string | null {
  const prefix = abs.endsWith("*");
  const rel = path.relative(root, prefix ? abs.slice(0, -1) : abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  const posix = rel.split(path.sep).join("/");
  // glob magic: * stays within one folder; the path's own glob characters are escaped.
  return prefix ? `:(exclude,glob)${posix.replace(/[*?[\\]/g, "\\$&")}*` : `:(exclude,literal)${posix}`;
}

/** The WorkTree of a real git work tree; each method is one of the files beside this one. */
export class GitWorkTree implements WorkTree {
  readonly #git: GitContext;

  private constructor(readonly root: string, git: GitContext) {
    this.#git = git;
  }

  /** The work tree holding `dir` (its top level becomes `root`), or null when `dir` is in none. */
  static async open(dir: string, opts: GitWorkTreeOptions = {}): Promise<GitWorkTree | null> {
    // The edge of the program: the caller may inject env, and this process's is the default.
    const env = gitChildEnv(opts.env ?? process.env);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
    const root = await findWorkTree({ dir: path.resolve(dir), env, timeoutMs });
    if (root === null) return null;
    const exclude = (opts.exclude ?? []).map((p) => excludePathspec(root, realPathOf(path.resolve(p)))).filter((p): p is string => p !== null);
    const git = { dir: root, env, timeoutMs, exclude };
    await removeStaleIndexes(git); // what a killed orchestrator left mid-snapshot
    return new GitWorkTree(root, git);
  }

  snapshot(ref: string): Promise<Snapshot> {
    return snapshotWorkTree(this.#git, ref);
  }
  changes(base: string, head: string): Promise<TreeChanges> {
    return treeChanges(this.#git, base, head);
  }
  diff(base: string, head: string): Promise<string> {
    return treeDiff(this.#git, base, head);
  }
  restore(targetTree: string, safetyRef: string): Promise<RestoreResult> {
    return restoreWorkTree(this.#git, targetTree, safetyRef);
  }
  isClean(): Promise<boolean> {
    return isClean(this.#git);
  }
  createBranch(name: string): Promise<{ branch: string; commit: string | null }> {
    return createBranch(this.#git, name);
  }
  commitAll(message: string, trailers: Record<string, string>): Promise<string | null> {
    return commitAll(this.#git, message, trailers);
  }
  headCommit(): Promise<string | null> {
    return headCommit(this.#git);
  }
  resetTo(commit: string): Promise<void> {
    return resetTo(this.#git, commit);
  }
  pruneSnapshots(keep: number): Promise<string[]> {
    return pruneSnapshots(this.#git, keep);
  }
}
