/**
 * What the buttons of the morning carry (see callback-data.ts for the rules every button follows:
 * at most 64 bytes, and a press is checked against the current state before anything is done).
 *
 * - "pl:" a plan's Start / Show file / Discard: the plan's id verbatim (`<date>-p<n>`, about 15
 *   bytes), so a press on an older plan's button is refused with Control's own words ("Plan … is
 *   not the latest one").
 * - "dl:" the "📝 Plan from the daily log" offer of /start: the day it was made for (a press on
 *   another day would plan from another day's log), and "dl:f" its "pick another file".
 * - "uf:" the question about a session left unfinished on an earlier day: the session's task as it
 *   was asked about (session tag, index, attempt) and its status, so a press after it moved on is
 *   out of date; Start carries the offered file's name as a tag (names can be longer than 64
 *   bytes), found again among the task files at the press.
 */
import { createHash } from "node:crypto";
import type { SessionState } from "../core/state.js";
import { CALLBACK_DATA_MAX_BYTES, refIsCurrent, type TaskRef } from "./callback-data.js";

export type PlanAction = "start" | "show" | "discard";
const PLAN_CODES: Record<PlanAction, string> = { start: "s", show: "f", discard: "d" };

/** Plan ids the machine makes: `<YYYY-MM-DD>-p<n>`. */
const PLAN_ID = /^\d{4}-\d{2}-\d{2}-p\d{1,9}$/;

export function encodePlanAction(action: PlanAction, planId: string): string {
  if (!PLAN_ID.test(planId)) throw new Error(`not a plan id: ${planId}`);
  return checked(`pl:${PLAN_CODES[action]}:${planId}`);
}

export function decodePlanAction(data: string): { action: PlanAction; planId: string } | null {
  const m = /^pl:([sfd]):(.+)$/.exec(data);
  const action = m ? (Object.keys(PLAN_CODES) as PlanAction[]).find((a) => PLAN_CODES[a] === m[1]) : undefined;
  return m && action && PLAN_ID.test(m[2] as string) ? { action, planId: m[2] as string } : null;
}

/** /start's offer: "dl:p:<date>" plans from that day's daily log; "dl:f" opens the task-file picker. */
export const DAILY_LOG_PICK_FILE = "dl:f";
export const encodeDailyLogPlan = (date: string): string => checked(`dl:p:${date}`);
export function decodeDailyLogPress(data: string): { kind: "plan"; date: string } | { kind: "pick" } | null {
  if (data === DAILY_LOG_PICK_FILE) return { kind: "pick" };
  const m = /^dl:p:(\d{4}-\d{2}-\d{2})$/.exec(data);
  return m ? { kind: "plan", date: m[1] as string } : null;
}

/** The statuses an unfinished session can be asked about, one letter each. */
const STATUS_CODES: Record<string, string> = { waiting_approval: "w", paused: "p", task_failed: "f", waiting_limit: "l" };

/** The question's stamp: the session's current task and its status (null for a status that is never asked about). */
export interface UnfinishedRef {
  task: TaskRef;
  status: string;
}

export type UnfinishedPress = { kind: "continue"; ref: UnfinishedRef } | { kind: "start"; ref: UnfinishedRef; fileTag: string };

/** Short tag of a task file's name (the Start button names the file offered, not "today's"). */
export function fileTag(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 8);
}

export function encodeUnfinishedContinue(ref: UnfinishedRef): string {
  return checked(`uf:c:${encodeUnfinishedRef(ref)}`);
}

export function encodeUnfinishedStart(ref: UnfinishedRef, fileName: string): string {
  return checked(`uf:s:${encodeUnfinishedRef(ref)}:${fileTag(fileName)}`);
}

export function decodeUnfinishedPress(data: string): UnfinishedPress | null {
  const m = /^uf:([cs]):([0-9a-f]{8}):(\d{1,6}):(\d{1,6}):([wpfl])(?::([0-9a-f]{8}))?$/.exec(data);
  if (!m) return null;
  const status = Object.keys(STATUS_CODES).find((s) => STATUS_CODES[s] === m[5]) as string;
  const ref: UnfinishedRef = { task: { session: m[2] as string, index: Number(m[3]), attempt: Number(m[4]) }, status };
  if (m[1] === "c") return m[6] === undefined ? { kind: "continue", ref } : null;
  return m[6] !== undefined ? { kind: "start", ref, fileTag: m[6] } : null;
}

/** Whether the session is still where the question found it (same session, task, attempt and status). */
export function unfinishedIsCurrent(ref: UnfinishedRef, state: SessionState): boolean {
  return state.status === ref.status && refIsCurrent(ref.task, state);
}

/** Whether a status is one an unfinished-session question can name. */
export function askableStatus(status: string): boolean {
  return status in STATUS_CODES;
}

function encodeUnfinishedRef(ref: UnfinishedRef): string {
  const code = STATUS_CODES[ref.status];
  if (!code) throw new Error(`no unfinished-session question for status ${ref.status}`);
  return `${ref.task.session}:${ref.task.index}:${ref.task.attempt}:${code}`;
}

/** Fails loudly in development rather than letting Telegram answer 400 BUTTON_DATA_INVALID. */
function checked(data: string): string {
  if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback_data over ${CALLBACK_DATA_MAX_BYTES} bytes: ${data}`);
  return data;
}
