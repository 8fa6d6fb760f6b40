/**
 * Runs one command for a chat through Control.execute and answers it. When the command's effect
 * was already reported to every chat by the reporter ("⚙️ Executing Task 1/3"), that report is
 * the answer and nothing more is sent; otherwise the reply is rendered from Control's answer.
 */
import type { ControlRequest } from "../control/control-types.js";
import type { BotDeps } from "./bot-deps.js";
import { escapeHtml } from "./html.js";
import { renderReply } from "./render-reply.js";

export async function runCommand(deps: BotDeps, chatId: string, request: ControlRequest): Promise<void> {
  const { control, orchestrator, sender, origins, log } = deps;
  let outcome;
  try {
    outcome = await origins.run(chatId, () => control.execute(request));
  } catch (error) {
    // Control turns every expected failure into an answer; this is a bug or an I/O failure.
    log.error({ err: error, command: request.command, chat_id: chatId }, "command failed");
    await sender.send(chatId, `❌ /${escapeHtml(request.command)} failed inside the orchestrator. The log has the details.`);
    return;
  }
  const { result, announced } = outcome;
  log.info({ command: request.command, chat_id: chatId, ok: result.ok, code: result.code }, `/${request.command}: ${result.ok ? "done" : result.message}`);
  if (result.ok && announced) return;
  const reply = renderReply(request, result, orchestrator.state);
  if (reply.kind === "document") await sender.sendDocument(chatId, reply.filename, reply.content, reply.caption);
  else await sender.send(chatId, reply.html);
}
