/**
 * Presses of the morning's buttons (plan-callback-data.ts), each checked against the current state
 * first. Every press is answered (answerCallbackQuery: no spinner left turning); a press that
 * did something edits its message to say what, by whom, and without its buttons.
 *
 * - "pl:" ▶️ Start / 📄 Show file / 🗑 Discard under a ready plan: the button names its plan. A
 *   plan that is no longer the latest ready one is refused with Control's own words ("Plan … is
 *   not the latest one"), and its message loses the buttons, since that plan can never be started
 *   again. Show file also works for the plan a session was started from.
 * - "dl:" /start's "📝 Plan from the daily log" (the day it was made for only) and "Pick another
 *   file" (the task-file picker conversation).
 * - "uf:" the question about a session left unfinished on an earlier day: the session must still
 *   stand where it was asked about (session, task, attempt, status), else "out of date".
 *   "Continue it" sends the session's own next step (approve, resume, retry); "Start today's
 *   file" starts the file offered, found again by its tag, with replace.
 */
import type { Bot } from "grammy";
import type { CallbackQuery } from "grammy/types";
import { ControlError } from "../../control/control-error.js";
import { listTaskFiles } from "../../control/resolve-task-file.js";
import type { SessionState } from "../../core/state.js";
import { localDate } from "../../logging/daily-file-stream.js";
import { readyPlan } from "../../plan/plan-control.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { PICK_TASK_FILE } from "../conversations/pick-task-file-conversation.js";
import { decodeDailyLogPress, decodePlanAction, decodeUnfinishedPress, fileTag, unfinishedIsCurrent, type PlanAction } from "../plan-callback-data.js";
import { escapeHtml, italic, truncate } from "../rendering/html.js";
import { continueCommand } from "../rendering/render-plan.js";
import { showPlan } from "./plan-command.js";
import { runCommand } from "./run-command.js";
import { startCommand } from "./start-command.js";

/** Telegram shows at most 200 characters of a callback answer. */
const ANSWER_MAX = 200;

interface Press {
  chatId: string;
  queryId: string;
  /** The pressed message (its text is kept when the buttons go). */
  message: { message_id: number; text: string } | null;
  /** " by Ana" for the edited message ("" when Telegram gives no name). */
  who: string;
}

export function registerPlanCallbacks(bot: Bot<BotContext>, deps: BotDeps): void {
  bot.callbackQuery(/^pl:/, async (ctx) => {
    const press = pressOf(ctx);
    const pressed = decodePlanAction(ctx.callbackQuery.data);
    if (!press || !pressed) return stale(deps, ctx.callbackQuery);
    await pressPlan(deps, press, pressed.action, pressed.planId);
  });

  bot.callbackQuery(/^dl:/, async (ctx) => {
    const press = pressOf(ctx);
    const pressed = decodeDailyLogPress(ctx.callbackQuery.data);
    if (!press || !pressed) return stale(deps, ctx.callbackQuery);
    const today = localDate(deps.clock.now());
    if (pressed.kind === "pick") {
      await deps.sender.answerCallback(press.queryId, "📋 Which file?");
      await settle(deps, press, "Picking another file.");
      // A new question replaces any open one (as /start does); its own buttons follow.
      await ctx.conversation.exitAll();
      await ctx.conversation.enter(PICK_TASK_FILE, `${today}-tasks.md`);
      return;
    }
    if (pressed.date !== today) {
      await deps.sender.answerCallback(press.queryId, `That offer was for ${pressed.date}'s daily log: send /start again.`);
      await settle(deps, press, `Out of date: it was for ${pressed.date}.`);
      return;
    }
    await deps.sender.answerCallback(press.queryId, "📝 Planning from the daily log");
    const result = await runCommand(deps, press.chatId, { command: "plan", daily_log: null });
    if (result?.ok) await settle(deps, press, `📝 Planning${press.who}.`);
  });

  bot.callbackQuery(/^uf:/, async (ctx) => {
    const press = pressOf(ctx);
    const pressed = decodeUnfinishedPress(ctx.callbackQuery.data);
    const state = deps.orchestrator.state;
    if (!press || !pressed || !unfinishedIsCurrent(pressed.ref, state)) {
      deps.log.info({ data: ctx.callbackQuery.data, chat_id: ctx.chat?.id }, "out-of-date unfinished-session button pressed; nothing done");
      return stale(deps, ctx.callbackQuery);
    }
    if (pressed.kind === "continue") {
      const next = continueCommand(state.status);
      await deps.sender.answerCallback(press.queryId, `▶️ Continuing: /${next}`);
      await settle(deps, press, `▶️ Continued${press.who}: /${next}`);
      await runCommand(deps, press.chatId, next === "retry" ? { command: "retry", feedback: null } : { command: next });
      return;
    }
    const name = (await listTaskFiles(deps.tasksDir)).find((f) => fileTag(f) === pressed.fileTag);
    if (!name) {
      await deps.sender.answerCallback(press.queryId, "That file is no longer in the tasks folder: send /start again.");
      return;
    }
    await deps.sender.answerCallback(press.queryId, truncate(`📋 Starting ${name}`, ANSWER_MAX));
    const result = await startCommand(deps, press.chatId, { command: "start", task_file: name, replace: true });
    if (result?.ok) await settle(deps, press, `📋 Started ${name}${press.who}; session ${state.session_id ?? "?"} was left as it was.`);
  });
}

async function pressPlan(deps: BotDeps, press: Press, action: PlanAction, planId: string): Promise<void> {
  const state = deps.orchestrator.state;
  const refusal = planRefusal(state, planId, action);
  if (refusal) {
    deps.log.info({ plan: planId, action, chat_id: press.chatId }, `plan button pressed for a plan that cannot be ${action === "show" ? "shown" : `${action}ed`}: ${refusal}`);
    await deps.sender.answerCallback(press.queryId, truncate(refusal, ANSWER_MAX));
    // Only this plan's buttons are there: it can never be started or discarded again.
    if (state.plan?.id !== planId || state.plan.status !== "ready") await settle(deps, press, refusal);
    return;
  }
  if (action === "show") {
    await deps.sender.answerCallback(press.queryId, "📄 Sending the file");
    await showPlan(deps, press.chatId, { withText: false });
    return;
  }
  if (action === "start") {
    await deps.sender.answerCallback(press.queryId, "▶️ Starting the plan");
    // A refusal is answered by startCommand (the unfinished-session question, or the reason); the buttons stay.
    const result = await startCommand(deps, press.chatId, { command: "plan_start", id: planId });
    if (result?.ok) await settle(deps, press, `▶️ Started${press.who}`);
    return;
  }
  await deps.sender.answerCallback(press.queryId, "🗑 Discarding the plan");
  const result = await runCommand(deps, press.chatId, { command: "plan_discard", id: planId });
  if (result?.ok) await settle(deps, press, `🗑 Discarded${press.who}`);
}

/**
 * Why plan `planId` cannot be acted on now, in Control's words (readyPlan: not the latest, still
 * being drafted, started, failed, discarded), or null. Show file also takes the started plan.
 */
function planRefusal(state: SessionState, planId: string, action: PlanAction): string | null {
  const p = state.plan;
  if (action === "show" && p?.id === planId && p.status === "started" && p.file) return null;
  try {
    readyPlan(state, planId);
    return null;
  } catch (error) {
    if (error instanceof ControlError) return error.message;
    throw error;
  }
}

/** The pressed message again, with a line saying what happened and no buttons. */
async function settle(deps: BotDeps, press: Press, line: string): Promise<void> {
  if (!press.message) return;
  await deps.sender.edit(press.chatId, press.message.message_id, `${escapeHtml(press.message.text)}\n\n${italic(line)}`);
}

function stale(deps: BotDeps, query: CallbackQuery): Promise<void> {
  return deps.sender.answerCallback(query.id, STALE_BUTTON);
}

function pressOf(ctx: BotContext & { callbackQuery: CallbackQuery }): Press | null {
  if (ctx.chat === undefined) return null;
  const m = ctx.callbackQuery.message;
  const message = m && "text" in m && typeof m.text === "string" ? { message_id: m.message_id, text: m.text } : null;
  return { chatId: String(ctx.chat.id), queryId: ctx.callbackQuery.id, message, who: ctx.from?.first_name ? ` by ${ctx.from.first_name}` : "" };
}
