/**
 * The bot's commands: each is parsed like every surface parses it (parseCommandText), run
 * through Control.execute and answered seed-style. Two ask first, in a conversation: /skip
 * (confirm) and /start when today's task file does not exist (pick one); /rollback asks with
 * stateless buttons (rollback-flow.ts), and so does /start when Control's refusal is a question
 * (start-command.ts: a session unfinished from an earlier day, or plan from today's daily log). /cancel does not ask: stopping a task that is going wrong
 * must take one message. Text that is no command gets a short hint.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import type { Bot } from "grammy";
import { ControlError } from "../../control/control-error.js";
import type { ControlRequest } from "../../control/control-types.js";
import { parseCommandText } from "../../control/parse-control-request.js";
import { listTaskFiles } from "../../control/resolve-task-file.js";
import { localDate } from "../../logging/daily-file-stream.js";
import type { BotContext, BotDeps } from "../bot-deps.js";
import { escapeHtml } from "../rendering/html.js";
import { PICK_TASK_FILE } from "../conversations/pick-task-file-conversation.js";
import { commandsHint } from "../rendering/render-parts.js";
import { renderUnknown } from "../rendering/render-reply.js";
import { askRollback } from "./rollback-flow.js";
import { runCommand } from "./run-command.js";
import { historyCommand } from "./history-command.js";
import { reportCommand } from "./report-command.js";
import { telegramActor } from "./telegram-actor.js";
import { SKIP_CONFIRM, canSkip } from "../conversations/skip-confirm-conversation.js";
import { registerFeedbackHandlers } from "../feedback/feedback-handlers.js";
import { resolveDailyLog } from "../../plan/resolve-daily-log.js";
import { planCommand } from "./plan-command.js";
import { startCommand } from "./start-command.js";
import { dashboardCommand } from "./dashboard-command.js";

/** What setMyCommands registers: the menu Telegram shows next to the text box. */
export const BOT_COMMANDS = [
  { command: "start", description: "Load today's task file (or /start <file>) and begin" },
  { command: "status", description: "Progress and the current task" },
  { command: "approve", description: "Run the task waiting for approval" },
  { command: "pause", description: "Stop before the next task" },
  { command: "resume", description: "Continue after a pause" },
  { command: "skip", description: "Skip the current task (asks first)" },
  { command: "retry", description: "Run a failed task again: /retry [feedback]" },
  { command: "cancel", description: "Stop the running task now" },
  { command: "diff", description: "What a task changed: /diff [n]" },
  { command: "rollback", description: "Undo a task and the later ones: /rollback [n] (asks first)" },
  { command: "tell", description: "Tell the running task's Claude something: /tell <text>" },
  { command: "permissions", description: "Claude's pending requests and the always-rules" },
  { command: "logs", description: "The last log lines: /logs [n]" },
  { command: "history", description: "Who did what and when: /history [term] [task n]" },
  { command: "budget", description: "Today's spend, or /budget <dollars> to set today's budget" },
  { command: "report", description: "The day's report as a file: /report [YYYY-MM-DD]" },
  { command: "plan", description: "Draft today's task file from the daily log: /plan [show|start|discard]" },
  { command: "feedback", description: "Your verdict on a task: /feedback [n] up|down|1-5 [note]" },
  { command: "learn", description: "A lesson for every later task: /learn <text>" },
  { command: "dashboard", description: "A one-time sign-in link for the web dashboard (10 minutes)" },
  { command: "help", description: "All commands" },
];

/** Runs a slow command beside the update queue; a failure is logged (runCommand answers the chat itself). */
export function detach(deps: BotDeps, what: string, work: Promise<unknown>): void {
  work.catch((error: unknown) => deps.log.error({ err: error, command: what }, `/${what} failed`));
}

export function registerCommands(bot: Bot<BotContext>, deps: BotDeps): void {
  // First: its 👍 / 👎 buttons and replies to completion messages come before the catch-all handlers below and in callback-handlers.ts.
  registerFeedbackHandlers(bot, deps);

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
    // Control's refusal may be a question: a session unfinished from an earlier day, or "plan from the daily log".
    await startCommand(deps, String(ctx.chat.id), request);
  });

  bot.command("plan", async (ctx) => {
    const request = await parseOrExplain(deps, ctx);
    if (request && (request.command === "plan" || request.command === "plan_show" || request.command === "plan_start" || request.command === "plan_discard")) await planCommand(deps, String(ctx.chat.id), request);
  });

  bot.command("skip", async (ctx) => {
    if (!canSkip(deps.orchestrator.state)) return runCommand(deps, String(ctx.chat.id), { command: "skip" });
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(SKIP_CONFIRM);
  });

  // Not awaited: updates are handled one at a time, and a cancel waits until the task has stopped
  // (up to claude.kill_grace and more); the next command or button must not wait behind it.
  bot.command("cancel", (ctx) => {
    detach(deps, "cancel", runCommand(deps, String(ctx.chat.id), { command: "cancel", by: telegramActor(ctx.from) }));
  });

  bot.command("rollback", async (ctx) => {
    const request = await parseOrExplain(deps, ctx);
    if (!request || request.command !== "rollback") return;
    // Never the parsed request itself: only the question's Yes sends confirm: true.
    await askRollback(deps, String(ctx.chat.id), request.task ?? null);
  });

  bot.command("history", (ctx) => historyCommand(deps, String(ctx.chat.id), ctx.msg.text ?? ""));

  bot.command("report", (ctx) => reportCommand(deps, String(ctx.chat.id), ctx.msg.text ?? ""));

  bot.command("dashboard", (ctx) => dashboardCommand(deps, String(ctx.chat.id)));

  bot.command(["status", "approve", "pause", "resume", "retry", "diff", "budget", "logs", "help"], async (ctx) => {
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
  // A daily log for today: Control's answer offers to plan from it (and to pick another file).
  const config = deps.control.options.config;
  if (await resolveDailyLog(config.paths.daily_dir, null, localDate(deps.clock.now())).then(() => true, () => false)) return null;
  return (await listTaskFiles(deps.tasksDir)).length > 0 ? todayName : null;
}
