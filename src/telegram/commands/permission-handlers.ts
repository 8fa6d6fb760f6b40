/**
 * The person's side of Claude's permission requests and questions:
 *
 * - "pm:" Allow / Always / Deny / Stop task under a request: Control `permission` with the
 *   decision, by "Telegram @user". The button names the request by id (session tag and sequence);
 *   a press whose request is not in the state is "out of date". Whether it is still open is the
 *   core's to say: a second press, an old message, or an answer that lost a race to another
 *   surface gets the core's refusal ("Already answered: allowed by HTTP API at …") as the toast,
 *   and changes nothing. The message itself is edited by the PermissionReporter when the state
 *   shows the request closed, whoever closed it.
 * - "qa:" / "qd:" a question's option / Done: one single-select question is answered by the
 *   press; otherwise presses collect (kept in the bot's store, shown ✅) and Done sends them.
 * - A text reply to a request's message (or its reminder): a tool request is denied with the
 *   text as the note Claude reads; a question is answered with the text.
 * - /tell <text>: Control tell. /permissions: each pending request again, with its buttons, and
 *   the session's "always" rules, a Revoke button each ("rv:", Control revoke).
 *
 * Every press is answered (answerCallbackQuery). The allow-list (accessGuard) runs before all of
 * this, for button presses as for messages: a press from another chat never gets here.
 */
import type { Bot } from "grammy";
import type { ControlRequest, ControlResult, PermissionsData } from "../../control/control-types.js";
import { parseCommandText } from "../../control/parse-control-request.js";
import { alreadyAnswered } from "../../core/machine/permissions.js";
import { alwaysRuleOf, ruleText, type PermissionRecord } from "../../core/permission.js";
import { decodePermission, decodeQuestionPress, decodeRevoke, findPermission, ruleTag, sessionTag, type PermissionAction } from "../callback-data.js";
import { STALE_BUTTON, type BotContext, type BotDeps } from "../bot-deps.js";
import { answersOf, needsDone, questionsOf, toggle } from "../permissions/ask-user-question.js";
import { escapeHtml, truncate } from "../rendering/html.js";
import { renderPermissionRequest, renderRules } from "../rendering/render-permission.js";
import { runCommand } from "./run-command.js";
import { telegramActor } from "./telegram-actor.js";

/** Telegram shows at most 200 characters of a button's answer. */
const TOAST_MAX = 200;

const DONE: Record<PermissionAction, string> = { allow: "✅ Allowed", always: "✅ Allowed from now on", deny: "🚫 Denied", stop: "⏹ Denied; stopping the task" };

export function registerPermissionHandlers(bot: Bot<BotContext>, deps: BotDeps): void {
  bot.command("tell", async (ctx) => {
    const parsed = parseCommandText(ctx.msg.text);
    const text = parsed.command === "tell" ? parsed.text : "";
    await runCommand(deps, String(ctx.chat.id), { command: "tell", text, by: telegramActor(ctx.from) });
  });

  bot.command("permissions", (ctx) => listPermissions(deps, String(ctx.chat.id)));

  bot.callbackQuery(/^pm:/, async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodePermission(query.data);
    const record = pressed ? findPermission(deps.orchestrator.state, pressed.ref) : null;
    if (!pressed || !record) return stale(deps, query.id, query.data, ctx.chat?.id);
    const result = await execute(deps, { command: "permission", id: record.id, decision: pressed.action, by: telegramActor(ctx.from) });
    const always = pressed.action === "always" ? `: ${truncate(ruleText(alwaysRuleOf(record)), 100)}` : "";
    await deps.sender.answerCallback(query.id, result.ok ? `${DONE[pressed.action]}${always}` : truncate(result.message, TOAST_MAX));
    // Refused because it is closed: make sure its messages show that (the edit may have failed before).
    if (!result.ok) void deps.permissions.settle(record.id);
  });

  bot.callbackQuery(/^q[ad]:/, async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodeQuestionPress(query.data);
    const record = pressed ? findPermission(deps.orchestrator.state, pressed.ref) : null;
    if (!pressed || !record || record.kind !== "question") return stale(deps, query.id, query.data, ctx.chat?.id);
    if (record.status !== "pending") {
      await deps.sender.answerCallback(query.id, truncate(alreadyAnswered(record), TOAST_MAX));
      void deps.permissions.settle(record.id);
      return;
    }
    const questions = questionsOf(record.input);
    const entry = await deps.permissions.store.entry(record.id);
    let selection = entry?.selection ?? {};
    if (pressed.kind === "option") {
      const option = questions[pressed.question]?.options[pressed.option];
      if (!option) return stale(deps, query.id, query.data, ctx.chat?.id);
      if (needsDone(questions)) {
        selection = toggle(questions, selection, pressed.question, pressed.option);
        await deps.permissions.store.setSelection(record.id, selection);
        const on = (selection[String(pressed.question)] ?? []).includes(pressed.option);
        await deps.sender.answerCallback(query.id, truncate(`${on ? "✅" : "▫️"} ${option.label}`, TOAST_MAX));
        await deps.permissions.refresh(record.id);
        return;
      }
      selection = { [String(pressed.question)]: [pressed.option] };
    }
    const answers = answersOf(questions, selection);
    if (!answers) {
      await deps.sender.answerCallback(query.id, "Pick an answer for every question first (or reply to the message with your own words).");
      return;
    }
    const result = await execute(deps, { command: "answer", id: record.id, answers, by: telegramActor(ctx.from) });
    await deps.sender.answerCallback(query.id, truncate(result.ok ? `💬 ${Object.values(answers).join("; ")}` : result.message, TOAST_MAX));
    if (!result.ok) void deps.permissions.settle(record.id);
  });

  bot.callbackQuery(/^rv:/, async (ctx) => {
    const query = ctx.callbackQuery;
    const pressed = decodeRevoke(query.data);
    const state = deps.orchestrator.state;
    const rules = state.always_rules ?? [];
    const rule = pressed && pressed.session === sessionTag(state.session_id) ? rules.find((r) => ruleTag(r) === pressed.rule) : undefined;
    if (!pressed || rule === undefined || ctx.chat === undefined) {
      deps.log.info({ data: query.data, chat_id: ctx.chat?.id }, "out-of-date revoke button pressed; nothing changed");
      await deps.sender.answerCallback(query.id, pressed && pressed.session === sessionTag(state.session_id) ? "Already revoked" : STALE_BUTTON);
      return;
    }
    const result = await execute(deps, { command: "revoke", rule, by: telegramActor(ctx.from) });
    await deps.sender.answerCallback(query.id, truncate(result.message, TOAST_MAX));
    const message = query.message;
    if (result.ok && message) {
      const now = deps.orchestrator.state;
      const list = renderRules(now.always_rules ?? [], sessionTag(now.session_id), (now.permissions ?? []).filter((p) => p.status === "pending").length);
      await deps.sender.edit(String(ctx.chat.id), message.message_id, list.html, list.keyboard);
    }
  });

  // A reply to a request's message: the deny note, or a question's answer in words. Anything
  // else (no reply, a reply to another message, a command) goes on to the other handlers.
  bot.on("message:text", async (ctx, next) => {
    const reply = ctx.message.reply_to_message;
    const text = ctx.message.text;
    if (!reply || text.startsWith("/")) return next();
    const chatId = String(ctx.chat.id);
    const id = await deps.permissions.store.requestOf(chatId, reply.message_id);
    if (!id) return next();
    const record = (deps.orchestrator.state.permissions ?? []).find((p) => p.id === id);
    if (!record) {
      await deps.sender.send(chatId, `⚠️ ${escapeHtml(STALE_BUTTON)}: that request is no longer in this session. Send /permissions to see the pending ones.`);
      return;
    }
    const by = telegramActor(ctx.from);
    const result = await execute(deps, await replyRequest(deps, record, text, by));
    const mark = result.ok ? (record.kind === "question" ? "💬" : "🚫") : "⚠️";
    await deps.sender.send(chatId, `${mark} ${escapeHtml(result.message)}`, null, { replyTo: ctx.message.message_id });
    if (!result.ok) void deps.permissions.settle(record.id);
  });
}

/** /permissions: each pending request again (its buttons work like the first message's), then the "always" rules. */
export async function listPermissions(deps: BotDeps, chatId: string): Promise<void> {
  const result = await execute(deps, { command: "permissions" });
  const state = deps.orchestrator.state;
  if (!result.ok) {
    await deps.sender.send(chatId, `⚠️ ${escapeHtml(result.message)}`);
    return;
  }
  const data = result.data as unknown as PermissionsData;
  for (const pending of data.pending) {
    const record = (state.permissions ?? []).find((p) => p.id === pending.id);
    if (!record) continue;
    const entry = await deps.permissions.store.entry(record.id);
    const message = renderPermissionRequest(state, record, entry?.selection ?? {});
    const messageId = await deps.sender.send(chatId, message.html, message.keyboard);
    if (messageId !== null) await deps.permissions.register(record.id, chatId, messageId);
  }
  const rules = renderRules(data.always_rules, sessionTag(state.session_id), data.pending.length);
  await deps.sender.send(chatId, rules.html, rules.keyboard);
}

async function replyRequest(deps: BotDeps, record: PermissionRecord, text: string, by: string): Promise<ControlRequest> {
  if (record.kind !== "question") return { command: "permission", id: record.id, decision: "deny", message: text, by };
  const entry = await deps.permissions.store.entry(record.id);
  const answers = answersOf(questionsOf(record.input), entry?.selection ?? {}, text) ?? { answer: text };
  return { command: "answer", id: record.id, answers, by };
}

/** Control's answer; a failure inside the orchestrator (a bug, I/O) becomes a refusal that says so. */
async function execute(deps: BotDeps, request: ControlRequest): Promise<ControlResult> {
  try {
    const result = await deps.control.execute(request);
    deps.log.info({ command: request.command, ok: result.ok, code: result.code }, `${request.command}: ${result.ok ? "done" : result.message}`);
    return result;
  } catch (error) {
    deps.log.error({ err: error, command: request.command }, "a permission answer failed inside the orchestrator");
    return { ok: false, code: "unavailable", message: "That failed inside the orchestrator; the log has the details.", data: {} };
  }
}

async function stale(deps: BotDeps, queryId: string, data: string, chatId: number | undefined): Promise<void> {
  deps.log.info({ data, chat_id: chatId }, "out-of-date permission button pressed; nothing changed");
  await deps.sender.answerCallback(queryId, STALE_BUTTON);
}
