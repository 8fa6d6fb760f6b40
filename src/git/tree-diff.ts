import { runGit, type GitContext } from "./run-git.js";
import { resolveTree } from "./rev-parse.js";

/**
 * The unified diff between two trees (or commits), as a person would read it: rename detection,
 * no colour, no external diff driver or textconv, "a/" and "b/" prefixes and whole-repository
 * paths whatever the person's diff.noprefix / diff.mnemonicPrefix / diff.relative say. Binary
 * files show as git's "Binary files a/x and b/x differ" line.
 */
export async function treeDiff(git: GitContext, base: string, head: string): Promise<string> {
  const [baseTree, headTree] = await Promise.all([resolveTree(git, base), resolveTree(git, head)]);
  const args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", baseTree, headTree, "--"];
  return (await runGit(git, args)).stdout;
}
