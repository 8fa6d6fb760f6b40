import type { ControlCode, ControlCommand, ControlResult, StatusData } from "../control/control-types.js";

/** HTTP status per control code (the mapping control-types.ts documents). */
export const HTTP_STATUS_OF: Record<ControlCode, number> = { ok: 200, bad_request: 400, not_found: 404, refused: 409, unavailable: 503 };

/** Every StatusData key; a Record so that a field added to StatusData must be added here too. */
const STATUS_KEYS: Record<keyof StatusData, true> = {
  session_id: true,
  task_file: true,
  status: true,
  task: true,
  total: true,
  current_task: true,
  last_task: true,
  git_branch: true,
  budget: true,
  limit: true,
  usage: true,
  progress: true,
  pause_requested: true,
  waiting_reason: true,
  started_at: true,
  runtime_s: true,
  cost_usd: true,
  commands: true,
  problems: true,
};

/**
 * A control result in the seed's shapes:
 * - status: the StatusData fields at top level (so `status` is the session status, as in the
 *   seed's `{"task": 2, "total": 5, "status": "waiting_approval"}`) plus `message`;
 * - other commands: `{"status":"ok","message", ...extras, "session": StatusData}`, where logs adds
 *   `logs`, `lines`, `file` and start adds `tasks`, `task_file`;
 * - failures: `{"status":"error","error":<code>,"message"}`, plus `session` when the control
 *   layer reported the state (a refusal), `issues` for a task file with mistakes, and for a
 *   refused start `unfinished` (StartQuestion) or `daily_log` (no task file, but a daily log).
 * `currentStatus` supplies the session for results that carry none (help, logs).
 */
export function controlResponse(command: ControlCommand, result: ControlResult, currentStatus: () => StatusData): { status: number; body: Record<string, unknown> } {
  const { session, extras } = split(result.data);
  if (!result.ok) {
    const body: Record<string, unknown> = { status: "error", error: result.code, message: result.message };
    if (Array.isArray(extras.issues)) body.issues = extras.issues;
    // A refused start's question (a session left unfinished on an earlier day) and its /plan hint.
    if (extras.unfinished) body.unfinished = extras.unfinished;
    if (typeof extras.daily_log === "string") body.daily_log = extras.daily_log;
    if (session) body.session = session;
    return { status: HTTP_STATUS_OF[result.code], body };
  }
  if (command === "status") return { status: 200, body: { ...(session ?? currentStatus()), message: result.message } };
  const body: Record<string, unknown> = { status: "ok", message: result.message, ...extras };
  if (command === "start" && session) body.task_file = session.task_file;
  body.session = session ?? currentStatus();
  return { status: HTTP_STATUS_OF[result.code], body };
}

/** Separates the StatusData fields of a result's data from the command's own extras. */
function split(data: Record<string, unknown>): { session: StatusData | null; extras: Record<string, unknown> } {
  const session: Record<string, unknown> = {};
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key in STATUS_KEYS) session[key] = value;
    else extras[key] = value;
  }
  // Only a result that carries the session (its session_id) has one; a diff's own "task" is no StatusData field.
  if (!("session_id" in data)) return { session: null, extras: { ...data } };
  return { session: session as unknown as StatusData, extras };
}
