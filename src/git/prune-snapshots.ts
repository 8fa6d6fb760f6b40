import { runGit, type GitContext } from "./run-git.js";

/** Where every snapshot ref lives: refs/orchestrator/<session>/task-<id>/<label>. */
const PREFIX = "refs/orchestrator/";

/**
 * Deletes the snapshot refs of all but the newest `keep` sessions (session ids are timestamps,
 * so their names sort by age), so the objects only they kept (a big untracked file snapshotted
 * once) can be collected by git gc. Rollback and diff work within a session; older ones are kept
 * for a person who wants to look back by hand. Returns the sessions whose refs were deleted.
 */
export async function pruneSnapshots(git: GitContext, keep: number): Promise<string[]> {
  const listed = await runGit(git, ["for-each-ref", "--format=%(refname)", PREFIX]);
  const bySession = new Map<string, string[]>();
  for (const ref of listed.stdout.split("\n")) {
    if (!ref.startsWith(PREFIX)) continue;
    const session = ref.slice(PREFIX.length).split("/")[0] ?? "";
    bySession.set(session, [...(bySession.get(session) ?? []), ref]);
  }
  const old = [...bySession.keys()].sort().reverse().slice(Math.max(0, keep));
  if (old.length === 0) return [];
  const input = old.flatMap((s) => bySession.get(s) ?? []).map((ref) => `delete ${ref}\n`).join("");
  await runGit(git, ["update-ref", "--stdin"], { input });
  return old;
}
