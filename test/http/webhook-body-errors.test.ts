import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { gzipSync } from "node:zlib";
import { startHarness, type Harness } from "./http-harness.js";

describe("webhook bodies: JSON only, bounded, well-formed", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ app: { bodyLimit: "1kb", authFailureLimit: { max: 100, windowMs: 60_000, blockMs: 60_000 } } });
  });
  afterAll(() => h.close());
  const json = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", ...extra });

  it("400s malformed JSON with the parser's message, never echoing the body", async () => {
    const body = `{"secret": "${h.secret}", "command": "status",}`;
    const r = await h.request("POST", "/webhook/command", { body, headers: json() });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: "error", error: "bad_request", message: expect.stringMatching(/^The body is not valid JSON: .*position \d+/) });
    const token = await h.request("POST", "/webhook/command", { body: `{"secret": "${h.secret}" x}`, headers: json() });
    expect(token.status).toBe(400);
    const bare = await h.request("POST", "/webhook/command", { body: `{"secret": "${h.secret}", "a": x}`, headers: json() });
    expect(bare.status).toBe(400);
    expect(bare.json.message).toBe(`The body is not valid JSON: Unexpected token 'x' in JSON at position ${`{"secret": "${h.secret}", "a": `.length}.`);
    const word = await h.request("POST", "/webhook/command", { body: "  hello", headers: json() });
    expect(word.json.message).toBe("The body is not valid JSON: Unexpected token 'h' in JSON at position 2.");
    for (const r2 of [r, token, bare, word]) expect(JSON.stringify(r2.json)).not.toContain(h.secret);
  });

  it("400s a JSON body that is not an object", async () => {
    const r = await h.request("POST", "/webhook/status", { body: "[1, 2]", headers: json({ "x-webhook-secret": h.secret }) });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain("JSON object");
  });

  it("400s a bare JSON string, number, boolean or null: the body must be an object (not 'not valid JSON')", async () => {
    const kinds: [string, string][] = [['"hello"', "a string"], ["42", "a number"], ["true", "a boolean"], ["null", "null"], [`"${h.secret}"`, "a string"]];
    for (const [body, kind] of kinds) {
      const r = await h.request("POST", "/webhook/status", { body, headers: json({ "x-webhook-secret": h.secret }) });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ status: "error", error: "bad_request", message: `The body must be a JSON object, e.g. {"command": "status"}, not ${kind}.` });
    }
  });

  it("415s a compressed body before reading it: a gzip bomb is never inflated", async () => {
    // 8 MB of zeros gzips to ~8 KB; inflating it would be 8 MB for one request.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, "0"));
    for (const encoding of ["gzip", "deflate", "br"]) {
      const r = await fetch(`${h.server.url}/webhook/status`, { method: "POST", body: bomb, headers: json({ "x-webhook-secret": h.secret, "content-encoding": encoding }) });
      expect(r.status).toBe(415);
      expect(await r.json()).toEqual({ status: "error", error: "unsupported_media_type", message: `Compressed bodies are not accepted (Content-Encoding: ${encoding}). Send plain UTF-8 JSON without Content-Encoding.` });
    }
  });

  it("takes __proto__ and constructor keys as plain data: nothing is polluted, the command still validated", async () => {
    const body = `{"secret": "${h.secret}", "command": "logs", "__proto__": {"lines": 1, "polluted": true}, "constructor": {"prototype": {"polluted": true}}}`;
    const r = await h.request("POST", "/webhook/command", { body, headers: json() });
    expect(r.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("lines");
    // A command hidden in __proto__ is no command.
    const hidden = await h.request("POST", "/webhook/command", { body: `{"secret": "${h.secret}", "__proto__": {"command": "start"}}`, headers: json() });
    expect(hidden.status).toBe(400);
    expect(hidden.json.message).toMatch(/^"command" is required/);
    expect(h.orchestrator.state.status).toBe("idle");
  });

  it("400s deep nesting inside the limit without a crash", async () => {
    const deep = "[".repeat(400) + "]".repeat(400);
    const r = await h.request("POST", "/webhook/status", { body: `{"x": ${deep}}`, headers: json({ "x-webhook-secret": h.secret }) });
    expect(r.status).toBe(200);
    const bare = await h.request("POST", "/webhook/status", { body: deep, headers: json({ "x-webhook-secret": h.secret }) });
    expect(bare.status).toBe(400);
    expect(bare.json.message).toMatch(/not an array\.$/);
  });

  it("413s a body over the limit", async () => {
    const r = await h.post("/webhook/retry", { feedback: "x".repeat(2000) });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ status: "error", error: "too_large", message: "The body is larger than 1kb." });
  });

  it("415s a body that is not JSON, whatever the secret", async () => {
    const forms: Record<string, string>[] = [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded", "x-webhook-secret": h.secret }];
    for (const headers of forms) {
      const r = await h.request("POST", "/webhook/status", { body: `secret=${h.secret}`, headers });
      expect(r.status).toBe(415);
      expect(r.json).toMatchObject({ status: "error", error: "unsupported_media_type", message: expect.stringContaining("application/json") });
    }
  });

  it("accepts an empty body with the header secret, and application/*+json", async () => {
    expect((await h.request("POST", "/webhook/status", { headers: { "x-webhook-secret": h.secret } })).status).toBe(200);
    expect((await h.request("POST", "/webhook/status", { body: "", headers: json({ "x-webhook-secret": h.secret }) })).status).toBe(200);
    const vendor = await h.request("POST", "/webhook/status", { body: JSON.stringify({ secret: h.secret }), headers: { "content-type": "application/vnd.api+json" } });
    expect(vendor.status).toBe(200);
  });

  it("logs the header-authenticated body errors as auth ok", async () => {
    await h.request("POST", "/webhook/status", { body: "{", headers: json({ "x-webhook-secret": h.secret }) });
    const last = (await h.accessLines()).at(-1);
    expect(last).toMatchObject({ path: "/webhook/status", status: 400, auth: "ok" });
  });
});
