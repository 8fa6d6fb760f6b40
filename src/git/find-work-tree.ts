import { describeGitCommand, runGit, stderrTail, type GitContext } from "./run-git.js";
import { GitError } from "./git-error.js";

/**
 * The top level of the git work tree that holds ctx.dir, or null when there is none: a folder
 * outside any repository, inside a .git folder, or in a bare repository. Git's own discovery
 * decides (it honours GIT_CEILING_DIRECTORIES); any other failure (git missing, a folder that
 * does not exist, a repository git refuses as unsafe) is a GitError, not a null.
 */
export async function findWorkTree(ctx: GitContext): Promise<string | null> {
  const args = ["rev-parse", "--is-inside-work-tree"];
  const inside = await runGit(ctx, args, { okExitCodes: [0, 128], next: `Check that ${ctx.dir} exists and that git can read it.` });
  if (inside.exitCode === 128) {
    if (/not a git repository/i.test(inside.stderr)) return null;
    // Any other fatal error (dubious ownership, a broken .git) must be seen, not taken for "no repository".
    throw new GitError(
      `${describeGitCommand(args)} failed in ${ctx.dir} (exit 128): ${stderrTail(inside.stderr) || "no message on stderr"}. ` +
        "Fix the repository (the message says how), or run the orchestrator without git.",
      args,
      ctx.dir,
      inside.stderr,
    );
  }
  if (inside.stdout.trim() !== "true") return null;
  const top = await runGit(ctx, ["rev-parse", "--show-toplevel"]);
  return top.stdout.replace(/\n$/, "");
}
