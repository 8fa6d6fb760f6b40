/**
 * /plan [daily_log] drafts today's task file from the daily log (Control's `plan`: the answer is
 * the "📝 Planning from …" report every chat gets; the list follows, with its buttons, when it is
 * ready). /plan show sends where the latest plan stands and its task file as a document;
 * /plan start and /plan discard act on the latest plan (start may ask about a session left
 * unfinished on an earlier day, like /start).
 */
import path from "node:path";
import type { ControlRequest, ControlResult } from "../../control/control-types.js";
import type { PlanRecord } from "../../core/plan.js";
import type { BotDeps } from "../bot-deps.js";
import { escapeHtml } from "../rendering/html.js";
import { commandsHint } from "../rendering/render-parts.js";
import { planFileCaption, renderPlanShow } from "../rendering/render-plan.js";
import { runCommand } from "./run-command.js";
import { startCommand } from "./start-command.js";

export type PlanRequest = Extract<ControlRequest, { command: "plan" | "plan_show" | "plan_start" | "plan_discard" }>;

/** Runs a plan request as parseCommandText made it from the message. */
export async function planCommand(deps: BotDeps, chatId: string, request: PlanRequest): Promise<void> {
  switch (request.command) {
    case "plan_show":
      return showPlan(deps, chatId);
    case "plan_start":
      await startCommand(deps, chatId, request);
      return;
    default:
      await runCommand(deps, chatId, request);
  }
}

/** The latest plan as text (the ready one with its buttons), then its task file as a document when there is one. */
export async function showPlan(deps: BotDeps, chatId: string, opts: { withText?: boolean } = {}): Promise<void> {
  let result: ControlResult;
  try {
    result = await deps.control.execute({ command: "plan_show" });
  } catch (error) {
    // Control turns every expected failure into an answer; this is a bug or an I/O failure.
    deps.log.error({ err: error, command: "plan_show" }, "/plan show failed inside the orchestrator");
    await deps.sender.send(chatId, "❌ /plan show failed inside the orchestrator. The log has the details.");
    return;
  }
  const data = result.data as { plan?: PlanRecord | null; text?: string | null };
  const plan = data.plan ?? null;
  const file = plan?.file ?? null;
  const hasFile = typeof data.text === "string" && file !== null;
  if (opts.withText !== false || !hasFile) {
    const shown = result.ok ? renderPlanShow(plan, result.message) : { html: `⚠️ ${escapeHtml(result.message)}\n\n${commandsHint(deps.orchestrator.state)}`, keyboard: null };
    await deps.sender.send(chatId, shown.html, shown.keyboard);
  }
  if (hasFile && plan) await deps.sender.sendDocument(chatId, path.basename(file), data.text as string, planFileCaption(plan));
}
