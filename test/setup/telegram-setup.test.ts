import { afterEach, describe, expect, it } from "@jest/globals";
import { systemClock } from "../../src/core/clock.js";
import { SetupError } from "../../src/setup/setup-error.js";
import { checkBotToken, sendTestMessage, setupApi, waitForChat } from "../../src/setup/telegram-setup.js";
import { FAKE_TOKEN, FakeBotApi } from "../fixtures/fake-bot-api/fake-bot-api.js";

let fake: FakeBotApi | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});
const start = async () => (fake = await FakeBotApi.start());
/** The first getUpdates (what was queued before) has been answered: anything pushed now is new. (The fake records a call once answered.) */
const polling = (f: FakeBotApi) => f.waitUntil(() => f.calls("getUpdates").length > 0, 5000, "the first getUpdates");

describe("the Telegram steps of init", () => {
  it("getMe: the bot's name for a good token; a 401 says what to do and never holds the token", async () => {
    const f = await start();
    expect(await checkBotToken(setupApi(FAKE_TOKEN, f.apiRoot))).toBe("orchestrator_test_bot");
    const wrong = "999:not-the-token";
    const error = (await checkBotToken(setupApi(wrong, f.apiRoot)).catch((e: unknown) => e)) as SetupError;
    expect(error).toBeInstanceOf(SetupError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/401 Unauthorized.*@BotFather/);
    expect(error.message).not.toContain("not-the-token");
  });

  it("an unreachable API root is a network error without the token in it", async () => {
    const f = await start();
    const root = f.apiRoot;
    await f.close();
    fake = null;
    const error = (await checkBotToken(setupApi(FAKE_TOKEN, root)).catch((e: unknown) => e)) as SetupError;
    expect(error.message).toMatch(/cannot reach Telegram/);
    expect(error.message).not.toContain(FAKE_TOKEN.split(":")[1]);
  });

  it("finds the chat of the first message sent after it started, skipping older ones, and confirms it", async () => {
    const f = await start();
    f.pushMessage(111, "an old message");
    const api = setupApi(FAKE_TOKEN, f.apiRoot);
    const found = waitForChat(api, { clock: systemClock, waitMs: 10_000 });
    await polling(f);
    f.pushMessage(222, "hello");
    expect(await found).toEqual({ chatId: 222, from: "@tester222" });
    // Both were confirmed: a bot polling now gets nothing old.
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
    await sendTestMessage(api, 222);
    expect(f.sent.map((s) => [s.chat_id, s.text])).toEqual([[222, "Orchestrator is set up ✓"]]);
  });

  it("gives up after waitMs when no message comes", async () => {
    const f = await start();
    const began = performance.now();
    const error = (await waitForChat(setupApi(FAKE_TOKEN, f.apiRoot), { clock: systemClock, waitMs: 1500 }).catch((e: unknown) => e)) as SetupError;
    expect(error.message).toMatch(/no message reached the bot within 2 s.*--chat-id/);
    expect(performance.now() - began).toBeLessThan(4000);
  });

  it("an abort (Ctrl-C) ends the wait at once as cancelled", async () => {
    const f = await start();
    const controller = new AbortController();
    const found = waitForChat(setupApi(FAKE_TOKEN, f.apiRoot), { clock: systemClock, waitMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    await polling(f);
    controller.abort("SIGINT");
    const error = (await found) as SetupError;
    expect(error).toBeInstanceOf(SetupError);
    expect(error.exitCode).toBe(130);
  });

  it("a test message Telegram refuses is an error naming the chat and the reason", async () => {
    const f = await start();
    const api = setupApi(FAKE_TOKEN, f.apiRoot);
    // The fake accepts any chat id, so Telegram's refusal here is a 429.
    f.failNext("sendMessage", 1, 3);
    await expect(sendTestMessage(api, 5)).rejects.toThrow(/Telegram refused to send the test message to chat 5: 429/);
  });

  it("a bot with a webhook set cannot be polled: the message says to pass --chat-id", async () => {
    const f = await start();
    f.world.webhook = { url: "https://example.org/hook", secret_token: null };
    await expect(waitForChat(setupApi(FAKE_TOKEN, f.apiRoot), { clock: systemClock, waitMs: 5000 })).rejects.toThrow(/409.*--chat-id/);
  });
});
