/**
 * Presses of the checkpoint buttons (Approve / Skip / Pause under "Task 2/3 waits for approval").
 * Each press is checked against the current state: the button must name the task that waits now
 * (same session, task, attempt). Anything else, including buttons of a conversation that is no
 * longer open, is answered "This button is out of date" and changes nothing.
 *
 * Skip here is one tap, unlike /skip: the button is already bound to one waiting task, and
 * a one-tap decision from the phone is the point of the buttons.
 */
import type { Bot } from "grammy";
import { decodeCheckpoint, refIsCurrent, type CheckpointAction } from "./callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "./bot-deps.js";
import { escapeHtml, italic } from "./html.js";
import { runCommand } from "./run-command.js";

const DONE: Record<CheckpointAction, string> = { approve: "✅ Approved", skip: "⏭️ Skipped", pause: "⏸️ Paused" };

export function registerCallbacks(bot: Bot<BotContext>, deps: BotDeps): void {
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
    // The buttons go away (an edit without a keyboard) and the message says who decided.
    const message = query.message;
    if (message && "text" in message && message.text) {
      const who = ctx.from.first_name ? ` by ${ctx.from.first_name}` : "";
      await deps.sender.edit(chatId, message.message_id, `${escapeHtml(message.text)}\n\n${italic(`${DONE[pressed.action]}${who}`)}`);
    }
    await runCommand(deps, chatId, { command: pressed.action });
  });

  // A press without data (a game button) is not ours; stop its spinner all the same.
  bot.on("callback_query", (ctx) => deps.sender.answerCallback(ctx.callbackQuery.id, STALE_BUTTON));
}
