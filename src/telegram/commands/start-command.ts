/**
 * /start (and /plan start, the plan's ▶️ Start) where Control's refusal is a question to ask rather
 * than a reply to show:
 * - data.unfinished: a session left unfinished on an earlier day. "Continue it" runs the session's
 *   own next step; "Start today's file" starts the offered file with replace (plan-buttons.ts).
 * - not_found with data.daily_log: no task file for today, but a daily log: "📝 Plan from the daily
 *   log" (and "Pick another file" when there are others).
 * Anything else is answered like runCommand answers (the same few lines: runCommand renders its
 * reply itself, and the refusal's data decides which message this is).
 */
import type { ControlRequest, ControlResult, StartQuestion } from "../../control/control-types.js";
import { listTaskFiles } from "../../control/resolve-task-file.js";
import { withBy } from "../../history/request-by.js";
import { localDate } from "../../logging/daily-file-stream.js";
import type { BotDeps } from "../bot-deps.js";
import { renderDailyLogOffer, renderUnfinishedQuestion } from "../rendering/render-plan.js";
import { renderReply } from "../rendering/render-reply.js";
import { currentSender } from "../update-sender.js";

type StartRequest = Extract<ControlRequest, { command: "start" | "plan_start" }>;

export async function startCommand(deps: BotDeps, chatId: string, request: StartRequest): Promise<ControlResult | null> {
  const { control, orchestrator, sender, origins, log } = deps;
  let outcome;
  try {
    const sent = withBy(request, currentSender() ?? `Telegram ${chatId}`);
    outcome = await origins.run(chatId, () => control.execute(sent));
  } catch (error) {
    log.error({ err: error, command: request.command, chat_id: chatId }, "command failed");
    await sender.send(chatId, `❌ /${request.command === "start" ? "start" : "plan start"} failed inside the orchestrator. The log has the details.`);
    return null;
  }
  const { result, announced } = outcome;
  log.info({ command: request.command, chat_id: chatId, ok: result.ok, code: result.code }, `/${request.command}: ${result.ok ? "done" : result.message}`);
  const data = result.data as { unfinished?: StartQuestion; daily_log?: unknown };
  if (!result.ok && data.unfinished && (await askUnfinished(deps, chatId, data.unfinished))) return result;
  if (!result.ok && result.code === "not_found" && typeof data.daily_log === "string") {
    await offerPlan(deps, chatId, data.daily_log);
    return result;
  }
  if (announced && result.ok) return result;
  const reply = renderReply(request, result, orchestrator.state);
  if (reply.kind === "document") await sender.sendDocument(chatId, reply.filename, reply.content, reply.caption);
  else await sender.send(chatId, reply.html);
  return result;
}

/** Sends the question; false when the session is in no state the question can name (the caller replies as usual). */
async function askUnfinished(deps: BotDeps, chatId: string, question: StartQuestion): Promise<boolean> {
  const today = localDate(deps.clock.now());
  const rendered = renderUnfinishedQuestion(question, deps.orchestrator.state, today);
  if (!rendered) return false;
  await deps.sender.send(chatId, rendered.html, rendered.keyboard);
  return true;
}

async function offerPlan(deps: BotDeps, chatId: string, dailyLog: string): Promise<void> {
  const today = localDate(deps.clock.now());
  const others = (await listTaskFiles(deps.tasksDir)).length > 0;
  const offer = renderDailyLogOffer(`${today}-tasks.md`, dailyLog, today, others);
  await deps.sender.send(chatId, offer.html, offer.keyboard);
}
