/**
 * The bot when Telegram is not there: a closed port, a peer that accepts and never answers, a 429
 * flood, 5xx for everything. Start-up attempts end with the reason and a bound; stop() ends
 * whatever waits on Telegram; a message that cannot be delivered is given up by name, in the log.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import net from "node:net";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Api } from "grammy";
import { pino } from "pino";
import { ManualClock } from "../../src/core/clock.js";
import { createIdleState, createTaskRecord } from "../../src/core/state.js";
import { ProgressTracker } from "../../src/telegram/progress-tracker.js";
import { def } from "../core/machine-helpers.js";
import { ScriptedRunner } from "../../src/runner/scripted-runner.js";
import { createTelegramBot, type TelegramBot, type TelegramBotOptions } from "../../src/telegram/create-telegram-bot.js";
import { TelegramStartError } from "../../src/telegram/telegram-start-error.js";
import { FakeBotApi, FAKE_TOKEN } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { freePort } from "../support/start-service.js";
import { openTestControl } from "../support/open-test-control.js";
import { startBotHarness, type BotHarness } from "./bot-harness.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bot (not started) on a real orchestrator, pointed at `apiRoot`. */
async function botAt(apiRoot: string, extra: Partial<TelegramBotOptions> = {}): Promise<{ bot: TelegramBot; logLines: string[] }> {
  const t = await openTestControl({ prefix: "orchestrator-outage-", clock: new ManualClock(), runner: new ScriptedRunner() });
  const bot = createTelegramBot({
    token: FAKE_TOKEN,
    apiRoot,
    chatIds: ["111"],
    control: t.control,
    orchestrator: t.orchestrator,
    tasksDir: t.tasksDir,
    conversationFile: path.join(t.dir, "state.json.telegram.json"),
    logger: t.logger,
    clock: new ManualClock(),
    ...extra,
  });
  cleanups.push(async () => {
    await bot.stop();
    await t.orchestrator.shutdown();
    await rm(t.dir, { recursive: true, force: true });
  });
  return { bot, logLines: t.logLines };
}

/** A TCP server that accepts connections and never answers (a wrong port, a black-holing proxy). */
async function silentServer(onConnection: () => void = () => undefined): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    onConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

async function startError(bot: TelegramBot, signal?: AbortSignal): Promise<TelegramStartError> {
  const error = await bot.start(signal).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TelegramStartError);
  return error as TelegramStartError;
}

describe("the Telegram bot when Telegram is unreachable", () => {
  it("a closed port: the start-up attempt fails at once with the reason, logged once, never with the token", async () => {
    const { bot, logLines } = await botAt(`http://127.0.0.1:${await freePort()}`);
    const t0 = performance.now();
    const error = await startError(bot);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(error.message).toMatch(/^getMe: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect(error.retryAfterS).toBeNull();
    await startError(bot);
    // Two failed attempts, one warning: the link logs when failures start, not each one.
    expect(messages(logLines).filter((m) => m.startsWith("Telegram calls are failing: connect ECONNREFUSED"))).toHaveLength(1);
    expect(logLines.join("\n")).not.toContain(FAKE_TOKEN);
  });

  it("a peer that accepts and never answers: each start-up call ends after startCallMs; stop() ends an attempt under way at once", async () => {
    const root = await silentServer();
    const quick = await botAt(root, { startCallMs: 300 });
    const t0 = performance.now();
    expect((await startError(quick.bot)).message).toBe("getMe: no answer within 0.3 s");
    expect(performance.now() - t0).toBeLessThan(1500);

    const slow = await botAt(root, { startCallMs: 60_000 });
    const attempt = slow.bot.start();
    const settled = attempt.then(
      () => "resolved",
      () => "rejected",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t1 = performance.now();
    await slow.bot.stop();
    expect(await settled).toBe("rejected");
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it("a 429 at start-up: the attempt fails with Telegram's retry_after, for the caller to honour", async () => {
    const fake = await FakeBotApi.start();
    cleanups.push(() => fake.close());
    fake.failAll({ errorCode: 429, retryAfter: 7 });
    const { bot } = await botAt(fake.apiRoot);
    const error = await startError(bot);
    expect(error.message).toBe("getMe: 429 Too Many Requests: retry after 7");
    expect(error.retryAfterS).toBe(7);
  });

  it("a wrong token: the reason says what to check", async () => {
    const fake = await FakeBotApi.start("999:another-token");
    cleanups.push(() => fake.close());
    const { bot } = await botAt(fake.apiRoot);
    expect((await startError(bot)).message).toBe("getMe: 401 Unauthorized (check TELEGRAM_BOT_TOKEN)");
  });
});

describe("progress edits when Telegram does not answer", () => {
  it("each edit ends after its time limit, so a hung edit does not hold up the next", async () => {
    let connections = 0;
    const root = await silentServer(() => connections++);
    const lines: string[] = [];
    const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
    const tracker = new ProgressTracker({ api: new Api(FAKE_TOKEN, { apiRoot: root }), editMs: 10, clock: new ManualClock(), log, timeoutMs: 200 });
    const task = { ...createTaskRecord(def(1)), status: "running" as const, attempts: 1 };
    const state = { ...createIdleState(), session_id: "S1", task_file: "/x/t.md", status: "running" as const, tasks: [task] };
    const ref = { session: "S1", index: 0, attempt: 1 };
    tracker.begin(ref, state, [{ chatId: "111", messageId: Promise.resolve(7) }]);
    tracker.progress(ref, { kind: "text", text: "first" });
    await waitForLog(lines, "progress edit dropped", 2000);
    tracker.progress(ref, { kind: "text", text: "second" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    tracker.end();
    // Two edits tried, each cut off by its own limit: the first hung edit did not hold up the second.
    expect(connections).toBe(2);
    expect(messages(lines).filter((m) => m === "progress edit dropped")).toHaveLength(2);
  });
});

describe("the Telegram bot when Telegram fails after start", () => {
  let h: BotHarness;
  afterEach(async () => {
    await h?.close();
  });

  it("a 429 flood: stop() gives the queued notice its flush time, then gives it up by name (not after retry_after)", async () => {
    h = await startBotHarness({ bot: { flushMs: 300 } });
    h.fake.failAll({ errorCode: 429, retryAfter: 30 });
    await h.control.execute({ command: "start" });
    await h.fake.waitUntil(() => h.fake.calls("sendMessage").length > 0, 5000, "the notice's first try");
    const t0 = performance.now();
    await h.bot().stop();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(h.fake.sent).toEqual([]);
    expect(messages(h.logLines)).toContain('Telegram sendMessage given up (the service is stopping; last error: 429 Too Many Requests: retry after 30): "🤖 Orchestrator Starting..." is lost');
  });

  it("5xx for everything: a message is given up after its delivery time, naming the last error; recovery is logged once", async () => {
    h = await startBotHarness({ bot: { deliverMs: 1500 } });
    h.fake.failAll({ errorCode: 500 });
    const t0 = performance.now();
    await h.control.execute({ command: "start" });
    const givenUp = 'Telegram sendMessage given up (not delivered within 1.5 s; last error: 500 Internal Server Error): "🤖 Orchestrator Starting..." is lost';
    await waitForLog(h.logLines, givenUp, 5000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(h.fake.sent).toEqual([]);
    h.fake.failAll(null);
    // Working again: polling (retried every 3 s by grammY) hears the next command and it is answered.
    const mark = h.say("/status");
    await h.sentContaining("Orchestrator Status", mark, 8000);
    const all = messages(h.logLines);
    expect(all.filter((m) => m.startsWith("Telegram calls are failing: 500 Internal Server Error"))).toHaveLength(1);
    expect(all.filter((m) => /^Telegram calls go through again \(after \d+ s of failures\)$/.test(m))).toHaveLength(1);
  });
});

async function waitForLog(lines: string[], wanted: string | RegExp, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  const found = () => messages(lines).some((m) => (typeof wanted === "string" ? m === wanted : wanted.test(m)));
  while (!found()) {
    if (performance.now() > deadline) throw new Error(`no log line ${String(wanted)} within ${ms} ms; got:\n${messages(lines).slice(-10).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
