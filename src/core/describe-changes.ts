import type { TaskRecord } from "./state.js";

/** At most this many file names in a one-line summary; the rest are counted ("and 4 more"). */
export const MAX_NAMED_FILES = 10;

/**
 * What a task changed, in one line for a phone: `3 files changed (+120 −4): src/a.ts, src/b.ts,
 * test/a.test.ts`, up to MAX_NAMED_FILES names then "and N more"; "no files changed" when the
 * snapshots are equal. null when nothing is known (git is off, or the task never ran with it).
 */
export function describeChanges(task: Pick<TaskRecord, "git" | "files_changed" | "insertions" | "deletions">): string | null {
  if (!task.git?.head) return null;
  const files = task.files_changed ?? [];
  if (files.length === 0) return "no files changed";
  const names = files.slice(0, MAX_NAMED_FILES).map((f) => (f.status === "renamed" && f.old_path ? `${f.old_path} → ${f.path}` : f.path));
  const more = files.length > MAX_NAMED_FILES ? ` and ${files.length - MAX_NAMED_FILES} more` : "";
  const noun = files.length === 1 ? "file" : "files";
  return `${files.length} ${noun} changed (+${task.insertions ?? 0} −${task.deletions ?? 0}): ${names.join(", ")}${more}`;
}

/** "abc1234": a commit id as people read it. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}
