/**
 * What an inline button carries. Telegram allows 1-64 BYTES of callback_data and answers 400 to
 * anything longer (grammY does not check), so the session id is carried as an 8-hex-digit tag
 * rather than verbatim, and positions as numbers: "cp:a:1f2e3d4c:1:0" is about 20 bytes.
 *
 * A button names the exact task it was made for (session, task index, attempt), so a press is
 * checked against the current state: one made for an earlier moment is refused as out of date
 * instead of acting on whatever the session is doing now.
 *
 * Prefixes: "cp:" checkpoint (approve / skip / pause), "sk:" skip confirmation, "tk:" a task's
 * Diff / Rollback, "rb:" rollback confirmation, "tf:" task-file picker, "pm:" a permission
 * request's Allow / Always / Deny / Stop, "qa:" / "qd:" a question's option / Done, "rv:" revoke
 * an "always" rule.
 *
 * A permission button names its request by the id's session (as a tag) and sequence number
 * (`<session>-p<n>`), never by position or by "the pending one": a press is acted on only when
 * a record with exactly that id is in the state, and the core decides whether it is still open.
 */
import { createHash } from "node:crypto";
import type { PermissionRecord } from "../core/permission.js";
import type { SessionState } from "../core/state.js";

export const CALLBACK_DATA_MAX_BYTES = 64;

export type CheckpointAction = "approve" | "skip" | "pause";

/** The task a button was made for. */
export interface TaskRef {
  session: string;
  index: number;
  attempt: number;
}

const ACTION_CODES: Record<CheckpointAction, string> = { approve: "a", skip: "s", pause: "p" };

/** Short, stable tag of a session id (ids are person-facing; the tag only has to tell sessions apart). */
export function sessionTag(sessionId: string | null): string {
  return createHash("sha256").update(sessionId ?? "").digest("hex").slice(0, 8);
}

/** The current task of `state` (index `index` when given) as a button reference. */
export function taskRef(state: SessionState, index: number = state.current_task_index): TaskRef {
  return { session: sessionTag(state.session_id), index, attempt: state.tasks[index]?.attempts ?? 0 };
}

/** Whether `ref` still names the current task, at the same attempt, of the same session. */
export function refIsCurrent(ref: TaskRef, state: SessionState): boolean {
  const task = state.tasks[state.current_task_index];
  return state.status !== "idle" && state.status !== "completed" && ref.session === sessionTag(state.session_id) && ref.index === state.current_task_index && task !== undefined && task.attempts === ref.attempt;
}

export function encodeCheckpoint(action: CheckpointAction, ref: TaskRef): string {
  return checked(`cp:${ACTION_CODES[action]}:${encodeRef(ref)}`);
}

export function decodeCheckpoint(data: string): { action: CheckpointAction; ref: TaskRef } | null {
  const m = /^cp:([asp]):(.+)$/.exec(data);
  if (!m) return null;
  const action = (Object.keys(ACTION_CODES) as CheckpointAction[]).find((a) => ACTION_CODES[a] === m[1]);
  const ref = decodeRef(m[2] as string);
  return action && ref ? { action, ref } : null;
}

/** The skip confirmation's buttons: "sk:y:<ref>" (yes, for that task) and "sk:n". */
export const SKIP_NO = "sk:n";
export const encodeSkipYes = (ref: TaskRef): string => checked(`sk:y:${encodeRef(ref)}`);
export function decodeSkipAnswer(data: string): { yes: true; ref: TaskRef } | { yes: false } | null {
  if (data === SKIP_NO) return { yes: false };
  const m = /^sk:y:(.+)$/.exec(data);
  const ref = m ? decodeRef(m[1] as string) : null;
  return ref ? { yes: true, ref } : null;
}

/** The buttons under a task's completion (or failure) message: its diff, and a rollback (which asks first). */
export type TaskAction = "diff" | "rollback";
const TASK_ACTION_CODES: Record<TaskAction, string> = { diff: "d", rollback: "r" };

export const encodeTaskAction = (action: TaskAction, ref: TaskRef): string => checked(`tk:${TASK_ACTION_CODES[action]}:${encodeRef(ref)}`);
export function decodeTaskAction(data: string): { action: TaskAction; ref: TaskRef } | null {
  const m = /^tk:([dr]):(.+)$/.exec(data);
  const ref = m ? decodeRef(m[2] as string) : null;
  return m && ref ? { action: m[1] === "d" ? "diff" : "rollback", ref } : null;
}

/** Whether `ref` still names task `ref.index` of the current session, at the same attempt (any task, not just the current one). */
export function refIsTask(ref: TaskRef, state: SessionState): boolean {
  const task = state.tasks[ref.index];
  return state.status !== "idle" && ref.session === sessionTag(state.session_id) && task !== undefined && task.attempts === ref.attempt;
}

/**
 * What a rollback of task `index` would undo, as a short tag: the attempts, statuses and
 * snapshots of that task and every later one. The confirmation's Yes carries it, so a press after
 * anything changed there (a later task ran, a retry, another rollback) is refused as out of date
 * instead of undoing more, or other, work than the question said.
 */
export function rollbackStamp(state: SessionState, index: number): string {
  const scope = state.tasks.slice(index).map((t) => [t.attempts, t.status, t.git?.base ?? "", t.git?.head ?? ""]);
  return createHash("sha256").update(JSON.stringify([state.session_id, index, scope])).digest("hex").slice(0, 8);
}

/** The rollback confirmation's buttons: "rb:y:<ref>:<stamp>" (yes, for that task as it was asked about) and "rb:n". */
export const ROLLBACK_NO = "rb:n";
export const encodeRollbackYes = (ref: TaskRef, stamp: string): string => checked(`rb:y:${encodeRef(ref)}:${stamp}`);
export function decodeRollbackAnswer(data: string): { yes: true; ref: TaskRef; stamp: string } | { yes: false } | null {
  if (data === ROLLBACK_NO) return { yes: false };
  const m = /^rb:y:(.+):([0-9a-f]{8})$/.exec(data);
  const ref = m ? decodeRef(m[1] as string) : null;
  return m && ref ? { yes: true, ref, stamp: m[2] as string } : null;
}

/** The task-file picker's buttons: "tf:<position in the offered list>" and "tf:x" (cancel). */
export const FILE_CANCEL = "tf:x";
export const encodeFilePick = (position: number): string => checked(`tf:${position}`);
export function decodeFilePick(data: string): number | "cancel" | null {
  if (data === FILE_CANCEL) return "cancel";
  const m = /^tf:(\d{1,3})$/.exec(data);
  return m ? Number(m[1]) : null;
}

/** A permission request as a button names it: the tag of its id's session part and its sequence number. */
export interface PermissionRef {
  session: string;
  seq: number;
}

export type PermissionAction = "allow" | "always" | "deny" | "stop";
const PERMISSION_CODES: Record<PermissionAction, string> = { allow: "a", always: "w", deny: "d", stop: "s" };

/** The ref of a permission id `<session>-p<n>`; null for an id of another shape. */
export function permissionRef(id: string): PermissionRef | null {
  const m = /^(.*)-p(\d{1,9})$/.exec(id);
  return m ? { session: sessionTag(m[1] as string), seq: Number(m[2]) } : null;
}

/** The record `ref` names, when the state still holds it (pending or answered); null otherwise. */
export function findPermission(state: SessionState, ref: PermissionRef): PermissionRecord | null {
  return (state.permissions ?? []).find((p) => {
    const own = permissionRef(p.id);
    return own !== null && own.seq === ref.seq && own.session === ref.session;
  }) ?? null;
}

export const encodePermission = (action: PermissionAction, ref: PermissionRef): string => checked(`pm:${PERMISSION_CODES[action]}:${ref.session}:${ref.seq}`);
export function decodePermission(data: string): { action: PermissionAction; ref: PermissionRef } | null {
  const m = /^pm:([awds]):([0-9a-f]{8}):(\d{1,9})$/.exec(data);
  const action = m ? (Object.keys(PERMISSION_CODES) as PermissionAction[]).find((a) => PERMISSION_CODES[a] === m[1]) : undefined;
  return m && action ? { action, ref: { session: m[2] as string, seq: Number(m[3]) } } : null;
}

/** A question's option (question `q`, option `o`, both positions in the request's input) and its Done button. */
export const encodeQuestionOption = (ref: PermissionRef, q: number, o: number): string => checked(`qa:${ref.session}:${ref.seq}:${q}:${o}`);
export const encodeQuestionDone = (ref: PermissionRef): string => checked(`qd:${ref.session}:${ref.seq}`);
export type QuestionPress = { kind: "option"; ref: PermissionRef; question: number; option: number } | { kind: "done"; ref: PermissionRef };
export function decodeQuestionPress(data: string): QuestionPress | null {
  const option = /^qa:([0-9a-f]{8}):(\d{1,9}):(\d{1,2}):(\d{1,2})$/.exec(data);
  if (option) return { kind: "option", ref: { session: option[1] as string, seq: Number(option[2]) }, question: Number(option[3]), option: Number(option[4]) };
  const done = /^qd:([0-9a-f]{8}):(\d{1,9})$/.exec(data);
  return done ? { kind: "done", ref: { session: done[1] as string, seq: Number(done[2]) } } : null;
}

/** Short tag of an "always" rule's text: the Revoke button names the rule, not its position in a list that changes. */
export function ruleTag(rule: string): string {
  return createHash("sha256").update(rule).digest("hex").slice(0, 8);
}

export const encodeRevoke = (session: string, rule: string): string => checked(`rv:${session}:${ruleTag(rule)}`);
export function decodeRevoke(data: string): { session: string; rule: string } | null {
  const m = /^rv:([0-9a-f]{8}):([0-9a-f]{8})$/.exec(data);
  return m ? { session: m[1] as string, rule: m[2] as string } : null;
}

function encodeRef(ref: TaskRef): string {
  return `${ref.session}:${ref.index}:${ref.attempt}`;
}

function decodeRef(text: string): TaskRef | null {
  const m = /^([0-9a-f]{8}):(\d{1,6}):(\d{1,6})$/.exec(text);
  return m ? { session: m[1] as string, index: Number(m[2]), attempt: Number(m[3]) } : null;
}

/** Fails loudly in development rather than letting Telegram answer 400 BUTTON_DATA_INVALID. */
function checked(data: string): string {
  if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback_data over ${CALLBACK_DATA_MAX_BYTES} bytes: ${data}`);
  return data;
}
