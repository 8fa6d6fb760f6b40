import type { Notification } from "./effects.js";
import { progressOf } from "./describe.js";
import type { NotificationPayload, SessionState } from "./state.js";
import { alwaysRuleOf, ruleText } from "./permission.js";
import { describePermission } from "./describe-permission.js";

/** Longest tool input sent in a payload (the whole input stays in the state); longer is cut with a note. */
const MAX_INPUT_CHARS = 8000;

/** The request a permission notification is about, for a workflow to show and answer it (its id). */
function permissionPayload(s: SessionState, id: string): NotificationPayload["permission"] {
  const p = (s.permissions ?? []).find((x) => x.id === id);
  if (!p) return null;
  const text = JSON.stringify(p.input);
  const input = text.length > MAX_INPUT_CHARS ? { truncated: `${text.slice(0, MAX_INPUT_CHARS)}…` } : p.input;
  return { id: p.id, kind: p.kind, tool: p.tool, input, summary: describePermission(p), description: p.description, always_rule: ruleText(alwaysRuleOf(p)), blocked_path: p.blocked_path, status: p.status, answered_by: p.answered_by };
}

/**
 * The JSON n8n receives for a notification: `{id, event, type, message, session_id, task, progress,
 * timestamp}`; `task` carries what it changed (files_changed, insertions, deletions), its
 * verification and its commit, so a workflow can format a checkpoint without asking back. Consumes one number of the state's notify_seq, so the id is stable across retries
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
            files_changed: task.files_changed ?? [],
            insertions: task.insertions ?? null,
            deletions: task.deletions ?? null,
            verification: task.verification ?? null,
            commit: task.commit ?? null,
          }
        : null,
    progress: { done, total, percent },
    timestamp: now,
    ...(n.permission_id ? { permission: permissionPayload(s, n.permission_id) } : {}),
    ...(n.event.startsWith("plan_") ? { plan: planPayload(s) } : {}),
  };
}

/** The plan a plan_* notification is about (the state's latest), for a workflow to list it and answer by id. */
function planPayload(s: SessionState): NotificationPayload["plan"] {
  const p = s.plan;
  if (!p) return null;
  const tasks = p.tasks.map((t) => ({ id: t.id, title: t.title, type: t.type, requires_approval: t.requires_approval }));
  return { id: p.id, status: p.status, daily_log: p.daily_log, file: p.file, kept_existing: p.kept_existing, tasks, issues: p.issues, error: p.error, cost_usd: p.cost_usd };
}
