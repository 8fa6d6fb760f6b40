import { runGit, wholeTree, type GitContext } from "./run-git.js";

/**
 * The paths `git status --porcelain` lists (staged, unstaged and untracked, ignored ones left
 * out), in git's order. Untracked files are listed whatever status.showUntrackedFiles says
 * (a folder of only untracked files counts as one entry).
 */
export async function dirtyPaths(git: GitContext): Promise<string[]> {
  const r = await runGit(git, ["status", "--porcelain=v1", "-z", "--untracked-files=normal", ...wholeTree(git)]);
  const tokens = r.stdout.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i] ?? "";
    if (entry.length < 4) continue; // the empty token after the last NUL
    paths.push(entry.slice(3));
    if (entry[0] === "R" || entry[0] === "C") i++; // the next token is the rename's source
  }
  return paths;
}

/** Nothing to commit and nothing untracked. */
export async function isClean(git: GitContext): Promise<boolean> {
  return (await dirtyPaths(git)).length === 0;
}
