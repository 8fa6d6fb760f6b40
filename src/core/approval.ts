import type { ApprovalPolicy } from "./approval-policy.js";
import type { TaskRecord } from "./state.js";

/**
 * Decides whether a task must wait for a person before it runs, and why.
 * Returns the reason to show, or null when it may start at once.
 *
 * - A task that failed or was interrupted never re-runs by itself: it may have had side effects.
 * - `Requires Approval: true` always waits.
 * - A checkpoint type (checkpoint_after) stops the session after such a task, in every mode.
 * - `manual` waits before every task; `required` before every task whose type is not in auto_approve;
 *   `auto` runs back to back.
 */
export function approvalGate(task: TaskRecord, previous: TaskRecord | null, policy: ApprovalPolicy): string | null {
  if (task.status === "interrupted") return "it was interrupted before it finished and may have changed files";
  if (task.status === "failed") return "it failed before";
  if (task.status === "rolled_back") return "it was rolled back";
  if (task.requires_approval) return "it is marked Requires Approval";
  if (previous && previous.status === "completed" && previous.type && policy.checkpoint_after.includes(previous.type)) {
    return `checkpoint after the ${previous.type} task "${previous.title}"`;
  }
  if (policy.approval_mode === "manual") return "approval mode is manual";
  if (policy.approval_mode === "required" && !(task.type && policy.auto_approve.includes(task.type))) {
    return "approval mode is required";
  }
  return null;
}
