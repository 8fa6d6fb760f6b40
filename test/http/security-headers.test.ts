/**
 * helmet's response headers through real HTTP on 127.0.0.1, on every kind of answer (health, a
 * command, 401, 404, 429, and a route mounted for the Telegram webhook), with the JSON API intact.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import express from "express";
import { startHarness, type Harness } from "./http-harness.js";

describe("security headers (helmet)", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("sets helmet's headers, no HSTS and no X-Powered-By, on every answer, and the answers stay JSON", async () => {
    h = await startHarness({
      app: {
        authFailureLimit: { max: 1, windowMs: 60_000, blockMs: 60_000 },
        // Like grammY's handler: reads its own body (mounted before the JSON parser).
        mount: (app) => app.post("/telegram/webhook", express.json(), (req, res) => res.json({ echo: (req.body as { update_id?: number }).update_id })),
      },
    });
    const answers = {
      health: await h.request("GET", "/health"),
      command: await h.post("/webhook/status"),
      telegram: await h.request("POST", "/telegram/webhook", { body: JSON.stringify({ update_id: 7 }), headers: { "content-type": "application/json" } }),
      notFound: await h.request("GET", "/nope"),
      unauthorized: await h.requestFrom("127.0.0.2", "POST", "/webhook/status", { headers: { "x-webhook-secret": "guess" } }),
      blocked: await h.requestFrom("127.0.0.2", "POST", "/webhook/status", { headers: { "x-webhook-secret": h.secret } }),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, a.status]))).toEqual({ health: 200, command: 200, telegram: 200, notFound: 404, unauthorized: 401, blocked: 429 });
    expect(answers.command.json.status).toBe("idle");
    expect(answers.telegram.json).toEqual({ echo: 7 });
    for (const [name, { headers }] of Object.entries(answers)) {
      expect([name, headers.get("content-type")]).toEqual([name, "application/json; charset=utf-8"]);
      expect([name, headers.get("x-content-type-options")]).toEqual([name, "nosniff"]);
      expect([name, headers.get("content-security-policy")]).toEqual([name, expect.stringContaining("default-src 'self'")]);
      expect([name, headers.get("x-frame-options")]).toEqual([name, "SAMEORIGIN"]);
      expect([name, headers.get("referrer-policy")]).toEqual([name, "no-referrer"]);
      expect([name, headers.get("cross-origin-resource-policy")]).toEqual([name, "same-origin"]);
      expect([name, headers.get("strict-transport-security"), headers.get("x-powered-by")]).toEqual([name, null, null]);
    }
  });
});
