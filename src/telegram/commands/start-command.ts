/**
 * /start (and /plan start, the plan's ▶️ Start) where Control's refusal is a question to ask rather
 * than a reply to show:
 * - data.unfinished: a session left unfinished on an earlier day. "Continue it" runs the session's
 *   own next step; "Start today's file" starts the offered file with replace (plan-buttons.ts).
 * - not_found with data.daily_log: no task file for today, but a daily log: "📝 Plan from the daily
 *   log" (and "Pick another file" when there are others).
 * Anything else is answered as runCommand answers every command.
 */
import type { ControlRequest, ControlResult, StartQuestion } from "../../control/control-types.js";
import { listTaskFiles } from "../../control/resolve-task-file.js";
import { localDate } from "../../logging/daily-file-stream.js";
import type { BotDeps } from "../bot-deps.js";
import { renderDailyLogOffer, renderUnfinishedQuestion } from "../rendering/render-plan.js";
import { runCommand } from "./run-command.js";

type StartRequest = Extract<ControlRequest, { command: "start" | "plan_start" }>;

export function startCommand(deps: BotDeps, chatId: string, request: StartRequest): Promise<ControlResult | null> {
  return runCommand(deps, chatId, request, async (result) => {
    if (result.ok) return false;
    const data = result.data as { unfinished?: StartQuestion; daily_log?: unknown };
    if (data.unfinished && (await askUnfinished(deps, chatId, data.unfinished))) return true;
    if (result.code === "not_found" && typeof data.daily_log === "string") {
      await offerPlan(deps, chatId, data.daily_log);
      return true;
    }
    return false;
  });
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
