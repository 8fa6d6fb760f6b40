import { runGit, wholeTree, type GitContext } from "./run-git.js";
import { GitError } from "./git-error.js";
import { ORCHESTRATOR_EMAIL, ORCHESTRATOR_NAME } from "./git-identity.js";

/** Trailer keys git accepts as they are ("Orchestrator-Task"); anything else is a caller's bug. */
const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/**
 * A comment character no line of `message` starts with. `git commit --trailer` runs
 * interpret-trailers, which skips comment lines when it looks for the message's end, so a
 * message line "#42 ..." would end up after the trailers; with this as core.commentChar no line
 * of the message is a comment.
 */
function commentCharFor(message: string): string {
  const starts = new Set(message.split("\n").map((l) => l.trimStart()[0]));
  return [..."#;@!$%^&|~"].find((c) => !starts.has(c)) ?? "#";
}

/** `-c user.name=…` / `-c user.email=…` for what the repository's config lacks, so a commit never fails on "Please tell me who you are". */
async function missingIdentity(git: GitContext): Promise<string[]> {
  const has = async (key: string) => (await runGit(git, ["config", "--get", key], { okExitCodes: [0, 1] })).stdout.trim() !== "";
  const [name, email] = await Promise.all([has("user.name"), has("user.email")]);
  return [...(name ? [] : ["-c", `user.name=${ORCHESTRATOR_NAME}`]), ...(email ? [] : ["-c", `user.email=${ORCHESTRATOR_EMAIL}`])];
}

/**
 * Stages everything (`git add -A`: new, changed and deleted files; ignored ones left out) into the
 * person's index and commits it on the current branch with `message` and one `Key: value` trailer
 * per entry of `trailers`. Hooks that --no-verify skips (pre-commit, commit-msg) do not run.
 * Lines of the message starting with "#" are kept, as text (see commentCharFor). Returns the new commit
 * id, or null when there was nothing to commit.
 */
export async function commitAll(git: GitContext, message: string, trailers: Record<string, string>): Promise<string | null> {
  const trailerArgs: string[] = [];
  for (const [key, value] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key)) {
      throw new GitError(`${JSON.stringify(key)} cannot be a commit trailer key (letters, digits and "-" only).`, ["commit", "--trailer", key], git.dir);
    }
    // A trailer is one line: a line break in the value would start a new one.
    trailerArgs.push("--trailer", `${key}: ${value.replace(/\s+/g, " ").trim()}`);
  }
  await runGit(git, ["add", "-A", ...wholeTree(git)], { next: "A file git cannot read (permissions) or a nested repository without a commit stops it: fix or ignore that path." });
  const staged = await runGit(git, ["diff", "--cached", "--quiet", "--no-ext-diff"], { okExitCodes: [0, 1] });
  if (staged.exitCode === 0) return null;
  const identity = await missingIdentity(git);
  const config = [...identity, "-c", `core.commentChar=${commentCharFor(message)}`];
  await runGit(git, [...config, "commit", "--no-verify", "-q", "--cleanup=whitespace", "-m", message, ...trailerArgs]);
  return (await runGit(git, ["rev-parse", "--verify", "HEAD^{commit}"])).stdout.trim();
}
