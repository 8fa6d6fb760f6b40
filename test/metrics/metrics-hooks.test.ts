/**
 * The counters fed from outside the transitions: the n8n notifier's failed and rejected tries
 * (a real notifier posting to a real HTTP server on 127.0.0.1 that answers 503, then 400), the
 * Telegram link's failed API calls, and usage-limit stops counted from the transitions.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { setTimeout as sleep } from "node:timers/promises";
import { systemClock } from "../../src/core/clock.js";
import { OrchestratorMetrics } from "../../src/metrics/orchestrator-metrics.js";
import { watchTransitions } from "../../src/metrics/watch-transitions.js";
import { TelegramLink } from "../../src/telegram/telegram-link.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { collectingLogger, fastNotifier, openOrchestrator, removeTempDirs, startCommand, until } from "../notify/notify-harness.js";
import { parseMetrics, sample } from "./parse-metrics.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTempDirs);

const read = async (metrics: OrchestratorMetrics) => parseMetrics(await metrics.render());

describe("the metrics hooks", () => {
  it("counts n8n's failed tries (503, retried) and rejected ones (400, dropped); the outbox gauge follows the state", async () => {
    const catcher = await HttpCatcher.start(503);
    const { logger } = collectingLogger();
    const orchestrator = await openOrchestrator({ logger });
    const metrics = new OrchestratorMetrics({ state: () => orchestrator.state, processMetrics: false });
    const notifier = fastNotifier({ url: `${catcher.url}/hook`, orchestrator, logger, retries: 1, retryPauseMs: 5000, onDeliveryFailure: (kind) => metrics.notifyFailed(kind) });
    cleanups.push(() => catcher.close(), () => orchestrator.shutdown(), () => notifier.stop());
    notifier.start();
    await orchestrator.dispatch(startCommand(1));
    await until(orchestrator, (s) => s.status === "completed");
    await catcher.waitForCount(2); // the first try and its one retry, both 503
    // The catcher counts a request when it arrives; the notifier hears the 503 a moment later.
    const failed = async () => sample(await read(metrics), "orchestrator_notify_delivery_failures_total", { kind: "failed" });
    for (let i = 0; i < 100 && (await failed()) < 2; i++) await sleep(10);
    expect(await failed()).toBe(2);
    let m = await read(metrics);
    expect(sample(m, "orchestrator_notify_outbox_depth")).toBe(orchestrator.state.outbox.length);
    expect(orchestrator.state.outbox.length).toBeGreaterThan(0);

    await notifier.stop();
    catcher.setMode(400);
    notifier.start();
    await until(orchestrator, (s) => s.outbox.length === 0);
    await notifier.idle();
    m = await read(metrics);
    expect(sample(m, "orchestrator_notify_delivery_failures_total", { kind: "rejected" })).toBe(catcher.requests.filter((r) => r.answer === 400).length);
    expect(sample(m, "orchestrator_notify_delivery_failures_total", { kind: "rejected" })).toBeGreaterThan(0);
    expect(sample(m, "orchestrator_notify_outbox_depth")).toBe(0);
  });

  it("counts failed Telegram API calls by method and reason, not the ones we aborted", async () => {
    const { logger } = collectingLogger();
    const metrics = new OrchestratorMetrics({ state: () => ({ outbox: [] }) as never, processMetrics: false });
    const link = new TelegramLink(logger, systemClock, (method, reason) => metrics.telegramApiError(method, reason));
    const refused = async () => ({ ok: false as const, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 1 } });
    const offline = async (): Promise<never> => {
      throw new Error("fetch failed");
    };
    await link.observe(refused as never, "sendMessage", {} as never);
    await link.observe(refused as never, "sendMessage", {} as never);
    await expect(link.observe(offline as never, "getUpdates", {} as never)).rejects.toThrow("fetch failed");
    const stopped = new AbortController();
    stopped.abort(new Error("the service is stopping"));
    await expect(link.observe(offline as never, "getUpdates", {} as never, stopped.signal as never)).rejects.toThrow("fetch failed");
    await link.observe((async () => ({ ok: true, result: true })) as never, "sendMessage", {} as never);
    const m = await read(metrics);
    expect(sample(m, "orchestrator_telegram_api_errors_total", { method: "sendMessage", reason: "429" })).toBe(2);
    expect(sample(m, "orchestrator_telegram_api_errors_total", { method: "getUpdates", reason: "network" })).toBe(1);
    expect(m.samples.filter((s) => s.name === "orchestrator_telegram_api_errors_total")).toHaveLength(2);
  });

  it("counts a run stopped by a usage limit", async () => {
    const { logger } = collectingLogger();
    const resetsAt = new Date(systemClock.now().getTime() + 3_600_000).toISOString();
    const orchestrator = await openOrchestrator({
      logger,
      scripts: [{ outcome: { ok: false, kind: "usage_limit", reason: "usage limit", limit: { type: "five_hour", resets_at: resetsAt, message: "You've hit your 5-hour limit" }, cost_usd: 0.02 } }],
    });
    const metrics = new OrchestratorMetrics({ state: () => orchestrator.state, processMetrics: false });
    const unwatch = watchTransitions(metrics, orchestrator, systemClock);
    cleanups.push(async () => unwatch(), () => orchestrator.shutdown());
    await orchestrator.dispatch(startCommand(1));
    await until(orchestrator, (s) => s.status === "waiting_limit");
    const m = await read(metrics);
    expect(sample(m, "orchestrator_usage_limit_waits_total")).toBe(1);
    expect(sample(m, "orchestrator_usage_limit_wait_seconds_total")).toBe(0);
    expect(sample(m, "orchestrator_cost_usd_total", { source: "task" })).toBeCloseTo(0.02, 9);
    expect(sample(m, "orchestrator_tasks_finished_total", { status: "failed" })).toBe(0);
  });
});
