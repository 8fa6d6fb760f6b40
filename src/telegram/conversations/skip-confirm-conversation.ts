/**
 * /skip asks first: "Skip Task 2/3? [Yes, skip it] [No]". A conversation (@grammyjs/conversations
 * 2.x) waits for the press, and its state is persisted, so the answer still works after a
 * restart. The Yes button names the task it was asked about; if the session has moved on by the
 * time it is pressed, the press is refused as out of date and nothing is skipped.
 *
 * Conversations are replayed from the start on every update, so every side effect (reading the
 * state, sending, running the command) happens inside conversation.external, exactly once.
 */
import type { Conversation } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { SessionState } from "../../core/state.js";
import { decodeSkipAnswer, refIsCurrent, taskRef } from "../callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { bold, italic } from "../rendering/html.js";
import { skipConfirmKeyboard } from "../rendering/keyboards.js";
import { label, taskLines } from "../rendering/render-parts.js";
import { runCommand } from "../commands/run-command.js";

export const SKIP_CONFIRM = "skip-confirm";

/** Whether the machine would accept a skip now (otherwise /skip is run directly and refused). */
export function canSkip(state: SessionState): boolean {
  const task = state.tasks[state.current_task_index];
  return task !== undefined && ["waiting_approval", "paused", "task_failed", "running", "waiting_limit"].includes(state.status) && !task.skip_requested;
}

interface Question {
  messageId: number;
  html: string;
}

export function skipConfirmConversation(deps: BotDeps) {
  return async function skipConfirm(conversation: Conversation<BotContext, Context>, ctx: Context): Promise<void> {
    const chatId = String(ctx.chat?.id);
    const question = await conversation.external(() => ask(deps, chatId));
    if (!question) return;
    // Anything else (a command, another button) passes on to the bot's other handlers: the
    // question stays open and does not swallow the chat.
    const answer = await conversation.waitUntil((c) => c.callbackQuery?.data?.startsWith("sk:") === true && c.callbackQuery.message?.message_id === question.messageId, { next: true });
    const query = answer.callbackQuery as NonNullable<Context["callbackQuery"]>;
    await conversation.external(() => settle(deps, chatId, question, query.data ?? "", query.id));
  };
}

async function ask(deps: BotDeps, chatId: string): Promise<Question | null> {
  const state = deps.orchestrator.state;
  if (!canSkip(state)) {
    await runCommand(deps, chatId, { command: "skip" });
    return null;
  }
  const i = state.current_task_index;
  const what = state.status === "running" ? "It is running now: it will be stopped and marked skipped." : "It will be marked skipped and will not run.";
  const html = [`⏭️ ${bold(`Skip ${label(state, i)}?`)}`, ...taskLines(state, i), "", what].join("\n");
  const messageId = await deps.sender.send(chatId, html, skipConfirmKeyboard(taskRef(state)));
  return messageId === null ? null : { messageId, html };
}

async function settle(deps: BotDeps, chatId: string, question: Question, data: string, queryId: string): Promise<void> {
  const answer = decodeSkipAnswer(data);
  if (!answer || (answer.yes && !refIsCurrent(answer.ref, deps.orchestrator.state))) {
    await deps.sender.answerCallback(queryId, STALE_BUTTON);
    return;
  }
  if (!answer.yes) {
    await deps.sender.answerCallback(queryId, "OK, not skipped");
    await deps.sender.edit(chatId, question.messageId, `${question.html}\n\n${italic("Not skipped.")}`);
    return;
  }
  await deps.sender.answerCallback(queryId, "Skipping");
  await deps.sender.edit(chatId, question.messageId, `${question.html}\n\n${italic("Skip confirmed.")}`);
  await runCommand(deps, chatId, { command: "skip" });
}
