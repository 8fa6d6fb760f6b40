import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { n8nCheck } from "../../src/doctor/check-n8n.js";
import { telegramCheck } from "../../src/doctor/check-telegram.js";
import { FakeBotApi, FAKE_TOKEN } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { freePort } from "../support/start-service.js";
import { byId, envWith, runChecks, tempDirs } from "./doctor-support.js";

// Telegram against the fake Bot API (real HTTP), n8n against a real HTTP server and a closed port.

const dirs = tempDirs();
let api: FakeBotApi;
beforeAll(async () => {
  api = await FakeBotApi.start();
});
afterAll(() => api.close());
afterEach(() => dirs.cleanup());

const telegramEnv = (extra: Record<string, string> = {}) => envWith({ TELEGRAM_BOT_TOKEN: FAKE_TOKEN, TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_CHAT_ID: "111,-222", ...extra });

describe("Telegram", () => {
  it("passes a valid token (getMe) and reachable chats (getChat, each)", async () => {
    const r = await runChecks(await dirs.make(), [telegramCheck], telegramEnv());
    expect(byId(r, "telegram.token")).toMatchObject({ status: "ok", message: "Telegram: token valid (@orchestrator_test_bot)" });
    expect(byId(r, "telegram.chat:111")).toMatchObject({ status: "ok", message: "Telegram: chat 111 reachable (private Tester)" });
    expect(byId(r, "telegram.chat:-222")).toMatchObject({ status: "ok", message: 'Telegram: chat -222 reachable (group "Group -222")' });
    expect(api.calls("getChat").map((c) => String(c.params.chat_id)).sort()).toEqual(["-222", "111"]);
  });

  it("fails a token Telegram refuses, without printing it", async () => {
    const r = await runChecks(await dirs.make(), [telegramCheck], telegramEnv({ TELEGRAM_BOT_TOKEN: "999:wrong-token" }));
    const token = byId(r, "telegram.token");
    expect(token).toMatchObject({ status: "fail", message: "Telegram: the bot token was refused: Unauthorized (401)" });
    expect(token.fix).toContain("@BotFather");
    expect(JSON.stringify(r)).not.toContain("wrong-token");
    expect(r.filter((x) => x.id.startsWith("telegram.chat"))).toEqual([]);
  });

  it("fails a chat the bot cannot reach, with the fix", async () => {
    api.missingChats.add(333);
    try {
      const r = await runChecks(await dirs.make(), [telegramCheck], telegramEnv({ TELEGRAM_CHAT_ID: "111,333" }));
      expect(byId(r, "telegram.chat:111").status).toBe("ok");
      const chat = byId(r, "telegram.chat:333");
      expect(chat).toMatchObject({ status: "fail", message: "Telegram: chat 333 cannot be reached: Bad Request: chat not found (400)" });
      expect(chat.fix).toContain("send /start to @orchestrator_test_bot");
    } finally {
      api.missingChats.delete(333);
    }
  });

  it("fails with no allowed chat, skips when not configured, skips with --offline", async () => {
    const none = await runChecks(await dirs.make(), [telegramCheck], envWith({ TELEGRAM_BOT_TOKEN: FAKE_TOKEN, TELEGRAM_API_ROOT: api.apiRoot }));
    expect(byId(none, "telegram.chat")).toMatchObject({ status: "fail", fix: expect.stringContaining("TELEGRAM_CHAT_ID") });
    expect(byId(await runChecks(await dirs.make(), [telegramCheck], envWith()), "telegram.token").status).toBe("skip");
    const before = api.calls().length;
    const offline = await runChecks(await dirs.make(), [telegramCheck], telegramEnv(), { offline: true });
    expect(byId(offline, "telegram.token")).toMatchObject({ status: "skip", message: "Telegram: skipped (--offline)" });
    expect(api.calls().length).toBe(before);
  });
});

describe("n8n", () => {
  it("counts any HTTP answer as reachable (a real server saying 404), and fails a closed port", async () => {
    const methods: string[] = [];
    const server = http.createServer((req, res) => {
      methods.push(req.method ?? "");
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await runChecks(await dirs.make(), [n8nCheck], envWith({ N8N_NOTIFY_URL: `http://127.0.0.1:${port}/webhook/orchestrator?token=s3cret` }));
      expect(byId(r, "n8n")).toMatchObject({ status: "ok", message: `N8N_NOTIFY_URL answers (HTTP 404 from http://127.0.0.1:${port}/webhook/orchestrator)` });
      expect(methods).toEqual(["HEAD"]);
      expect(JSON.stringify(r)).not.toContain("s3cret");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const closed = await freePort();
    const down = await runChecks(await dirs.make(), [n8nCheck], envWith({ N8N_NOTIFY_URL: `http://127.0.0.1:${closed}/webhook/x` }));
    expect(byId(down, "n8n")).toMatchObject({ status: "fail", message: `N8N_NOTIFY_URL http://127.0.0.1:${closed}/webhook/x does not answer (ECONNREFUSED)` });
    expect(byId(down, "n8n").fix).toContain("N8N_NOTIFY_URL");
  });
});
