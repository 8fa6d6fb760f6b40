/**
 * /start without a file when today's `<date>-tasks.md` does not exist: the bot asks which file to
 * load, one button per task file in tasks_dir (newest name first, at most MAX_FILES), plus
 * Cancel. Buttons carry the file's position in the list offered (the list is kept in the
 * conversation's persisted state), not its name: names can be longer than callback_data's 64 bytes.
 *
 * Side effects run inside conversation.external, once, however often the conversation replays.
 */
import type { Conversation } from "@grammyjs/conversations";
import type { Context } from "grammy";
import { listTaskFiles } from "../../control/resolve-task-file.js";
import { decodeFilePick } from "../callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { bold, code, italic } from "../rendering/html.js";
import { filePickerKeyboard } from "../rendering/keyboards.js";
import { runCommand } from "../commands/run-command.js";

export const PICK_TASK_FILE = "pick-task-file";

/** Buttons offered at most; older files can still be named: /start <file>. */
export const MAX_FILES = 20;

interface Question {
  messageId: number;
  html: string;
  files: string[];
}

export function pickTaskFileConversation(deps: BotDeps) {
  return async function pickTaskFile(conversation: Conversation<BotContext, Context>, ctx: Context, todayName: string): Promise<void> {
    const chatId = String(ctx.chat?.id);
    const question = await conversation.external(() => ask(deps, chatId, todayName));
    if (!question) return;
    const answer = await conversation.waitUntil((c) => c.callbackQuery?.data?.startsWith("tf:") === true && c.callbackQuery.message?.message_id === question.messageId, { next: true });
    const query = answer.callbackQuery as NonNullable<Context["callbackQuery"]>;
    await conversation.external(() => settle(deps, chatId, question, query.data ?? "", query.id));
  };
}

async function ask(deps: BotDeps, chatId: string, todayName: string): Promise<Question | null> {
  const files = (await listTaskFiles(deps.tasksDir)).slice(0, MAX_FILES);
  if (files.length === 0) {
    // The folder emptied since /start looked: let Control say so.
    await runCommand(deps, chatId, { command: "start", task_file: null });
    return null;
  }
  const html = `📋 ${bold("No task file for today")} (${code(todayName)}).\n\nWhich one should I load?`;
  const messageId = await deps.sender.send(chatId, html, filePickerKeyboard(files));
  return messageId === null ? null : { messageId, html, files };
}

async function settle(deps: BotDeps, chatId: string, question: Question, data: string, queryId: string): Promise<void> {
  const pick = decodeFilePick(data);
  const file = typeof pick === "number" ? question.files[pick] : undefined;
  if (pick === null || (pick !== "cancel" && file === undefined)) {
    await deps.sender.answerCallback(queryId, STALE_BUTTON);
    return;
  }
  if (pick === "cancel" || file === undefined) {
    await deps.sender.answerCallback(queryId, "Cancelled");
    await deps.sender.edit(chatId, question.messageId, `${question.html}\n\n${italic("Cancelled.")}`);
    return;
  }
  await deps.sender.answerCallback(queryId, `Loading ${file}`.slice(0, 200));
  await deps.sender.edit(chatId, question.messageId, `${question.html}\n\n▶️ Loading ${code(file)}`);
  await runCommand(deps, chatId, { command: "start", task_file: file });
}
