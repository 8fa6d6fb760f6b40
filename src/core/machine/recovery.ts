import type { Effect } from "../effects.js";
import type { SessionState } from "../state.js";
import { taskHeadline, taskLabel } from "../describe.js";
import { Draft, waitFor, type MachineContext, type Transition } from "../draft.js";
import { ignore } from "./replies.js";
import { expirePending } from "./permissions.js";

// A restart, and the end of what an interrupted run left running.

/** One wording for a task the orchestrator stopped, whichever way it stopped. */
export function interruptedError(how: "shutdown" | "crash or restart"): string {
  return `interrupted: the orchestrator stopped while this task ran (${how})`;
}

/**
 * What a run of task `index` may have left running: every process carrying its marker (unique, so
 * safe after a reboot too), and its group, only if the machine has not rebooted since (pgids are
 * reused). null when nothing is recorded.
 */
function leftoversOf(state: SessionState, index: number, bootId: string | null): Extract<Effect, { type: "kill_orphan" }> | null {
  const task = state.tasks[index];
  if (!task) return null;
  const pgid = task.pgid && task.boot_id && task.boot_id === bootId ? task.pgid : null;
  const marker = task.run_marker ?? null; // absent in state files written before it was recorded
  return pgid !== null || marker !== null ? { type: "kill_orphan", index, pgid, run_marker: marker } : null;
}

/**
 * After a restart: a task recorded as running has no process of ours any more, and what its run
 * started is ended before any command is taken. The record of those processes is kept until
 * that is done (orphans_ended), so a crash during this recovery leaves the next start the same work.
 */
export function recover(state: SessionState, bootId: string | null, ctx: MachineContext): Transition {
  const index = state.current_task_index;
  const leftovers = leftoversOf(state, index, bootId);
  const pending = state.rollback_pending ?? null;
  if (pending !== null) {
    // A rollback was under way when the process stopped: the tree may be half restored. Restoring
    // to the same snapshot again is safe (it writes what differs), so it is simply done again.
    const task = state.tasks[pending];
    const base = task?.git?.base ?? null;
    if (base === null) return { state: { ...state, rollback_pending: null }, effects: [], reply: { ok: true, message: "dropped a rollback with no snapshot" } };
    const committed = state.tasks.slice(pending).some((t) => t.commit);
    const redo = { type: "rollback_tree" as const, index: pending, tree: base, reset_to: committed ? (task?.git?.head_before ?? null) : null, safety_ref: `rollback-${task?.attempts ?? 0}-${Date.parse(ctx.now)}` };
    return { state, effects: leftovers ? [leftovers, redo] : [redo], reply: { ok: true, message: `finishing the rollback of ${taskLabel(state, pending)}` } };
  }
  if (state.status !== "running") {
    // Not running, yet leftovers recorded: the previous start crashed while ending them.
    if (leftovers) return { state, effects: [leftovers], reply: { ok: true, message: `ending what ${taskLabel(state, index)} left running` } };
    return { state, effects: [], reply: { ok: true, message: "nothing to recover" } };
  }
  const d = new Draft(state, ctx);
  const task = d.task(index);
  // Nothing recorded may still mean something runs: a crash between the spawn and the save that
  // records it. The edge also ends whatever carries the state file's mark, so ask for it anyway.
  d.effects.push(leftovers ?? { type: "kill_orphan", index, pgid: null, run_marker: null });
  Object.assign(task, {
    status: "interrupted",
    result: "interrupted",
    error: interruptedError("crash or restart"),
    completed_at: ctx.now,
    skip_requested: false,
    phase: null,
    cancel_requested_by: null,
  });
  // Nothing we may signal (no marker; a group of an earlier boot): nothing to keep either.
  if (!leftovers) Object.assign(task, { pid: null, pgid: null, run_marker: null });
  d.s.pause_requested = false;
  // A run that was waiting for a person is resumable: /retry continues its Claude session and it asks again.
  if ((d.s.permissions ?? []).some((p) => p.index === index && p.status === "pending")) task.resume_on_retry = true;
  expirePending(d, index, "the task was interrupted by a restart; /retry continues it");
  d.notify("task_interrupted", "warning", `${taskHeadline(d.s, index)} was interrupted by a restart.`, index);
  waitFor(d, index, "it was interrupted by a restart and may have changed files");
  return d.done(`${taskHeadline(d.s, index)} was interrupted; waiting for /retry or /skip.`);
}

/** The leftovers of a run were ended: forget them (unless the task runs again, with a new marker). */
export function forgetOrphan(state: SessionState, index: number, marker: string | null): Transition {
  const task = state.tasks[index];
  if (!task || task.status === "running" || (task.run_marker ?? null) !== marker) return ignore(state, `Ignored a stale orphans_ended for task index ${index}.`);
  if (task.pid === null && task.pgid === null && task.run_marker === null) return ignore(state, "nothing to forget");
  const tasks = state.tasks.slice();
  tasks[index] = { ...task, pid: null, pgid: null, run_marker: null };
  return { state: { ...state, tasks }, effects: [], reply: { ok: true, message: "forgot the ended leftovers" } };
}
