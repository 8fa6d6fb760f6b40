/**
 * The failed-secret limiter (express-rate-limit on FailedSecretStore) through real HTTP on
 * 127.0.0.1: the guesser binds its own loopback address (127.0.0.2), the legitimate client keeps
 * 127.0.0.1. Time is the harness's ManualClock, which the store reads.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import net from "node:net";
import { startHarness, type Harness } from "./http-harness.js";

const GUESSER = "127.0.0.2";
const CLIENT = "127.0.0.1";

describe("failed-secret limit through HTTP, per address", () => {
  let h: Harness;
  afterEach(() => h.close());

  const status = (from: string, secret: string) => h.requestFrom(from, "POST", "/webhook/status", { headers: { "x-webhook-secret": secret } });

  /** Sends headers and half a body from `from`, then hangs up before the server can answer. */
  async function hangUp(from: string, headers: string): Promise<void> {
    const before = (await h.accessLines()).length;
    const s = net.connect({ host: "127.0.0.1", port: h.server.port, localAddress: from });
    await new Promise<void>((resolve, reject) => s.once("connect", resolve).once("error", reject));
    s.write(`POST /webhook/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n${headers}\r\n{"command":`);
    await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    // The server has seen it once its access log line is written (2 s at most).
    const deadline = Date.now() + 2_000;
    while ((await h.accessLines()).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  it("5 failed secrets from one address block it for a minute; another address is answered throughout and keeps its own budget", async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) {
      expect((await status(GUESSER, `guess-${i}`)).status).toBe(401);
      expect((await status(CLIENT, h.secret)).status).toBe(200);
    }
    const blocked = await status(GUESSER, h.secret);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("60");
    expect(blocked.json).toEqual({ status: "error", error: "too_many_requests", message: "Too many failed secrets from this address; try again in 60 s." });
    expect((await status(CLIENT, h.secret)).status).toBe(200);
    // The client's own failures are its own: a 401, not the guesser's block.
    expect((await status(CLIENT, "typo")).status).toBe(401);
    expect((await status(CLIENT, h.secret)).status).toBe(200);
    h.clock.advance(59_000);
    expect((await status(GUESSER, h.secret)).headers.get("retry-after")).toBe("1");
    h.clock.advance(1_000);
    expect((await status(GUESSER, h.secret)).status).toBe(200);
    expect(h.logLines.join("").match(/blocking 127\.0\.0\.2: 5 failed secrets/g)).toHaveLength(1);
  });

  it("only failed secrets count: successes, bad routes, wrong methods, non-JSON, bad JSON and hung-up requests from the address do not", async () => {
    h = await startHarness();
    const authed = { "content-type": "application/json", "x-webhook-secret": h.secret };
    for (let i = 0; i < 6; i++) {
      expect((await status(GUESSER, h.secret)).status).toBe(200);
      expect((await h.requestFrom(GUESSER, "POST", "/webhook/nope", { headers: authed })).status).toBe(404);
      expect((await h.requestFrom(GUESSER, "GET", "/webhook/status", { headers: authed })).status).toBe(405);
      expect((await h.requestFrom(GUESSER, "POST", "/webhook/status", { body: "x", headers: { ...authed, "content-type": "text/plain" } })).status).toBe(415);
      expect((await h.requestFrom(GUESSER, "POST", "/webhook/status", { body: "{", headers: authed })).status).toBe(400);
      await hangUp(GUESSER, `X-Webhook-Secret: ${h.secret}\r\n`);
      await hangUp(GUESSER, "");
    }
    expect((await h.accessLines()).filter((l) => l.aborted === true)).toHaveLength(12);
    // Four failures, a success between them (it gives no budget back), then the fifth blocks.
    for (let i = 0; i < 4; i++) expect((await status(GUESSER, `guess-${i}`)).status).toBe(401);
    expect((await status(GUESSER, h.secret)).status).toBe(200);
    expect((await status(GUESSER, "guess-4")).status).toBe(401);
    expect((await status(GUESSER, h.secret)).status).toBe(429);
  });

  it("requests at once from one address are not failures: after 4 failed secrets, 12 commands in parallel are all answered", async () => {
    h = await startHarness();
    for (let i = 0; i < 4; i++) expect((await status(GUESSER, `guess-${i}`)).status).toBe(401);
    const parallel = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 ? status(GUESSER, h.secret) : h.requestFrom(GUESSER, "POST", "/webhook/logs", { body: JSON.stringify({ secret: h.secret }), headers: { "content-type": "application/json" } }),
      ),
    );
    expect(parallel.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
    expect((await status(GUESSER, "guess-4")).status).toBe(401);
    expect((await status(GUESSER, h.secret)).status).toBe(429);
  });

  it("the block runs a minute from the fifth failure, not from the next request; then the slate is clean", async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) expect((await status(GUESSER, `guess-${i}`)).status).toBe(401);
    h.clock.advance(40_000);
    const late = await status(GUESSER, h.secret);
    expect(late.status).toBe(429);
    expect(late.headers.get("retry-after")).toBe("20");
    h.clock.advance(20_000);
    expect((await status(GUESSER, h.secret)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await status(GUESSER, `again-${i}`)).status).toBe(401);
    expect((await status(GUESSER, h.secret)).status).toBe(200);
  });
});
