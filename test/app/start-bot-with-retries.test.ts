import { describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { startBotWithRetries } from "../../src/app/start-bot-with-retries.js";
import { TelegramStartError } from "../../src/telegram/telegram-start-error.js";

function capture() {
  const lines: { level: number; msg: string; reason?: string; retry_in_s?: number }[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** A bot whose start() fails with `failures` in turn, then succeeds. */
function flakyBot(failures: Error[]) {
  let attempts = 0;
  return {
    get attempts() {
      return attempts;
    },
    async start() {
      const failure = failures[attempts++];
      if (failure) throw failure;
    },
  };
}

describe("startBotWithRetries", () => {
  it("backs off 5 s doubling to 5 min, logging each failure once with its reason and the next try", async () => {
    const { log, lines } = capture();
    const bot = flakyBot(Array.from({ length: 9 }, () => new TelegramStartError("getMe: connect ECONNREFUSED 127.0.0.1:9")));
    const pauses: number[] = [];
    const started = await startBotWithRetries(bot, log, new AbortController().signal, { sleep: async (ms) => void pauses.push(ms) });
    expect(started).toBe(true);
    expect(bot.attempts).toBe(10);
    expect(pauses).toEqual([5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(9);
    expect(errors[0]?.msg).toMatch(/^the Telegram bot could not start: getMe: connect ECONNREFUSED 127\.0\.0\.1:9; trying again in 5 s\. The HTTP API and the orchestrator work meanwhile/);
    expect(errors.map((l) => l.retry_in_s)).toEqual(pauses.map((ms) => ms / 1000));
    expect(lines.at(-1)?.msg).toBe("the Telegram bot started (attempt 10)");
  });

  it("waits at least Telegram's retry_after, even past the longest pause", async () => {
    const { log } = capture();
    const bot = flakyBot([new TelegramStartError("getMe: 429", 30), new TelegramStartError("getMe: 429", 1), new TelegramStartError("getMe: 429", 900), new Error("plain")]);
    const pauses: number[] = [];
    await startBotWithRetries(bot, log, new AbortController().signal, { sleep: async (ms) => void pauses.push(ms) });
    expect(pauses).toEqual([30_000, 10_000, 900_000, 40_000]);
  });

  it("ends at once when stopped during a pause: no further attempt, no timer left", async () => {
    const { log, lines } = capture();
    const bot = flakyBot(Array.from({ length: 5 }, () => new TelegramStartError("getMe: no answer within 10 s")));
    const stop = new AbortController();
    const t0 = performance.now();
    const done = startBotWithRetries(bot, log, stop.signal, { firstDelayMs: 60_000 });
    setTimeout(() => stop.abort(), 50);
    expect(await done).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(bot.attempts).toBe(1);
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
  });

  it("ends at once when stopped during an attempt, without logging the cancelled attempt as a failure", async () => {
    const { log, lines } = capture();
    const bot = {
      start: (signal?: AbortSignal) => new Promise<void>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    };
    const stop = new AbortController();
    const done = startBotWithRetries(bot, log, stop.signal);
    setTimeout(() => stop.abort(), 20);
    expect(await done).toBe(false);
    expect(lines).toEqual([]);
  });
});
