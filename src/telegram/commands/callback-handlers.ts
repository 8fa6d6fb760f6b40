/**
 * Presses of the bot's stateless buttons, each checked against the current state first; anything
 * that no longer matches (including buttons of a conversation that is no longer open, and data
 * that is not ours) is answered "This button is out of date" and changes nothing. Every press is
 * answered (answerCallbackQuery), so no spinner is left turning.
 *
 * - "cp:" Approve / Skip / Pause under "Task 2/3 waits for approval": the button must name the
 *   task that waits now (same session, task, attempt). Skip here is one tap, unlike /skip: the
 *   button is already bound to one waiting task, and a one-tap decision from the phone is the point.
 * - "tk:" 🔍 Diff / ↩️ Rollback under a task's completion: the button must name that task at the
 *   same attempt in the current session (a retried or rolled-back task's old buttons are stale).
 *   Diff sends what /diff N sends; Rollback asks, like /rollback N.
 * - "rb:" the rollback question's Yes / No (rollback-flow.ts).
 */
import type { Bot } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { decodeCheckpoint, decodeTaskAction, refIsCurrent, refIsTask, type CheckpointAction } from "../callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { escapeHtml, italic } from "../rendering/html.js";
import { answerRollback, askRollback } from "./rollback-flow.js";
import { detach } from "./command-handlers.js";
import { runCommand } from "./run-command.js";
import { registerPlanCallbacks } from "./plan-buttons.js";
import { telegramActor } from "./telegram-actor.js";

const DONE: Record<CheckpointAction, string> = { approve: "✅ Approved", skip: "⏭️ Skipped", pause: "⏸️ Paused" };

/** Statuses of a task whose Rollback button still means something (it ran, and is not undone yet). */
const ROLLBACKABLE: ReadonlySet<string> = new Set(["completed", "failed", "interrupted"]);

export function registerCallbacks(bot: Bot<BotContext>, deps: BotDeps): void {
  // The morning's buttons (a plan's Start / Show file / Discard, /start's questions): before the catch-all below.
  registerPlanCallbacks(bot, deps);
  bot.callbackQuery(/^rb:/, async (ctx) => {
    const query = ctx.callbackQuery;
    if (ctx.chat === undefined) return deps.sender.answerCallback(query.id, STALE_BUTTON);
    const message = query.message && "text" in query.message ? { message_id: query.message.message_id, text: query.message.text } : undefined;
    // Not awaited: the rollback's answer comes once the tree is restored; other updates go on meanwhile.
    detach(deps, "rollback", answerRollback(deps, { chatId: String(ctx.chat.id), queryId: query.id, data: query.data, message, by: telegramActor(ctx.from) }));
  });

  bot.callbackQuery(/^tk:/, async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodeTaskAction(query.data);
    const state = deps.orchestrator.state;
    const task = pressed ? state.tasks[pressed.ref.index] : undefined;
    const usable = pressed && task?.git?.base && refIsTask(pressed.ref, state) && (pressed.action === "diff" || ROLLBACKABLE.has(task.status));
    if (!pressed || !usable || ctx.chat === undefined) {
      deps.log.info({ data: query.data, chat_id: ctx.chat?.id }, "out-of-date task button pressed; nothing done");
      await deps.sender.answerCallback(query.id, STALE_BUTTON);
      return;
    }
    const chatId = String(ctx.chat.id);
    const n = pressed.ref.index + 1;
    if (pressed.action === "diff") {
      await deps.sender.answerCallback(query.id, `🔍 Diff of Task ${n}`);
      await runCommand(deps, chatId, { command: "diff", task: n });
      return;
    }
    await deps.sender.answerCallback(query.id, `↩️ Roll back Task ${n}?`);
    await askRollback(deps, chatId, n);
  });

  bot.on("callback_query:data", async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodeCheckpoint(query.data);
    const state = deps.orchestrator.state;
    if (!pressed || state.status !== "waiting_approval" || !refIsCurrent(pressed.ref, state) || ctx.chat === undefined) {
      deps.log.info({ data: query.data, chat_id: ctx.chat?.id }, "out-of-date button pressed; nothing changed");
      await deps.sender.answerCallback(query.id, STALE_BUTTON);
      return;
    }
    const chatId = String(ctx.chat.id);
    await deps.sender.answerCallback(query.id, DONE[pressed.action]);
    // The checkpoint buttons go away (an edit without them) and the message says who decided;
    // the finished task's Diff / Rollback stay.
    const message = query.message;
    if (message && "text" in message && message.text) {
      const who = ctx.from.first_name ? ` by ${ctx.from.first_name}` : "";
      await deps.sender.edit(chatId, message.message_id, `${escapeHtml(message.text)}\n\n${italic(`${DONE[pressed.action]}${who}`)}`, withoutCheckpointRow(message.reply_markup));
    }
    await runCommand(deps, chatId, { command: pressed.action });
  });

  // A press without data (a game button) is not ours; stop its spinner all the same.
  bot.on("callback_query", (ctx) => deps.sender.answerCallback(ctx.callbackQuery.id, STALE_BUTTON));
}

/** The message's keyboard without its Approve / Skip / Pause row; null when nothing is left. */
function withoutCheckpointRow(markup: InlineKeyboardMarkup | undefined): InlineKeyboardMarkup | null {
  const rows = (markup?.inline_keyboard ?? []).filter((row) => !row.some((b) => "callback_data" in b && b.callback_data.startsWith("cp:")));
  return rows.length > 0 ? { inline_keyboard: rows } : null;
}
