/**
 * /rollback [N] and the ↩️ Rollback button: ask first, roll back only on the Yes.
 *
 * Whether a rollback would be accepted is decided by the machine itself, on the current state,
 * without doing it (transition() is pure; its effects are dropped): a refusal ("Task 2/3 is
 * running: send /cancel first", "Rollback needs git") is shown as the core words it, and no
 * question is asked. Otherwise the question names the task and what else it undoes; its Yes
 * carries the task (session, index, attempt) and a stamp of that task and every later one
 * (rollbackStamp), so a press after anything changed there answers "out of date" and undoes
 * nothing. Only the Yes sends `confirm: true`. The buttons need no stored conversation: every
 * check is against the state, so they work the same after a restart.
 */
import { lastFinishedIndex } from "../../core/machine/rollback.js";
import { NO_CHECKS } from "../../core/draft.js";
import { transition } from "../../core/machine.js";
import type { RollbackData } from "../../control/control-types.js";
import { decodeRollbackAnswer, refIsTask, rollbackStamp, taskRef } from "../callback-data.js";
import { STALE_BUTTON, type BotDeps } from "../bot-deps.js";
import { escapeHtml, italic } from "../rendering/html.js";
import { rollbackConfirmKeyboard } from "../rendering/keyboards.js";
import { renderReply } from "../rendering/render-reply.js";
import { renderRollbackOutcome, renderRollbackQuestion } from "../rendering/render-rollback.js";
import { runCommand } from "./run-command.js";

export type RollbackPreview = { ok: true; index: number } | { ok: false; message: string };

/** What the machine would say to a rollback of task `taskNumber` (1-based; null: the last one that ran) now. */
export function previewRollback(deps: BotDeps, taskNumber: number | null): RollbackPreview {
  const { orchestrator, clock } = deps;
  const state = orchestrator.state;
  const index = taskNumber !== null ? taskNumber - 1 : lastFinishedIndex(state);
  const ctx = { now: clock.now().toISOString(), policy: orchestrator.options.policy, checks: { ...NO_CHECKS, git: orchestrator.workTree !== null } };
  const t = transition(state, { type: "rollback", index, by: null }, ctx);
  return t.reply.ok && index !== null ? { ok: true, index } : { ok: false, message: t.reply.message };
}

/** Sends the question, or the refusal when the machine would refuse. */
export async function askRollback(deps: BotDeps, chatId: string, taskNumber: number | null): Promise<void> {
  const preview = previewRollback(deps, taskNumber);
  const state = deps.orchestrator.state;
  if (!preview.ok) {
    const reply = renderReply({ command: "rollback", task: taskNumber }, { ok: false, code: "refused", message: preview.message, data: {} }, state);
    if (reply.kind === "text") await deps.sender.send(chatId, reply.html);
    return;
  }
  const i = preview.index;
  await deps.sender.send(chatId, renderRollbackQuestion(state, i), rollbackConfirmKeyboard(taskRef(state, i), rollbackStamp(state, i)));
}

export interface RollbackPress {
  chatId: string;
  queryId: string;
  data: string;
  /** The question's message (its text is kept when the buttons go away). */
  message: { message_id: number; text?: string } | undefined;
  /** Who pressed, as the orchestrator records it ("Telegram @ana"). */
  by: string;
}

/** A press of the question's Yes or No. */
export async function answerRollback(deps: BotDeps, press: RollbackPress): Promise<void> {
  const { sender, orchestrator, log } = deps;
  const answer = decodeRollbackAnswer(press.data);
  const state = orchestrator.state;
  const current = answer?.yes === true && refIsTask(answer.ref, state) && rollbackStamp(state, answer.ref.index) === answer.stamp;
  if (!answer || (answer.yes && !current)) {
    log.info({ data: press.data, chat_id: press.chatId }, "out-of-date rollback button pressed; nothing rolled back");
    await sender.answerCallback(press.queryId, STALE_BUTTON);
    return;
  }
  const question = press.message?.text ? escapeHtml(press.message.text) : null;
  const editQuestion = (line: string) => (question && press.message ? sender.edit(press.chatId, press.message.message_id, `${question}\n\n${line}`) : Promise.resolve(false));
  if (!answer.yes) {
    await sender.answerCallback(press.queryId, "OK, not rolled back");
    await editQuestion(italic("Not rolled back."));
    return;
  }
  const n = answer.ref.index + 1;
  await sender.answerCallback(press.queryId, `Rolling back Task ${n}`);
  await editQuestion(italic(`Rollback confirmed by ${press.by}; rolling back…`));
  const result = await runCommand(deps, press.chatId, { command: "rollback", task: n, confirm: true, by: press.by });
  const done = result?.ok && Array.isArray((result.data as Partial<RollbackData>).restored);
  // Still going after Control's wait: the "↩️ rolled back" report follows when it is done.
  if (done) await editQuestion(renderRollbackOutcome(result?.data as unknown as Partial<RollbackData>, press.by));
  else await editQuestion(italic(result?.ok ? "Rolling back…" : "Not rolled back."));
}
