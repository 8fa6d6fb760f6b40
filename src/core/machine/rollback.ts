import type { Command, Report } from "../events.js";
import type { SessionState, TaskRecord } from "../state.js";
import { taskHeadline, taskLabel } from "../describe.js";
import { Draft, NO_CHECKS, waitFor, type MachineContext, type Transition } from "../draft.js";
import { ignore } from "./replies.js";

// /rollback: the work tree goes back to a task's before-snapshot, undoing it and every later task.
// The machine checks and records; the edge (rollback_tree) restores the files and reports back.

/** Statuses of a task whose run may have changed files (a rollback target). */
const RAN: ReadonlySet<string> = new Set(["completed", "failed", "interrupted"]);

/** The last task that ran and has a snapshot to go back to (the default of /rollback and /diff), or null. */
export function lastFinishedIndex(state: SessionState): number | null {
  for (let i = state.tasks.length - 1; i >= 0; i--) {
    const t = state.tasks[i] as TaskRecord;
    if (RAN.has(t.status) && t.git?.base) return i;
  }
  return null;
}

export function rollback(state: SessionState, cmd: Extract<Command, { type: "rollback" }>, ctx: MachineContext): Transition {
  if (state.status === "idle" || state.tasks.length === 0) return ignore(state, "Nothing to roll back: no session has started.");
  if (state.status === "running") {
    return ignore(state, `${taskLabel(state, state.current_task_index)} is running: send /cancel first, then /rollback.`);
  }
  if (!(ctx.checks ?? NO_CHECKS).git) {
    return ignore(state, "Rollback needs git: claude.project_dir is not inside a git work tree, or git.enabled is false.");
  }
  const index = cmd.index ?? lastFinishedIndex(state);
  if (index === null) return ignore(state, "Nothing to roll back: no task of this session has run with a snapshot yet.");
  const task = state.tasks[index];
  if (!task) return ignore(state, `There is no task ${index + 1}: the session has ${state.tasks.length}. Send /status to see them.`);
  if (!task.git?.base) return ignore(state, `${taskHeadline(state, index)} has no snapshot to go back to (it has not run with git on).`);
  const d = new Draft(state, ctx);
  d.s.rollback_pending = index;
  const committed = state.tasks.slice(index).some((t) => t.commit);
  d.effects.push({
    type: "rollback_tree",
    index,
    tree: task.git.base,
    // git.commit: task: the branch goes back to where it was before the task, when anything was committed since.
    reset_to: committed ? task.git.head_before : null,
    safety_ref: `rollback-${task.attempts}-${Date.parse(ctx.now)}`,
  });
  const later = undoneAfter(state, index);
  const also = later.length > 0 ? ` This also undoes ${later.map((i) => `Task ${i + 1}`).join(", ")}.` : "";
  return d.done(`Rolling back ${taskHeadline(state, index)}: putting the work tree back to how it was before it ran.${also}`);
}

/** Later tasks whose changes a rollback to `index` undoes (they ran, with a snapshot). */
function undoneAfter(state: SessionState, index: number): number[] {
  const later: number[] = [];
  for (let i = index + 1; i < state.tasks.length; i++) if ((state.tasks[i] as TaskRecord).git?.base) later.push(i);
  return later;
}

export function rollbackDone(state: SessionState, report: Extract<Report, { type: "rollback_done" }>, ctx: MachineContext): Transition {
  if ((state.rollback_pending ?? null) !== report.index) return ignore(state, `Ignored a stale rollback_done for task index ${report.index}.`);
  const d = new Draft(state, ctx);
  d.s.rollback_pending = null;
  const index = report.index;
  const headline = taskHeadline(d.s, index);
  if (report.error !== null) {
    d.notify("task_rolled_back", "error", `Could not roll back ${headline}: ${report.error}`, index);
    return d.done(`Could not roll back ${headline}: ${report.error}`, false);
  }
  const later = undoneAfter(state, index);
  for (const i of [index, ...later]) {
    const t = d.task(i);
    Object.assign(t, { status: "rolled_back", result: "rolled_back", commit: null, commit_error: null, files_changed: [], insertions: null, deletions: null, verification: null, phase: null });
    // The task keeps its base (the tree now equals it); a later task's base is gone with its predecessor's changes.
    t.git = i === index && t.git ? { ...t.git, head: null, head_commit: null } : null;
  }
  Object.assign(d.s, { completed_at: null, pause_requested: false, paused_at: null });
  const files = `${report.restored.length} file${report.restored.length === 1 ? "" : "s"} restored, ${report.removed.length} removed`;
  const also = later.length > 0 ? ` Also undone: ${later.map((i) => `Task ${i + 1}`).join(", ")}.` : "";
  const message = `↩️ ${headline} rolled back: ${files}.${also} Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.`;
  d.notify("task_rolled_back", "warning", message, index);
  waitFor(d, index, "it was rolled back");
  return d.done(message);
}
