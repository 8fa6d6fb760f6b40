import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import type { NotificationPayload } from "../../src/core/state.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import type { N8nNotifier } from "../../src/notify/n8n-notifier.js";
import type { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { accepted, collectingLogger, fastNotifier, openOrchestrator, removeTempDirs, sessionEvents, startCommand, until } from "./notify-harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTempDirs);

/** A catcher, an orchestrator with an outbox and a started notifier, all closed after the test. */
async function setup(over: { url?: (base: string) => string; secret?: string | null } = {}) {
  const catcher = await HttpCatcher.start();
  const { logger, logs } = collectingLogger();
  const orchestrator = await openOrchestrator({ logger });
  const url = over.url ? over.url(catcher.url) : `${catcher.url}/webhook/orchestrator`;
  const notifier = fastNotifier({ url, orchestrator, logger, ...(over.secret !== undefined ? { secret: over.secret } : {}) });
  cleanups.push(() => catcher.close(), () => orchestrator.shutdown(), () => notifier.stop());
  notifier.start();
  return { catcher, orchestrator, notifier, logs };
}

async function runSession(orchestrator: Orchestrator, notifier: N8nNotifier, tasks = 3): Promise<void> {
  expect((await orchestrator.dispatch(startCommand(tasks))).ok).toBe(true);
  await until(orchestrator, (s) => s.status === "completed");
  await notifier.idle();
}

describe("N8nNotifier", () => {
  it("delivers every event of a session exactly once, in order, with the secret, id headers and payload shape", async () => {
    const { catcher, orchestrator, notifier } = await setup();
    await runSession(orchestrator, notifier);
    const events = sessionEvents(3);
    expect(catcher.requests.map((r) => (r.body as NotificationPayload).event)).toEqual(events);
    expect(catcher.requests.map((r) => (r.body as NotificationPayload).id)).toEqual(events.map((_, i) => `S1-${i + 1}`));
    for (const r of catcher.requests) {
      const body = r.body as NotificationPayload;
      expect(r.method).toBe("POST");
      expect(r.path).toBe("/webhook/orchestrator");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-webhook-secret"]).toBe("s3cret-webhook-value");
      expect(r.headers["idempotency-key"]).toBe(body.id);
      expect(r.headers["x-notification-id"]).toBe(body.id);
      expect(Object.keys(body).sort()).toEqual(["event", "id", "message", "progress", "session_id", "task", "timestamp", "type"]);
      expect(body.session_id).toBe("S1");
    }
    const completed = catcher.requests[2]?.body as NotificationPayload;
    expect(completed).toMatchObject({
      event: "task_completed",
      type: "success",
      task: { number: 1, total: 3, id: 1, title: "Task title 1", type: "backend", status: "completed", error: null },
      progress: { done: 1, total: 3, percent: 33 },
    });
    expect(completed.message).toMatch(/Task 1\/3: Task title 1 complete/);
    expect(catcher.requests[0]?.body).toMatchObject({ event: "session_started", type: "info", task: null });
    // Every delivery was acknowledged: nothing is left to send.
    expect(orchestrator.state.outbox).toEqual([]);
  });

  it("sends no secret header when none is configured", async () => {
    const { catcher, orchestrator, notifier } = await setup({ secret: null });
    await runSession(orchestrator, notifier, 1);
    expect(catcher.requests).toHaveLength(4);
    expect(catcher.requests.every((r) => r.headers["x-webhook-secret"] === undefined)).toBe(true);
  });

  it("retries a 500 with the same id and delivers it once", async () => {
    const { catcher, orchestrator, notifier, logs } = await setup();
    catcher.answerNext(500);
    await runSession(orchestrator, notifier, 1);
    const ids = catcher.requests.map((r) => r.headers["idempotency-key"]);
    expect(ids).toEqual(["S1-1", "S1-1", "S1-2", "S1-3", "S1-4"]);
    expect(catcher.requests.map((r) => r.answer)).toEqual([500, 200, 200, 200, 200]);
    expect(catcher.requests[0]?.body).toEqual(catcher.requests[1]?.body);
    expect(accepted(catcher.requests).map((p) => p.id)).toEqual(["S1-1", "S1-2", "S1-3", "S1-4"]);
    expect(orchestrator.state.outbox).toEqual([]);
    expect(logs.lines.some((l) => l.id === "S1-1" && l.status === 500)).toBe(true);
  });

  it("drops a notification n8n rejects with a 400, without retrying it, and goes on with the next", async () => {
    const { catcher, orchestrator, notifier, logs } = await setup();
    catcher.answerNext(400);
    await runSession(orchestrator, notifier, 1);
    expect(catcher.requests.map((r) => r.headers["idempotency-key"])).toEqual(["S1-1", "S1-2", "S1-3", "S1-4"]);
    expect(catcher.requests[0]?.answer).toBe(400);
    expect(orchestrator.state.outbox).toEqual([]);
    const warning = logs.lines.find((l) => l.id === "S1-1" && l.status === 400);
    expect(warning).toMatchObject({ module: "notify", level: 40 });
    expect(String(warning?.msg)).toMatch(/rejected.*dropped, not retried/);
  });

  it("retries 429 and 408 (they are not rejections)", async () => {
    const { catcher, orchestrator, notifier } = await setup();
    catcher.answerNext(429, 408);
    await runSession(orchestrator, notifier, 1);
    expect(catcher.requests.map((r) => r.headers["idempotency-key"])).toEqual(["S1-1", "S1-1", "S1-1", "S1-2", "S1-3", "S1-4"]);
    expect(orchestrator.state.outbox).toEqual([]);
  });

  it("keeps an entry that used up its retries and sends it after the pause, still first", async () => {
    const { catcher, orchestrator, notifier, logs } = await setup();
    catcher.answerNext(500, 500, 500, 500, 500);
    await runSession(orchestrator, notifier, 1);
    const ids = catcher.requests.map((r) => r.headers["idempotency-key"]);
    expect(ids).toEqual(["S1-1", "S1-1", "S1-1", "S1-1", "S1-1", "S1-1", "S1-2", "S1-3", "S1-4"]);
    expect(logs.lines.some((l) => l.id === "S1-1" && String(l.msg).includes("stays in the outbox"))).toBe(true);
    expect(logs.lines.some((l) => String(l.msg).includes("n8n takes notifications again"))).toBe(true);
  });

  it("never logs the secret or the URL's path and query, even when deliveries fail", async () => {
    const { catcher, orchestrator, notifier, logs } = await setup({ url: (base) => `${base}/webhook/hidden-path-7f3a?token=query-token-9b1c` });
    catcher.answerNext(500, "hang", 400);
    await runSession(orchestrator, notifier, 2);
    // They were used: the catcher saw both.
    expect(catcher.requests[0]?.headers["x-webhook-secret"]).toBe("s3cret-webhook-value");
    expect(catcher.requests[0]?.path).toBe("/webhook/hidden-path-7f3a?token=query-token-9b1c");
    // The log speaks of ids and status codes only.
    expect(logs.text).toContain("S1-1");
    expect(logs.lines.some((l) => l.status === 500)).toBe(true);
    expect(logs.lines.some((l) => String(l.msg).includes("timeout after 500 ms"))).toBe(true);
    for (const leak of ["s3cret-webhook-value", "query-token-9b1c", "hidden-path-7f3a"]) expect(logs.text).not.toContain(leak);
  });

  it("rejects a URL with credentials without quoting it", async () => {
    const orchestrator = await openOrchestrator({ logger: createSilentLogger() });
    cleanups.push(() => orchestrator.shutdown());
    const make = (url: string) => fastNotifier({ url, orchestrator, logger: createSilentLogger() });
    expect(() => make("https://user:pw-123@n8n.example/webhook")).toThrow(/must not hold credentials/);
    expect(() => make("not a url ?token=abc123")).toThrow(/^the n8n notify URL is not a valid URL$/);
  });
});
