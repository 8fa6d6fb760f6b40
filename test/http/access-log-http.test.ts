/**
 * The access log (pino-http into orchestrator_logs/webhook-access.log) through real HTTP on
 * 127.0.0.1: one line per request with the fields the README lists, and no secret in it, wherever
 * the client put one (header, body, query) and even in a line a route writes through req.log.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import { startHarness, type Harness } from "./http-harness.js";

describe("access log through HTTP", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("writes one line per request: level, time from the clock, ip, method, path without the query, status, ms, auth, msg", async () => {
    h = await startHarness();
    await h.post("/webhook/status");
    h.clock.advance(1_500);
    await h.requestFrom("127.0.0.2", "POST", "/webhook/status?x=1", { body: "{}", headers: { "content-type": "application/json" } });
    await h.request("GET", "/health?verbose=1");
    await h.request("PUT", `/nope/${"a".repeat(300)}`);
    const lines = await h.accessLines();
    expect(lines).toEqual([
      { level: 30, time: "2026-01-01T09:00:00.000Z", ip: "127.0.0.1", method: "POST", path: "/webhook/status", status: 200, ms: expect.any(Number), auth: "ok", msg: "request completed" },
      { level: 30, time: "2026-01-01T09:00:01.500Z", ip: "127.0.0.2", method: "POST", path: "/webhook/status", status: 401, ms: expect.any(Number), auth: "missing", msg: "request completed" },
      { level: 30, time: "2026-01-01T09:00:01.500Z", ip: "127.0.0.1", method: "GET", path: "/health", status: 200, ms: expect.any(Number), auth: "none", msg: "request completed" },
      { level: 30, time: "2026-01-01T09:00:01.500Z", ip: "127.0.0.1", method: "PUT", path: `/nope/${"a".repeat(194)}`, status: 404, ms: expect.any(Number), auth: "none", msg: "request completed" },
    ]);
  });

  it("never writes a secret or a guess: not from the header, the body, the query, nor the Telegram header, even through req.log", async () => {
    h = await startHarness({
      app: {
        // A route that logs through pino-http's req.log, whose lines carry the request's headers and query.
        mount: (app) =>
          app.post("/probe", (req, res) => {
            req.log.info("probe");
            res.json({ ok: true });
          }),
      },
    });
    const guess = "a-wrong-guess-0123456789";
    const telegram = "telegram-secret-token-0123456789";
    await h.request("POST", `/webhook/status?secret=${h.secret}`, { body: JSON.stringify({ secret: h.secret }), headers: { "content-type": "application/json" } });
    await h.request("POST", `/webhook/status?token=${guess}`, { headers: { "x-webhook-secret": guess } });
    await h.post("/webhook/status", {}, guess);
    await h.request("POST", `/probe?secret=${h.secret}`, { headers: { "x-webhook-secret": h.secret, "x-telegram-bot-api-secret-token": telegram } });
    const text = await readFile(h.accessLogFile, "utf8");
    for (const secret of [h.secret, guess, telegram]) expect(text).not.toContain(secret);
    const probe = (await h.accessLines()).find((l) => l.msg === "probe") as { req: { url: string; query: unknown; headers: Record<string, string> } } | undefined;
    expect(probe?.req).toMatchObject({ url: "/probe", query: "[redacted]" });
    expect(probe?.req.headers).toMatchObject({ "x-webhook-secret": "[redacted]", "x-telegram-bot-api-secret-token": "[redacted]" });
    expect((await h.accessLines()).filter((l) => l.path !== undefined).map((l) => [l.path, l.status, l.auth])).toEqual([
      ["/webhook/status", 200, "ok"],
      ["/webhook/status", 401, "wrong"],
      ["/webhook/status", 401, "wrong"],
      ["/probe", 200, "none"],
    ]);
  });
});
