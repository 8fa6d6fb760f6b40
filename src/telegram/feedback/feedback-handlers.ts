/**
 * Feedback from the phone:
 *
 * - 👍 / 👎 under a task's completion or failure message ("fb:", feedback-buttons.ts): Control
 *   `feedback` with that rating for that task, by the person who pressed. The press is answered
 *   ("👍 noted for Task 3") and the message edited to say so (its buttons stay: a second press
 *   changes the rating). A button of an earlier session is told so and records nothing.
 * - A text reply to such a message: a note on that task (Control `feedback` with the note). The
 *   task is read from the replied message's own 👍 button (Telegram sends the replied message with
 *   its keyboard), else from its first line ("✅ Task 3/5 Complete!") when that task's title is
 *   in it. A reply to any other message goes on to the other handlers.
 * - /feedback [task] up|down|1-5 [note] and /learn <text>: like every other command.
 *
 * Registered before the generic button and text handlers (command-handlers.ts), after the
 * permission handlers (a reply to a permission request is theirs).
 */
import type { Bot } from "grammy";
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { ControlError } from "../../control/control-error.js";
import type { ControlRequest, ControlResult } from "../../control/control-types.js";
import { parseCommandText } from "../../control/parse-control-request.js";
import type { SessionState } from "../../core/state.js";
import { sessionTag } from "../callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { runCommand } from "../commands/run-command.js";
import { telegramActor } from "../commands/telegram-actor.js";
import { escapeHtml, italic, truncate } from "../rendering/html.js";
import { commandsHint } from "../rendering/render-parts.js";
import { currentSender } from "../update-sender.js";
import { decodeFeedback, feedbackRefOf, type FeedbackVote } from "./feedback-buttons.js";

/** Telegram shows at most 200 characters of a button's answer. */
const TOAST_MAX = 200;
const MARK: Record<FeedbackVote, string> = { up: "👍", down: "👎" };
/**
 * The line a press adds to its message; an earlier one is replaced, not repeated. Telegram hands
 * the message back as plain text; a Bot API server that hands back the HTML sent (the tests'
 * fake) has it in <i>, matched too.
 */
const NOTED_LINE = /^(?:<i>)?(?:👍|👎) noted for Task \d+\b.*$/;

export const EARLIER_SESSION = "This message is from an earlier session: nothing was recorded. /feedback [task] up|down|1-5 [note] rates this session's tasks.";

export function registerFeedbackHandlers(bot: Bot<BotContext>, deps: BotDeps): void {
  bot.command(["feedback", "learn"], async (ctx) => {
    let request: ControlRequest;
    try {
      request = parseCommandText(ctx.msg.text);
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      await deps.sender.send(ctx.chat.id, `❌ ${escapeHtml(error.message)}\n\n${commandsHint(deps.orchestrator.state)}`);
      return;
    }
    await runCommand(deps, String(ctx.chat.id), request);
  });

  bot.callbackQuery(/^fb:/, async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodeFeedback(query.data);
    const state = deps.orchestrator.state;
    if (!pressed || ctx.chat === undefined) {
      deps.log.info({ data: query.data, chat_id: ctx.chat?.id }, "unreadable feedback button pressed; nothing recorded");
      await deps.sender.answerCallback(query.id, STALE_BUTTON);
      return;
    }
    if (pressed.session !== sessionTag(state.session_id) || state.tasks[pressed.index] === undefined) {
      deps.log.info({ data: query.data, chat_id: ctx.chat.id }, "feedback button of an earlier session pressed; nothing recorded");
      await deps.sender.answerCallback(query.id, truncate(EARLIER_SESSION, TOAST_MAX));
      return;
    }
    const n = pressed.index + 1;
    const result = await execute(deps, { command: "feedback", task: n, rating: pressed.vote, by: currentSender() ?? telegramActor(ctx.from) });
    const noted = `${MARK[pressed.vote]} noted for Task ${n}`;
    await deps.sender.answerCallback(query.id, result.ok ? noted : truncate(result.message, TOAST_MAX));
    const message = query.message;
    if (result.ok && message && "text" in message && message.text) {
      const who = ctx.from.first_name ? ` by ${ctx.from.first_name}` : "";
      const kept = message.text.split("\n").filter((line) => !NOTED_LINE.test(line)).join("\n").trimEnd();
      await deps.sender.edit(String(ctx.chat.id), message.message_id, `${escapeHtml(kept)}\n\n${italic(`${noted}${who}`)}`, (message.reply_markup as InlineKeyboardMarkup | undefined) ?? null);
    }
  });

  // A reply to a completion message: a note on its task. Anything else goes on to the other handlers.
  bot.on("message:text", async (ctx, next) => {
    const reply = ctx.message.reply_to_message;
    const text = ctx.message.text;
    if (!reply || text.startsWith("/") || reply.from?.id !== ctx.me.id) return next();
    const state = deps.orchestrator.state;
    const target = repliedTask(state, reply);
    if (target === null) return next();
    const chatId = String(ctx.chat.id);
    if (target === "earlier") {
      await deps.sender.send(chatId, `⚠️ ${escapeHtml(EARLIER_SESSION)}`, null, { replyTo: ctx.message.message_id });
      return;
    }
    const result = await execute(deps, { command: "feedback", task: target + 1, note: text, by: currentSender() ?? telegramActor(ctx.from) });
    await deps.sender.send(chatId, `${result.ok ? "📝" : "⚠️"} ${escapeHtml(result.message)}`, null, { replyTo: ctx.message.message_id });
  });
}

/**
 * The task (0-based) a replied-to bot message is the end of: from its 👍 button, else from its
 * first line when the task's title is in the message too; "earlier" for one of another session;
 * null when it is no task's end (a reply to it is not feedback).
 */
export function repliedTask(state: SessionState, message: Pick<Message, "text" | "reply_markup">): number | "earlier" | null {
  const ref = feedbackRefOf(message.reply_markup);
  if (ref) return ref.session === sessionTag(state.session_id) && state.tasks[ref.index] !== undefined ? ref.index : "earlier";
  const text = message.text ?? "";
  const head = /^(?:✅|❌) Task (\d+)\/(\d+) (?:Complete!|Failed)/.exec(text);
  if (!head) return null;
  const index = Number(head[1]) - 1;
  const task = state.tasks[index];
  return task !== undefined && Number(head[2]) === state.tasks.length && text.includes(task.title) ? index : "earlier";
}

/** Control's answer; a failure inside the orchestrator (a bug, I/O) becomes a refusal that says so. */
async function execute(deps: BotDeps, request: ControlRequest): Promise<ControlResult> {
  try {
    const result = await deps.control.execute(request);
    deps.log.info({ command: request.command, ok: result.ok, code: result.code }, `${request.command}: ${result.ok ? "done" : result.message}`);
    return result;
  } catch (error) {
    deps.log.error({ err: error, command: request.command }, "feedback failed inside the orchestrator");
    return { ok: false, code: "unavailable", message: "That failed inside the orchestrator; the log has the details.", data: {} };
  }
}
