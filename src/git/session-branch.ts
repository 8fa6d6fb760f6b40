import { runGit, type GitContext } from "./run-git.js";
import { headCommit } from "./rev-parse.js";
import { dirtyPaths } from "./work-tree-status.js";
import { GitError } from "./git-error.js";

/** How many dirty paths a refusal names; the rest are counted. */
const NAMED_PATHS = 5;

/**
 * Creates branch `name` at HEAD and switches to it (`git switch -c`), for a session's commits.
 * Refuses, with a GitError saying what to do, when the repository has no commit yet, when the
 * work tree is not clean (naming up to 5 paths), when the name is not a valid branch name, or
 * when the branch exists already. Nothing changes on a refusal.
 */
export async function createBranch(git: GitContext, name: string): Promise<{ branch: string; commit: string | null }> {
  const refuse = (message: string, args: string[] = ["switch", "-c", name], stderr = ""): never => {
    throw new GitError(message, args, git.dir, stderr);
  };
  const commit = await headCommit(git);
  if (commit === null) refuse(`the repository has no commit yet; make a first commit before using git.branch (in ${git.dir}).`);

  const dirty = await dirtyPaths(git);
  if (dirty.length > 0) {
    const named = dirty.slice(0, NAMED_PATHS).map((p) => JSON.stringify(p)).join(", ");
    const more = dirty.length > NAMED_PATHS ? ` and ${dirty.length - NAMED_PATHS} more` : "";
    refuse(`the work tree in ${git.dir} has uncommitted changes (${named}${more}): commit or stash them first (git stash -u), then start again.`);
  }

  const check = await runGit(git, ["check-ref-format", "--branch", name], { okExitCodes: [0, 1, 128] });
  if (check.exitCode !== 0) refuse(`${JSON.stringify(name)} is not a valid git branch name: choose another git.branch.`, ["check-ref-format", "--branch", name], check.stderr);
  const branch = check.stdout.trim();

  const exists = await runGit(git, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { okExitCodes: [0, 1] });
  if (exists.exitCode === 0) {
    refuse(`a branch named ${JSON.stringify(branch)} already exists in ${git.dir}: choose another git.branch, or delete it first (git branch -D ${branch}) if it is no longer needed.`);
  }
  await runGit(git, ["switch", "-q", "-c", branch]);
  return { branch, commit };
}
