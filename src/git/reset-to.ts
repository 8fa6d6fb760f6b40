import { runGit, type GitContext } from "./run-git.js";
import { resolveCommit } from "./rev-parse.js";

/**
 * Moves the current branch and the index to `commit` (`git reset -q --mixed`); the work tree is
 * left as it is, so the files of the commits undone show as changes.
 */
export async function resetTo(git: GitContext, commit: string): Promise<void> {
  const id = await resolveCommit(git, commit);
  await runGit(git, ["reset", "-q", "--mixed", id, "--"]);
}
