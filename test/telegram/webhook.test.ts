import { afterEach, describe, expect, it } from "@jest/globals";
import express, { type RequestHandler } from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deliverWebhook } from "../fixtures/fake-bot-api/deliver-webhook.js";
import { CHAT, startBotHarness, type BotHarness } from "./bot-harness.js";

let h: BotHarness;
let server: Server | null = null;
afterEach(async () => {
  await h?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

const SECRET = "webhook_Secret-123";

/** An express app with the route the lead mounts, before any JSON parser (as in create-http-app). */
async function startWebhookServer(): Promise<{ url: string; mount(handler: RequestHandler | null): void }> {
  let handler: RequestHandler | null = null;
  const app = express();
  app.post("/telegram/webhook", (req, res, next) => (handler ? handler(req, res, next) : res.status(503).end()));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/telegram/webhook`, mount: (h) => void (handler = h) };
}

describe("Telegram webhook mode", () => {
  it("sets the webhook, checks the secret token, answers, and handles a re-delivered update once", async () => {
    const web = await startWebhookServer();
    h = await startBotHarness({ bot: { webhook: { url: web.url, secretToken: SECRET } } });
    web.mount(h.bot().webhookHandler);
    expect(h.fake.webhook).toEqual({ url: web.url, secret_token: SECRET });
    expect(h.fake.calls("getUpdates")).toEqual([]);

    const update = h.fake.createMessageUpdate(CHAT, "/status");
    const first = await deliverWebhook(web.url, update, SECRET);
    expect(first.status).toBe(200);
    await h.sentContaining("Orchestrator Status");

    // Telegram re-sends an update it thinks was not acknowledged: answered 200, handled once.
    const again = await deliverWebhook(web.url, update, SECRET);
    expect(again.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.sent.filter((e) => e.text.includes("Orchestrator Status"))).toHaveLength(1);
    expect(h.logLines.some((l) => l.includes("ignored a repeated update"))).toBe(true);

    const forged = await deliverWebhook(web.url, h.fake.createMessageUpdate(CHAT, "/start"), "wrong-secret");
    expect(forged.status).toBe(401);
    const anonymous = await deliverWebhook(web.url, h.fake.createMessageUpdate(CHAT, "/start"), null);
    expect(anonymous.status).toBe(401);
    expect(h.orchestrator.state.status).toBe("idle");

    const start = await deliverWebhook(web.url, h.fake.createMessageUpdate(CHAT, "/start"), SECRET);
    expect(start.status).toBe(200);
    await h.sentContaining("Orchestrator Starting");

    // After stop(), updates are refused with 503 so Telegram delivers them again later.
    await h.bot().stop();
    const late = await deliverWebhook(web.url, h.fake.createMessageUpdate(CHAT, "/status"), SECRET);
    expect(late.status).toBe(503);
  });
});
