import { randomBytes } from "node:crypto";
import { copyFile, readdir, rm, stat, utimes } from "node:fs/promises";
import { hasExited, readProcStat } from "../process/proc-stat.js";
import path from "node:path";
import { runGit, type GitContext } from "./run-git.js";
import { GitError } from "./git-error.js";

/**
 * Runs `fn` with an index file of our own (GIT_INDEX_FILE), so snapshots and restores never touch
 * the person's index. The file lives in the git dir (`git rev-parse --git-path`, so a linked
 * worktree gets its own), named orchestrator-index-<pid>-<random>, and is removed afterwards,
 * with any lock file beside it, whether `fn` succeeds or fails.
 *
 * seed: start from a copy of the real index when there is one. Its cached stat data lets
 * `git add -A` skip rehashing unchanged files, and it keeps files that are tracked although
 * ignored. The copy keeps the real index's mtime: git's "racily clean" check compares each
 * entry's mtime with the index file's, and a newer copy would make a file changed in the same
 * second as the last index write look unchanged.
 */
export async function withPrivateIndex<T>(git: GitContext, seed: boolean, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const name = `orchestrator-index-${process.pid}-${randomBytes(6).toString("hex")}`;
  const realIndex = await realIndexOf(git);
  // Beside the real index: `--git-path <name>` of a non-shared name is the same folder (a linked worktree's own).
  const privateIndex = path.join(path.dirname(realIndex), name);
  try {
    if (seed) await seedFrom(git, realIndex, privateIndex);
    return await fn({ GIT_INDEX_FILE: privateIndex });
  } finally {
    await Promise.all([rm(privateIndex, { force: true }), rm(`${privateIndex}.lock`, { force: true })]);
  }
}

/** Where the real index is, asked once per work tree (it does not move while we run). */
const indexPaths = new WeakMap<GitContext, string>();
async function realIndexOf(git: GitContext): Promise<string> {
  const cached = indexPaths.get(git);
  if (cached) return cached;
  const out = (await runGit(git, ["rev-parse", "--git-path", "index"])).stdout.trim();
  if (out === "" || out.includes("\n")) {
    throw new GitError(`git rev-parse --git-path index printed ${JSON.stringify(out)} in ${git.dir}, not one path: check the git installation.`, ["rev-parse", "--git-path", "index"], git.dir);
  }
  const realIndex = path.resolve(git.dir, out);
  indexPaths.set(git, realIndex);
  return realIndex;
}

/** Copies the real index (when there is one) with its mtime; a copy that fails is a GitError naming the file. */
async function seedFrom(git: GitContext, realIndex: string, privateIndex: string): Promise<void> {
  try {
    const real = await stat(realIndex).catch(() => null);
    if (!real?.isFile()) return; // no commit and nothing staged yet: start empty
    await copyFile(realIndex, privateIndex);
    await utimes(privateIndex, real.atime, real.mtime);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // the real index went away meanwhile: start empty
    throw new GitError(
      `could not copy the git index ${realIndex} to ${privateIndex}: ${(error as Error).message}. Free some space or fix the permissions of the git folder.`,
      [],
      git.dir,
      "",
      { cause: error },
    );
  }
}

/**
 * Removes private index files (and their locks) left in the git dir by orchestrators that died
 * mid-snapshot or mid-rollback (kill -9): the pid in the name is gone, or has exited. Best effort:
 * a file that cannot be removed only takes space, so nothing is thrown.
 */
export async function removeStaleIndexes(git: GitContext): Promise<string[]> {
  let gitDir: string;
  try {
    gitDir = path.resolve(git.dir, (await runGit(git, ["rev-parse", "--git-dir"])).stdout.trim());
  } catch {
    return [];
  }
  const names = await readdir(gitDir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = Number(/^orchestrator-index-(\d+)-[0-9a-f]+(?:\.lock)?$/.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid) return false;
    const stat = readProcStat(pid);
    return stat === null || hasExited(stat);
  });
  await Promise.all(stale.map((name) => rm(path.join(gitDir, name), { force: true }).catch(() => undefined)));
  return stale;
}
