/**
 * The real bot against the fake Bot API, driving a real Orchestrator whose runner is the real
 * ClaudeRunner running the fake claude in `ask` mode (the stdio permission channel): the task
 * instructions carry `FAKE_CLAUDE_ASK: <Tool> <json>` lines, the fake asks over the channel and
 * records every ask and its answer in <record>/permissions.jsonl. Tasks run back to back
 * (approval_mode auto); one allowed chat (CHAT).
 *
 * crashAndRestart() is a kill -9 of the whole service while a request is pending, as the next
 * start sees it: the state as it was saved at that moment (every request is saved before anyone
 * is asked) is opened by a new Orchestrator, and a new bot starts on the same bot files and the
 * same fake Telegram. The old bot is stopped first so it edits nothing, then the old orchestrator
 * is shut down only to end its claude child (its own in-memory state is thrown away).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import type { Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { PermissionRecord } from "../../src/core/permission.js";
import type { SessionState } from "../../src/core/state.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { createTelegramBot, type TelegramBot, type TelegramBotOptions } from "../../src/telegram/create-telegram-bot.js";
import { FakeBotApi, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";

export const CHAT = 111;
export const STRANGER = 999;
const FAKE_CLAUDE = fileURLToPath(new URL("../fixtures/fake-claude.mjs", import.meta.url));

/** One `FAKE_CLAUDE_ASK:` line. */
export const ask = (tool: string, input: Record<string, unknown>): string => `FAKE_CLAUDE_ASK: ${tool} ${JSON.stringify(input)}`;

/** A task file whose task i has instruction lines `instructions[i]`. */
function taskFile(instructions: string[][]): string {
  return instructions.map((lines, i) => `## Task ${i + 1}: Task number ${i + 1}\n**Type:** backend\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\nInstruction ${i + 1}\n${lines.join("\n")}\n`).join("\n---\n\n");
}

export interface PermissionHarnessOptions {
  /** Per task, the lines of its instruction (FAKE_CLAUDE_ASK lines). */
  tasks: string[][];
  /** claude.permission_timeout, seconds (default 1800). */
  permissionTimeoutS?: number;
}

export async function startPermissionHarness(opts: PermissionHarnessOptions) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-telegram-perm-"));
  const work = path.join(dir, "work");
  const recordDir = path.join(dir, "record");
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  for (const d of [work, recordDir, tasksDir, logsDir]) await mkdir(d, { recursive: true });
  const clock = new ManualClock(new Date(2026, 0, 1, 9, 30, 15));
  const config: Config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = logsDir;
  config.orchestrator.approval_mode = "auto";
  Object.assign(config.claude, {
    command: [process.execPath, FAKE_CLAUDE],
    permissions: "ask",
    permission_timeout: opts.permissionTimeoutS ?? 1800,
    project_dir: work,
    timeout: 60,
    idle_timeout: 60,
    kill_grace: 0.5,
    result_grace: 0.5,
  });
  await writeFile(path.join(tasksDir, `${localDate(clock.now())}-tasks.md`), taskFile(opts.tasks));
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const fake = await FakeBotApi.start();
  const conversationFile = path.join(dir, "state.json.telegram.json");

  async function open(initial?: SessionState) {
    const runner = new ClaudeRunner(config.claude, { env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: recordDir }, dropEnv: [] });
    const orchestrator = await Orchestrator.open({
      store: new MemoryStateStore(initial),
      runner,
      clock,
      policy: config.orchestrator,
      logger,
      logsDir,
      bootId: "boot-1",
      killOrphan: async () => {},
      permissionTimeoutS: config.claude.permission_timeout,
    });
    const control = new Control({ orchestrator, config, clock });
    const botOptions: TelegramBotOptions = { token: fake.token, apiRoot: fake.apiRoot, chatIds: [String(CHAT)], control, orchestrator, tasksDir, conversationFile, logger, clock, progressEditMs: 60_000 };
    const bot: TelegramBot = createTelegramBot(botOptions);
    await bot.start();
    return { orchestrator, control, bot };
  }

  let live = await open();

  const h = {
    dir,
    work,
    fake,
    config,
    logLines,
    conversationFile,
    get orchestrator() {
      return live.orchestrator;
    },
    get control() {
      return live.control;
    },
    /** A message from CHAT (or `chatId`); returns the index in fake.sent from which its answers count. */
    say(text: string, chatId = CHAT): number {
      const mark = fake.sent.length;
      fake.pushMessage(chatId, text);
      return mark;
    },
    /** A text reply from CHAT to message `messageId`. */
    reply(messageId: number, text: string): number {
      const mark = fake.sent.length;
      fake.pushReply(CHAT, messageId, text);
      return mark;
    },
    /** Presses the button labelled `label` under `entry` (from CHAT, or `chatId`); resolves with the toast, or null when none came. */
    async press(entry: SentEntry, label: string, chatId = CHAT): Promise<string | null> {
      const before = fake.calls("answerCallbackQuery").length;
      fake.pushCallback(chatId, entry.message_id, buttonData(entry, label));
      if (chatId !== CHAT) return null;
      const call = await fake.waitUntil(() => fake.calls("answerCallbackQuery")[before], 5000, `the answer to a press of "${label}"`);
      return (call.params.text as string | undefined) ?? "";
    },
    /** The first message / edit / document sent to CHAT from `since` on whose text contains `needle`. */
    sentContaining(needle: string | RegExp, since = 0, ms = 10_000): Promise<SentEntry> {
      const match = (t: string) => (typeof needle === "string" ? t.includes(needle) : needle.test(t));
      return fake.waitFor((e) => e.chat_id === CHAT && match(e.text), ms, since);
    },
    /** The edit of message `messageId` from `since` on whose text contains `needle`. */
    edited(messageId: number, needle: string, since = 0, ms = 10_000): Promise<SentEntry> {
      return fake.waitFor((e) => e.method === "editMessageText" && e.message_id === messageId && e.text.includes(needle), ms, since);
    },
    until(pred: (s: SessionState) => boolean, ms = 15_000): Promise<SessionState> {
      return live.orchestrator.waitFor(pred, ms);
    },
    /** Resolves with the first pending request once there is one. */
    async pending(): Promise<PermissionRecord> {
      const state = await h.until((s) => (s.permissions ?? []).some((p) => p.status === "pending"));
      return (state.permissions ?? []).find((p) => p.status === "pending") as PermissionRecord;
    },
    /** The fake claude's permissions.jsonl: every settled ask. */
    async asks(): Promise<Record<string, any>[]> {
      const text = await readFile(path.join(recordDir, "permissions.jsonl"), "utf8").catch(() => "");
      return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    },
    /** kill -9 of the service while a request is pending, then a start on what was saved (see the header). */
    async crashAndRestart(): Promise<void> {
      const saved = structuredClone(live.orchestrator.state);
      await live.bot.stop();
      await live.orchestrator.shutdown();
      live = await open(saved);
    },
    async close(): Promise<void> {
      await live.bot.stop();
      await live.orchestrator.shutdown();
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export type PermissionHarness = Awaited<ReturnType<typeof startPermissionHarness>>;

/** The callback_data of the button whose text contains `label`, in a sent message's keyboard. */
export function buttonData(entry: SentEntry, label: string): string {
  const button = entry.reply_markup?.inline_keyboard.flat().find((b) => b.text.includes(label));
  if (!button?.callback_data) throw new Error(`no "${label}" button in: ${JSON.stringify(entry.reply_markup)}`);
  return button.callback_data;
}

export const buttonTexts = (entry: SentEntry): string[] => entry.reply_markup?.inline_keyboard.flat().map((b) => b.text) ?? [];
