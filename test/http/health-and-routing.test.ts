import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startHarness, type Harness } from "./http-harness.js";

describe("GET /health and routing", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("answers /health without a secret, uptime from the injected clock", async () => {
    const first = await h.request("GET", "/health");
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ status: "ok", version: "1.2.3", uptime: 0 });
    h.clock.advance(3_600_500);
    expect((await h.request("GET", "/health")).json).toEqual({ status: "ok", version: "1.2.3", uptime: 3600 });
    expect(first.headers.get("x-powered-by")).toBeNull();
  });

  it("answers an unknown route with 404 JSON", async () => {
    const r = await h.request("GET", "/nope?secret=abc");
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: "error", error: "not_found" });
    const w = await h.post("/webhook/frobnicate");
    expect(w.status).toBe(404);
    expect(w.json.message).toContain("POST /webhook/status");
  });

  it("answers a wrong method on a known route with 405 JSON and Allow", async () => {
    const g = await h.request("GET", "/webhook/status");
    expect(g.status).toBe(405);
    expect(g.headers.get("allow")).toBe("POST");
    expect(g.json).toMatchObject({ status: "error", error: "method_not_allowed" });
    const p = await h.request("POST", "/health");
    expect(p.status).toBe(405);
    expect(p.headers.get("allow")).toBe("GET, HEAD");
  });

  it("writes one access log line per request, without the query string", async () => {
    const lines = await h.accessLines();
    const health = lines.find((l) => l.path === "/health");
    expect(health).toMatchObject({ ip: expect.stringContaining("127.0.0.1"), method: "GET", status: 200, auth: "none" });
    expect(typeof health?.ms).toBe("number");
    expect(typeof health?.time).toBe("string");
    expect(lines.find((l) => l.path === "/nope")).toMatchObject({ status: 404 });
    expect(JSON.stringify(lines)).not.toContain("secret=abc");
  });
});

describe("mount: extra routes before the JSON parser", () => {
  it("reaches a mounted route with its raw body, outside the webhook secret", async () => {
    const h = await startHarness({
      app: {
        mount: (app) =>
          app.post("/telegram/webhook", (req, res) => {
            let raw = "";
            req.setEncoding("utf8");
            req.on("data", (c: string) => (raw += c));
            req.on("end", () => void res.json({ raw }));
          }),
      },
    });
    try {
      const r = await h.request("POST", "/telegram/webhook", { body: '{"update_id": 1}', headers: { "content-type": "application/json" } });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ raw: '{"update_id": 1}' });
    } finally {
      await h.close();
    }
  });
});
