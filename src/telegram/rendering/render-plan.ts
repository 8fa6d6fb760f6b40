/**
 * The morning's messages: a plan's notifications (drafting, fixing, ready with Start / Show file /
 * Discard, failed, discarded), /plan show, /start's offer to plan from the daily log, and the
 * question about a session left unfinished on an earlier day. Pure: state or Control's data in,
 * HTML and keyboards out, every dynamic value escaped.
 */
import path from "node:path";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { StartQuestion } from "../../control/control-types.js";
import type { Notification } from "../../core/effects.js";
import type { PlanRecord } from "../../core/plan.js";
import type { SessionState } from "../../core/state.js";
import { taskRef } from "../callback-data.js";
import { DAILY_LOG_PICK_FILE, askableStatus, encodeDailyLogPlan, encodePlanAction, encodeUnfinishedContinue, encodeUnfinishedStart, type UnfinishedRef } from "../plan-callback-data.js";
import { bold, code, escapeHtml, italic, truncate } from "./html.js";
import type { OutgoingMessage } from "./render-change.js";
import { shortPath } from "./render-parts.js";

/** The plan's notifications: rendered here, not by renderChange. */
export const PLAN_EVENTS: ReadonlySet<string> = new Set(["plan_started", "plan_fixing", "plan_ready", "plan_failed", "plan_discarded"]);

/** Tasks listed in the ready message; the rest are counted (the file has them all). */
const TASKS_SHOWN = 40;

const button = (text: string, data: string): InlineKeyboardButton.CallbackButton => ({ text, callback_data: data });

/** Start / Show file / Discard, bound to the plan `planId`. */
export function planKeyboard(planId: string): InlineKeyboardMarkup {
  return { inline_keyboard: [[button("▶️ Start", encodePlanAction("start", planId)), button("📄 Show file", encodePlanAction("show", planId)), button("🗑 Discard", encodePlanAction("discard", planId))]] };
}

/** One message per plan notification of a transition; the ready one with its buttons. */
export function renderPlanNotes(state: SessionState, notes: Notification[]): OutgoingMessage[] {
  return notes.filter((n) => PLAN_EVENTS.has(n.event)).map((n) => renderPlanNote(state, n));
}

function renderPlanNote(state: SessionState, n: Notification): OutgoingMessage {
  const plan = state.plan ?? null;
  if (n.event === "plan_ready" && plan?.status === "ready" && plan.file) return { html: renderPlanReady(plan), keyboard: planKeyboard(plan.id), run: null };
  const hint = n.event === "plan_started" || n.event === "plan_fixing" ? italic("The task list comes when it is ready. /plan discard stops it.") : null;
  // The core's words, with the plan's absolute paths as the folder and name ("daily_logs/2026-01-01.md").
  let text = n.message;
  for (const file of [plan?.daily_log, plan?.file, plan?.kept_existing]) if (file) text = text.split(file).join(shortPath(file));
  const html = escapeHtml(text);
  return { html: hint ? `${html}\n\n${hint}` : html, keyboard: null, run: null };
}

/** "📝 Plan ready: 3 tasks" with the list (type, which need approval, which verify) and where the file is. */
export function renderPlanReady(plan: PlanRecord): string {
  const count = `${plan.tasks.length} task${plan.tasks.length === 1 ? "" : "s"}`;
  const cost = plan.cost_usd > 0 ? ` ($${plan.cost_usd.toFixed(2)})` : "";
  const lines = plan.tasks.slice(0, TASKS_SHOWN).map((t, i) => {
    const marks = [t.type ? escapeHtml(`(${t.type})`) : null, t.requires_approval ? "⏸ needs approval" : null, t.verify.length > 0 ? "✔ verify" : null].filter(Boolean);
    return `${i + 1}. ${escapeHtml(truncate(t.title, 200))}${marks.length > 0 ? ` ${marks.join(" ")}` : ""}`;
  });
  if (plan.tasks.length > TASKS_SHOWN) lines.push(italic(`… and ${plan.tasks.length - TASKS_SHOWN} more (Show file)`));
  const kept = plan.kept_existing ? [italic(`${path.basename(plan.kept_existing)} already existed and was kept; the plan went beside it.`)] : [];
  return [`📝 ${bold(`Plan ready: ${count}`)} from ${code(shortPath(plan.daily_log))}${cost}`, "", ...lines, "", `Written to ${code(shortPath(plan.file))}.`, ...kept, "Start it, show the file, or discard it."].join("\n");
}

/** /plan show: the ready plan (with its buttons) or where the latest plan stands. */
export function renderPlanShow(plan: PlanRecord | null, message: string): { html: string; keyboard: InlineKeyboardMarkup | null } {
  if (plan?.status === "ready" && plan.file) return { html: renderPlanReady(plan), keyboard: planKeyboard(plan.id) };
  return { html: escapeHtml(message), keyboard: null };
}

/** The caption of the plan's task file sent as a document. */
export function planFileCaption(plan: PlanRecord): string {
  return `📄 ${bold(`Plan ${plan.id}`)}: ${code(shortPath(plan.file))}`;
}

/**
 * /start on a day with a daily log but no task file: plan from the log (one tap), or pick another
 * file (when there are others).
 */
export function renderDailyLogOffer(todayName: string, dailyLog: string, date: string, otherFiles: boolean): { html: string; keyboard: InlineKeyboardMarkup } {
  const html = [`📋 ${bold("No task file for today")} (${code(todayName)}).`, "", `There is a daily log, ${code(shortPath(dailyLog))}: Claude can draft today's task file from it (read-only), and you get the list to start or discard.`].join("\n");
  const rows = [[button("📝 Plan from the daily log", encodeDailyLogPlan(date))], ...(otherFiles ? [[button("📋 Pick another file", DAILY_LOG_PICK_FILE)]] : [])];
  return { html, keyboard: { inline_keyboard: rows } };
}

/** The command that carries an unfinished session on from where it stands. */
export function continueCommand(status: string): "approve" | "resume" | "retry" {
  if (status === "waiting_approval") return "approve";
  if (status === "task_failed") return "retry";
  return "resume"; // paused, waiting_limit (resume tries now)
}

/**
 * "Session … from <date> is unfinished (2 of 5 done). Continue it, or start today's file?" with
 * "Continue it (/approve)" and, when there is a file to start, "Start today's file". null when
 * the session's status is none the question can name (Control then answers as it does).
 */
export function renderUnfinishedQuestion(q: StartQuestion, state: SessionState, today: string): { html: string; keyboard: InlineKeyboardMarkup } | null {
  if (!askableStatus(state.status) || q.session_id !== state.session_id) return null;
  const ref: UnfinishedRef = { task: taskRef(state), status: state.status };
  const next = continueCommand(state.status);
  const file = q.today_file ? path.basename(q.today_file) : null;
  const where = `${q.done} of ${q.total} done, ${state.status.replace("_", " ")}`;
  const ask = !file ? "Continue it? There is no task file for today: /start &lt;file&gt; names another one." : file.startsWith(today) ? "Continue it, or start today's file?" : `Continue it, or start ${code(file)}?`;
  const html = [`🗓 ${bold(`Session ${q.session_id ?? "?"} from ${q.started_on} is unfinished`)} (${escapeHtml(where)}).`, q.task_file ? `File: ${code(shortPath(q.task_file))}` : null, "", ask]
    .filter((l) => l !== null)
    .join("\n");
  const rows = [[button(`▶️ Continue it (/${next})`, encodeUnfinishedContinue(ref))]];
  if (file) rows.push([button(`📋 ${file.startsWith(today) ? "Start today's file" : "Start"}: ${truncate(file, 48)}`, encodeUnfinishedStart(ref, file))]);
  return { html, keyboard: { inline_keyboard: rows } };
}
