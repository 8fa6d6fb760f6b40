import { describeChanges } from "../core/describe-changes.js";
import type { SessionState } from "../core/state.js";
import { snapshotRef } from "../git/snapshot-ref.js";
import type { WorkTree } from "../git/work-tree.js";
import { ControlError } from "./control-error.js";
import type { DiffData } from "./control-types.js";

/** A diff longer than this is cut (with a note): a phone, a chat message or an HTTP client has no use for more. */
export const MAX_DIFF_BYTES = 1024 * 1024;

/**
 * The changes of task `index` from its base snapshot: to its head snapshot once it ran, or to the
 * work tree as it is now while it runs (a fresh snapshot, under .../live). Reads only.
 */
export async function taskDiff(tree: WorkTree, state: SessionState, index: number): Promise<DiffData> {
  const task = state.tasks[index];
  if (!task) throw new ControlError("not_found", `There is no task ${index + 1}: the session has ${state.tasks.length}. Send /status to see them.`);
  const base = task.git?.base ?? null;
  if (base === null) throw new ControlError("refused", `Task ${index + 1}/${state.tasks.length}: ${task.title} has no snapshot (it has not run with git on), so there is no diff.`);
  let head = task.git?.head ?? null;
  if (head === null && task.status === "running") head = (await tree.snapshot(snapshotRef(state.session_id ?? "session", task.id, "live"))).tree;
  if (head === null) head = base; // ran, but nothing recorded after it (rolled back): no changes
  const [changes, full] = await Promise.all([tree.changes(base, head), tree.diff(base, head)]);
  const bytes = Buffer.byteLength(full);
  const truncated = bytes > MAX_DIFF_BYTES;
  const diff = truncated ? `${Buffer.from(full).subarray(0, MAX_DIFF_BYTES).toString("utf8").replace(/\uFFFD$/, "")}\n… (cut: the diff is ${bytes} bytes; see it whole with: git diff ${base} ${head})\n` : full;
  const files = changes.files.map(({ path, status, old_path, insertions, deletions }) => ({ path, status, ...(old_path ? { old_path } : {}), insertions, deletions }));
  const summary = describeChanges({ git: { ...(task.git ?? { base, base_commit: null, head_before: null, head_commit: null }), head }, files_changed: files, insertions: changes.insertions, deletions: changes.deletions }) ?? "no files changed";
  return { task: index + 1, title: task.title, task_status: task.status, files, insertions: changes.insertions, deletions: changes.deletions, diff, truncated, summary };
}
