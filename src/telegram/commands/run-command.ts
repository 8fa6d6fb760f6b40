/**
 * Runs one command for a chat through Control.execute and answers it. When the command's effect
 * was already reported to every chat by the reporter ("⚙️ Executing Task 1/3", "↩️ rolled back",
 * "⏹ cancelled"), that report is the answer and nothing more is sent; otherwise the reply is
 * rendered from Control's answer. Resolves with Control's answer (null when Control threw).
 */
import type { ControlRequest, ControlResult, StatusData } from "../../control/control-types.js";
import type { BotDeps } from "../bot-deps.js";
import { escapeHtml } from "../rendering/html.js";
import { renderReply } from "../rendering/render-reply.js";
import { withBy } from "../../history/request-by.js";
import { currentSender } from "../update-sender.js";

/**
 * `answer`: a reply of the caller's own for some results (a refused /start that is a question to
 * ask); it resolves true when it answered, and the usual reply is not sent.
 */
export async function runCommand(deps: BotDeps, chatId: string, request: ControlRequest, answer?: (result: ControlResult) => Promise<boolean>): Promise<ControlResult | null> {
  const { control, orchestrator, sender, origins, log } = deps;
  let outcome;
  try {
    // Who sent it, for the event history ("Telegram 123 @ana"; a `by` the handler gave is kept).
    const sent = withBy(request, currentSender() ?? `Telegram ${chatId}`);
    outcome = await origins.run(chatId, () => control.execute(sent));
  } catch (error) {
    // Control turns every expected failure into an answer; this is a bug or an I/O failure.
    log.error({ err: error, command: request.command, chat_id: chatId }, "command failed");
    await sender.send(chatId, `❌ /${escapeHtml(request.command)} failed inside the orchestrator. The log has the details.`);
    return null;
  }
  const { result, announced } = outcome;
  log.info({ command: request.command, chat_id: chatId, ok: result.ok, code: result.code }, `/${request.command}: ${result.ok ? "done" : result.message}`);
  if (answer && (await answer(result))) return result;
  if (announced && (result.ok || request.command === "rollback")) return result;
  if (reportedByTheTask(request, result)) return result;
  const reply = renderReply(request, result, orchestrator.state);
  if (reply.kind === "document") await sender.sendDocument(chatId, reply.filename, reply.content, reply.caption);
  else await sender.send(chatId, reply.html);
  return result;
}

/**
 * A /cancel that Control saw through (the task stopped before it answered): the task's own end,
 * "⏹ Task 1/3 was cancelled", went to every chat already. One still stopping gets Control's
 * "Cancelling…" answer, and the end follows when it comes.
 */
function reportedByTheTask(request: ControlRequest, result: ControlResult): boolean {
  return request.command === "cancel" && result.ok && (result.data as unknown as Partial<StatusData>).status !== "running";
}
