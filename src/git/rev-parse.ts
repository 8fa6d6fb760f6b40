import { runGit, type GitContext } from "./run-git.js";
import { GitError } from "./git-error.js";

/** HEAD's commit id, or null in a repository without commits (an unborn branch). */
export async function headCommit(git: GitContext): Promise<string | null> {
  const r = await runGit(git, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { okExitCodes: [0, 1] });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/**
 * The full id of `rev` peeled to `kind` (a commit id gives its tree for "tree"). Every id handed to
 * another git command goes through here first, so a value starting with "-" is never read as an
 * option and a wrong id fails with a message that says so.
 */
async function resolve(git: GitContext, rev: string, kind: "tree" | "commit"): Promise<string> {
  const key = `${rev}^{${kind}}`;
  const cached = FULL_ID.test(rev) ? known.get(git)?.get(key) : undefined;
  if (cached !== undefined) return cached;
  const r = await runGit(git, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{${kind}}`], { okExitCodes: [0, 1] });
  const id = r.stdout.trim();
  if (r.exitCode !== 0 || id === "") {
    throw new GitError(
      `${JSON.stringify(rev)} is not a ${kind === "tree" ? "tree or commit" : "commit"} in ${git.dir}: check the id (or the snapshot ref) it came from; \`git cat-file -t ${rev}\` says what it is.`,
      ["rev-parse", "--verify", `${rev}^{${kind}}`],
      git.dir,
      r.stderr,
    );
  }
  if (FULL_ID.test(rev)) remember(git, rev, kind, id);
  return id;
}

/** A full object id: what it resolves to never changes, so the answer is kept (ids are immutable). */
const FULL_ID = /^[0-9a-f]{40}$/;
/** Per work tree: "<id>^{tree|commit}" -> the id it resolves to. Bounded by the snapshots of one process's life. */
const known = new WeakMap<GitContext, Map<string, string>>();

/** Records what `rev` resolves to (a snapshot knows its own tree and commit), saving a git process later. */
export function remember(git: GitContext, rev: string, kind: "tree" | "commit", id: string): void {
  let map = known.get(git);
  if (!map) known.set(git, (map = new Map()));
  if (map.size > 10_000) map.clear();
  map.set(`${rev}^{${kind}}`, id);
}

export const resolveTree = (git: GitContext, rev: string): Promise<string> => resolve(git, rev, "tree");
export const resolveCommit = (git: GitContext, rev: string): Promise<string> => resolve(git, rev, "commit");
