import type { Notification } from "./effects.js";
import { progressOf } from "./describe.js";
import type { NotificationPayload, SessionState } from "./state.js";

/**
 * The JSON n8n receives for a notification: `{id, event, type, message, session_id, task, progress,
 * timestamp}`. Consumes one number of the state's notify_seq, so the id is stable across retries
 * and restarts. Pure apart from that increment on the draft it is given.
 */
export function buildPayload(s: SessionState, n: Notification, now: string): NotificationPayload {
  s.notify_seq += 1;
  const task = n.task_index === null ? null : s.tasks[n.task_index];
  const { done, total, percent } = progressOf(s);
  return {
    id: `${s.session_id ?? "orchestrator"}-${s.notify_seq}`,
    event: n.event,
    type: n.level,
    message: n.message,
    session_id: s.session_id,
    task:
      task && n.task_index !== null
        ? {
            number: n.task_index + 1,
            total: s.tasks.length,
            id: task.id,
            title: task.title,
            type: task.type,
            status: task.status,
            error: task.error,
            duration_s: task.duration_s,
            cost_usd: task.cost_usd,
          }
        : null,
    progress: { done, total, percent },
    timestamp: now,
  };
}
