/**
 * The bot's commands: each is parsed like every surface parses it (parseCommandText), run
 * through Control.execute and answered seed-style. Two ask first, in a conversation: /skip
 * (confirm) and /start when today's task file does not exist (pick one). Text that is no
 * command gets a short hint.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import type { Bot } from "grammy";
import { ControlError } from "../control/control-error.js";
import type { ControlRequest } from "../control/control-types.js";
import { parseCommandText } from "../control/parse-control-request.js";
import { listTaskFiles } from "../control/resolve-task-file.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { BotContext, BotDeps } from "./bot-deps.js";
import { escapeHtml } from "./html.js";
import { PICK_TASK_FILE } from "./pick-task-file-conversation.js";
import { commandsHint } from "./render-parts.js";
import { renderUnknown } from "./render-reply.js";
import { runCommand } from "./run-command.js";
import { SKIP_CONFIRM, canSkip } from "./skip-confirm-conversation.js";

/** What setMyCommands registers: the menu Telegram shows next to the text box. */
export const BOT_COMMANDS = [
  { command: "start", description: "Load today's task file (or /start <file>) and begin" },
  { command: "status", description: "Progress and the current task" },
  { command: "approve", description: "Run the task waiting for approval" },
  { command: "pause", description: "Stop before the next task" },
  { command: "resume", description: "Continue after a pause" },
  { command: "skip", description: "Skip the current task (asks first)" },
  { command: "retry", description: "Run a failed task again: /retry [feedback]" },
  { command: "logs", description: "The last log lines: /logs [n]" },
  { command: "help", description: "All commands" },
];

export function registerCommands(bot: Bot<BotContext>, deps: BotDeps): void {
  bot.command("start", async (ctx) => {
    const request = await parseOrExplain(deps, ctx);
    if (!request || request.command !== "start") return;
    const todayName = request.task_file ? null : await missingTodayFile(deps);
    if (todayName) {
      // A new question replaces any open one; its buttons then answer "out of date".
      await ctx.conversation.exitAll();
      await ctx.conversation.enter(PICK_TASK_FILE, todayName);
      return;
    }
    await runCommand(deps, String(ctx.chat.id), request);
  });

  bot.command("skip", async (ctx) => {
    if (!canSkip(deps.orchestrator.state)) return runCommand(deps, String(ctx.chat.id), { command: "skip" });
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(SKIP_CONFIRM);
  });

  bot.command(["status", "approve", "pause", "resume", "retry", "logs", "help"], async (ctx) => {
    const request = await parseOrExplain(deps, ctx);
    if (request) await runCommand(deps, String(ctx.chat.id), request);
  });

  bot.on("message:text", async (ctx) => {
    // In a group, ordinary chatter and commands for other bots are none of our business.
    const text = ctx.message.text;
    const forUs = ctx.chat.type === "private" || (text.startsWith("/") && (!text.split(/\s/)[0]?.includes("@") || text.split(/\s/)[0]?.endsWith(`@${ctx.me.username}`)));
    if (forUs) await deps.sender.send(ctx.chat.id, renderUnknown(deps.orchestrator.state));
  });
}

/** The request in the message, or null after telling the person what was wrong with it. */
async function parseOrExplain(deps: BotDeps, ctx: { chat: { id: number }; msg?: { text?: string } }): Promise<ControlRequest | null> {
  try {
    return parseCommandText(ctx.msg?.text ?? "");
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    await deps.sender.send(ctx.chat.id, `❌ ${escapeHtml(error.message)}\n\n${commandsHint(deps.orchestrator.state)}`);
    return null;
  }
}

/**
 * The name of today's task file when it does not exist but other task files do, so /start should
 * offer a choice; null when /start should just go ahead (and Control answers, refusals included).
 */
async function missingTodayFile(deps: BotDeps): Promise<string | null> {
  const status = deps.orchestrator.state.status;
  if (status !== "idle" && status !== "completed") return null;
  const todayName = `${localDate(deps.clock.now())}-tasks.md`;
  const exists = await access(path.join(deps.tasksDir, todayName)).then(
    () => true,
    () => false,
  );
  if (exists) return null;
  return (await listTaskFiles(deps.tasksDir)).length > 0 ? todayName : null;
}
