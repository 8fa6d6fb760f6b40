/**
 * The git edge of informed checkpoints: what the orchestrator asks of the project's work tree.
 * GitWorkTree (git-work-tree.ts) is the implementation; every method rejects with a GitError.
 */

/** A recorded state of the whole work tree. */
export interface Snapshot {
  /** The id of the tree holding every file (tracked and untracked, ignored ones left out). */
  tree: string;
  /** The id of a commit wrapping that tree, which the snapshot's ref points at. */
  commit: string;
  /** HEAD's commit when it was taken (the snapshot commit's parent); null with no commits yet; absent: not known. */
  head?: string | null;
}

export interface FileChange {
  /** Path from the work tree's root, "/"-separated; for a rename, the new path. */
  path: string;
  status: "added" | "modified" | "deleted" | "renamed";
  /** The path before a rename. */
  old_path?: string;
  /** Lines added and removed; null for a binary file. */
  insertions: number | null;
  deletions: number | null;
  binary: boolean;
}

export interface TreeChanges {
  /** Sorted by path (byte order, as git). */
  files: FileChange[];
  /** Totals over the text files (binary files count 0). */
  insertions: number;
  deletions: number;
}

export interface RestoreResult {
  /** Paths written back from the target (changed or deleted since), sorted. */
  restored: string[];
  /** Paths deleted (absent from the target), sorted. */
  removed: string[];
  /** The state just before the restore: restoring safety.tree undoes it. */
  safety: Snapshot;
}

export interface WorkTree {
  /** The work tree's top level. */
  readonly root: string;
  /** Records the whole work tree under `ref` (see snapshotRef) without touching index, HEAD, branches or stash. */
  snapshot(ref: string): Promise<Snapshot>;
  /** What differs between two tree (or commit) ids, per file, with rename detection. */
  changes(base: string, head: string): Promise<TreeChanges>;
  /** The unified diff text between two tree (or commit) ids. */
  diff(base: string, head: string): Promise<string>;
  /** Makes the work tree equal `targetTree`, after snapshotting the current state under `safetyRef`. */
  restore(targetTree: string, safetyRef: string): Promise<RestoreResult>;
  /** `git status --porcelain` (untracked included) is empty. */
  isClean(): Promise<boolean>;
  /** Switches to a new branch at HEAD; refuses a dirty tree, a repository without commits, an existing branch. */
  createBranch(name: string): Promise<{ branch: string; commit: string | null }>;
  /** `git add -A` and a commit with trailers; the new commit id, or null when nothing changed. */
  commitAll(message: string, trailers: Record<string, string>): Promise<string | null>;
  /** HEAD's commit id, or null when the repository has no commit yet. */
  headCommit(): Promise<string | null>;
  /** `git reset --mixed`: the branch and the index move to `commit`, the work tree stays. */
  resetTo(commit: string): Promise<void>;
  /** Deletes the snapshot refs of all but the newest `keep` sessions; returns the sessions pruned. */
  pruneSnapshots(keep: number): Promise<string[]>;
}

export { snapshotRef } from "./snapshot-ref.js";
