import type { SessionState, TaskRecord } from "./state.js";

/** "Task 2/3" — position in the file, which is what a person counts (ids may be strings). */
export function taskLabel(state: SessionState, index: number): string {
  return `Task ${index + 1}/${state.tasks.length}`;
}

export function taskHeadline(state: SessionState, index: number): string {
  const task = state.tasks[index] as TaskRecord;
  return `${taskLabel(state, index)}: ${task.title}`;
}

/** Counts of tasks that are done (completed or skipped) and their share, e.g. `1/3 (33%)`. */
export function progressOf(state: SessionState): { done: number; total: number; percent: number; text: string } {
  const total = state.tasks.length;
  const done = state.tasks.filter((t) => t.status === "completed" || t.status === "skipped").length;
  const percent = total === 0 ? 0 : Math.round((done / total) * 100);
  return { done, total, percent, text: `${done}/${total} (${percent}%)` };
}

export function currentTask(state: SessionState): TaskRecord | null {
  return state.tasks[state.current_task_index] ?? null;
}
