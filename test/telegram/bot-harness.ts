/**
 * The real bot against the fake Bot API, driving a real Orchestrator (MemoryStateStore and a
 * scripted or custom runner) through a real Control. Tasks folder with today's file, a
 * ManualClock, a logger whose lines the test can read, one allowed chat (CHAT).
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import type { Runner } from "../../src/runner/runner.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { openTestControl, type TestControl } from "../support/open-test-control.js";
import { createTelegramBot, type TelegramBot, type TelegramBotOptions } from "../../src/telegram/create-telegram-bot.js";
import { FakeBotApi, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";

export const CHAT = 111;

export function taskFileText(count: number, opts: { type?: string; title?: (i: number) => string } = {}): string {
  const title = opts.title ?? ((i: number) => `Task number ${i}`);
  return Array.from(
    { length: count },
    (_, i) => `## Task ${i + 1}: ${title(i + 1)}\n**Type:** ${opts.type ?? "backend"}\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\nInstruction ${i + 1}\n`,
  ).join("\n---\n\n");
}

export interface BotHarnessOptions {
  scripts?: Script[];
  runner?: Runner;
  /** Contents of today's task file; null writes none (default: 3 backend tasks). */
  todayFile?: string | null;
  /** Other files in the tasks folder: name -> contents. */
  otherFiles?: Record<string, string>;
  progressEditMs?: number;
  /** Saved state the orchestrator opens with (a restart after a crash). */
  initial?: SessionState;
  bot?: Partial<TelegramBotOptions>;
  /** Opens the orchestrator and Control instead of openTestControl (git-project.ts: with a git work tree). */
  open?: (opts: { prefix: string; clock: ManualClock; runner: Runner; initial?: SessionState }) => Promise<TestControl & { cleanup?: () => Promise<void> }>;
}

export async function startBotHarness(opts: BotHarnessOptions = {}) {
  const clock = new ManualClock(new Date(2026, 0, 1, 9, 30, 15));
  const runner = opts.runner ?? new ScriptedRunner(...(opts.scripts ?? []));
  const opened: TestControl & { cleanup?: () => Promise<void> } = await (opts.open ?? openTestControl)({ prefix: "orchestrator-telegram-", clock, runner, initial: opts.initial });
  const { dir, tasksDir, logsDir, config, logLines, logger, orchestrator, control } = opened;
  const today = localDate(clock.now());
  if (opts.todayFile !== null) await writeFile(path.join(tasksDir, `${today}-tasks.md`), opts.todayFile ?? taskFileText(3));
  for (const [name, text] of Object.entries(opts.otherFiles ?? {})) await writeFile(path.join(tasksDir, name), text);
  const fake = await FakeBotApi.start();
  const conversationFile = path.join(dir, "state.json.telegram.json");
  const botOptions: TelegramBotOptions = {
    token: fake.token,
    apiRoot: fake.apiRoot,
    chatIds: [String(CHAT)],
    control,
    orchestrator,
    tasksDir,
    conversationFile,
    logger,
    clock,
    progressEditMs: opts.progressEditMs ?? 3000,
    ...opts.bot,
  };
  let bot: TelegramBot = createTelegramBot(botOptions);
  await bot.start();

  /** Pushes a message from CHAT; returns the index in fake.sent from which its answers count. */
  function say(text: string, chatId = CHAT): number {
    const mark = fake.sent.length;
    fake.pushMessage(chatId, text);
    return mark;
  }

  /** The first message / edit / document sent to CHAT from `since` on whose text contains `needle`. */
  function sentContaining(needle: string | RegExp, since = 0, ms = 5000): Promise<SentEntry> {
    const match = (t: string) => (typeof needle === "string" ? t.includes(needle) : needle.test(t));
    return fake.waitFor((e) => e.chat_id === CHAT && match(e.text), ms, since);
  }

  /** Resolves once the session state satisfies `pred`. */
  function until(pred: (s: SessionState) => boolean): Promise<SessionState> {
    return orchestrator.waitFor(pred);
  }

  /** Stops this bot and starts a new one on the same conversation file (a process restart). */
  async function restartBot(): Promise<void> {
    await bot.stop();
    bot = createTelegramBot(botOptions);
    await bot.start();
  }

  async function close(): Promise<void> {
    await bot.stop();
    if (runner instanceof ScriptedRunner) runner.release();
    await orchestrator.shutdown();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
    await opened.cleanup?.();
  }

  return { dir, tasksDir, logsDir, today, clock, config, runner, orchestrator, control, fake, conversationFile, logLines, bot: () => bot, say, sentContaining, until, restartBot, close };
}

export type BotHarness = Awaited<ReturnType<typeof startBotHarness>>;

/** The callback_data of the button whose text contains `label`, in a sent message's keyboard. */
export function buttonData(entry: SentEntry, label: string): string {
  const button = entry.reply_markup?.inline_keyboard.flat().find((b) => b.text.includes(label));
  if (!button?.callback_data) throw new Error(`no "${label}" button in: ${JSON.stringify(entry.reply_markup)}`);
  return button.callback_data;
}
