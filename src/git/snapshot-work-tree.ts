import { runGit, wholeTree, type GitContext } from "./run-git.js";
import { withPrivateIndex } from "./with-private-index.js";
import { headCommit, remember } from "./rev-parse.js";
import { ORCHESTRATOR_IDENTITY_ENV } from "./git-identity.js";
import type { Snapshot } from "./work-tree.js";

/**
 * Records the whole work tree (tracked and untracked files; .gitignore, .git/info/exclude and
 * core.excludesFile honoured) as a tree and a commit wrapping it, and points `ref` at the commit
 * so gc keeps it. Touches only the object store and `ref`: the person's index, HEAD, branches,
 * stash and config stay as they are (a private index, see withPrivateIndex).
 *
 * The commit's parent is HEAD when there is one (so `git log <ref>` reads naturally); its author
 * and committer are the orchestrator, its message "orchestrator snapshot <ref>". It is never
 * signed: a signing prompt could not be answered here.
 */
export async function snapshotWorkTree(git: GitContext, ref: string): Promise<Snapshot> {
  const tree = await withPrivateIndex(git, true, async (indexEnv) => {
    await runGit(git, ["add", "-A", ...wholeTree(git)], {
      env: indexEnv,
      next: "A file git cannot read (permissions), a nested repository without a commit, a failing filter, or a .git folder that cannot be written (read-only, a full disk) stops it: fix or ignore that path, or free the space.",
    });
    return (await runGit(git, ["write-tree"], { env: indexEnv })).stdout.trim();
  });
  const parent = await headCommit(git);
  const commit = (
    await runGit(git, ["commit-tree", "--no-gpg-sign", ...(parent ? ["-p", parent] : []), "-m", `orchestrator snapshot ${ref}`, tree], {
      env: ORCHESTRATOR_IDENTITY_ENV,
    })
  ).stdout.trim();
  await runGit(git, ["update-ref", "-m", "orchestrator snapshot", ref, commit], {
    next: `Check that ${JSON.stringify(ref)} is a valid ref name (git check-ref-format) and that the git folder is writable.`,
  });
  // Known now, so comparing these snapshots later needs no git process to check the ids.
  remember(git, tree, "tree", tree);
  remember(git, commit, "tree", tree);
  remember(git, commit, "commit", commit);
  return { tree, commit, head: parent };
}
