import { afterEach, describe, expect, it } from "@jest/globals";
import { startHarness, type Harness } from "./http-harness.js";

const UNAUTHORIZED = {
  status: "error",
  error: "unauthorized",
  message: 'Missing or wrong secret: send it as X-Webhook-Secret or "secret" in the JSON body.',
};

describe("webhook authentication", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("refuses a missing or wrong secret in either form with 401, and accepts the right one in either", async () => {
    h = await startHarness({ app: { authFailureLimit: { max: 10, windowMs: 60_000, blockMs: 60_000 } } });
    const wrong = "not-the-secret-but-long-enough";
    const missing = await h.post("/webhook/status", {}, null);
    const wrongBody = await h.post("/webhook/status", {}, wrong);
    const wrongHeader = await h.request("POST", "/webhook/status", { headers: { "x-webhook-secret": wrong } });
    // A wrong header decides, even when the body's secret is right.
    const wrongHeaderRightBody = await h.request("POST", "/webhook/status", {
      body: JSON.stringify({ secret: h.secret }),
      headers: { "content-type": "application/json", "x-webhook-secret": wrong },
    });
    const nonString = await h.post("/webhook/status", {}, 42 as unknown as string);
    for (const r of [missing, wrongBody, wrongHeader, wrongHeaderRightBody, nonString]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual(UNAUTHORIZED);
    }
    // The seed's form (secret in the body) and the header with no body at all.
    expect((await h.post("/webhook/status")).status).toBe(200);
    const headerOnly = await h.request("POST", "/webhook/status", { headers: { "x-webhook-secret": h.secret } });
    expect(headerOnly.status).toBe(200);
    expect(headerOnly.json.status).toBe("idle");

    const lines = (await h.accessLines()).filter((l) => l.path === "/webhook/status");
    expect(lines.map((l) => l.auth)).toEqual(["missing", "wrong", "wrong", "wrong", "wrong", "ok", "ok"]);
    expect(lines.map((l) => l.status)).toEqual([401, 401, 401, 401, 401, 200, 200]);
    // Neither the secret nor a guess is ever written, in the access log or the log.
    const everything = (await import("node:fs")).readFileSync(h.accessLogFile, "utf8") + h.logLines.join("");
    expect(everything).not.toContain(h.secret);
    expect(everything).not.toContain(wrong);
  });

  it("blocks an address after repeated failures with 429 + Retry-After, until the block ends", async () => {
    h = await startHarness({ app: { authFailureLimit: { max: 3, windowMs: 60_000, blockMs: 30_000 } } });
    for (let i = 0; i < 3; i++) expect((await h.post("/webhook/status", {}, `guess-${i}`)).status).toBe(401);
    // Every request from the address is refused now, even with the right secret, even a bad route.
    const blocked = await h.post("/webhook/status");
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("30");
    expect(blocked.json).toMatchObject({ status: "error", error: "too_many_requests" });
    expect((await h.post("/webhook/nope")).status).toBe(429);
    // /health stays available for monitoring.
    expect((await h.request("GET", "/health")).status).toBe(200);
    h.clock.advance(20_000);
    const later = await h.post("/webhook/approve");
    expect(later.status).toBe(429);
    expect(later.headers.get("retry-after")).toBe("10");
    h.clock.advance(10_000);
    expect((await h.post("/webhook/status")).status).toBe(200);
    // A clean slate: one more failure is a 401, not a new block.
    expect((await h.post("/webhook/status", {}, "guess-again")).status).toBe(401);
    expect((await h.post("/webhook/status")).status).toBe(200);
    expect(h.logLines.join("")).toMatch(/blocking .*3 failed secrets/);
  });

  it("blocks by default after 5 failures in a minute, for a minute", async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) expect((await h.post("/webhook/status", {}, `guess-${i}`)).status).toBe(401);
    const blocked = await h.request("POST", "/webhook/status", { headers: { "x-webhook-secret": h.secret } });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("60");
    h.clock.advance(60_000);
    expect((await h.post("/webhook/status")).status).toBe(200);
  });

  it("counts failures within the window only", async () => {
    h = await startHarness({ app: { authFailureLimit: { max: 2, windowMs: 10_000, blockMs: 30_000 } } });
    expect((await h.post("/webhook/status", {}, "guess-1")).status).toBe(401);
    h.clock.advance(10_000);
    expect((await h.post("/webhook/status", {}, "guess-2")).status).toBe(401);
    expect((await h.post("/webhook/status")).status).toBe(200);
    expect((await h.post("/webhook/status", {}, "guess-3")).status).toBe(401);
    expect((await h.post("/webhook/status")).status).toBe(429);
  });
});
