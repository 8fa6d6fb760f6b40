import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { OUTBOX_LIMIT } from "../../src/core/machine.js";
import type { SessionState } from "../../src/core/state.js";
import { FileStateStore } from "../../src/store/state-store.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { accepted, collectingLogger, fastNotifier, openOrchestrator, removeTempDirs, sessionEvents, startCommand, tempDir, until } from "./notify-harness.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTempDirs);

describe("N8nNotifier when n8n misbehaves", () => {
  it("does not slow the task loop while n8n hangs, and delivers everything once it recovers", async () => {
    const catcher = await HttpCatcher.start("hang");
    const { logger } = collectingLogger();
    const orchestrator = await openOrchestrator({ logger });
    const notifier = fastNotifier({ url: `${catcher.url}/hook`, orchestrator, logger, timeoutMs: 1000, retries: 1, retryPauseMs: 50 });
    cleanups.push(() => catcher.close(), () => orchestrator.shutdown(), () => notifier.stop());
    notifier.start();

    const began = Date.now();
    expect((await orchestrator.dispatch(startCommand(3))).ok).toBe(true);
    await until(orchestrator, (s) => s.status === "completed");
    // One hung request costs 1000 ms; the whole session must not wait for even one.
    expect(Date.now() - began).toBeLessThan(750);
    await catcher.waitForCount(1);
    expect(catcher.requests.every((r) => r.answer === "hang")).toBe(true);
    expect(orchestrator.state.outbox).toHaveLength(8);

    catcher.setMode(200);
    await until(orchestrator, (s) => s.outbox.length === 0, 5000);
    await notifier.idle();
    const delivered = accepted(catcher.requests);
    expect(delivered.map((p) => p.event)).toEqual(sessionEvents(3));
    expect(delivered.map((p) => p.id)).toEqual(sessionEvents(3).map((_, i) => `S1-${i + 1}`));
  });

  it("stop() ends a hanging request at once and leaves its entry in the outbox", async () => {
    const catcher = await HttpCatcher.start("hang");
    const { logger } = collectingLogger();
    const orchestrator = await openOrchestrator({ logger });
    const notifier = fastNotifier({ url: `${catcher.url}/hook`, orchestrator, logger, timeoutMs: 10_000 });
    cleanups.push(() => catcher.close(), () => orchestrator.shutdown());
    notifier.start();
    await orchestrator.dispatch(startCommand(1));
    await catcher.waitForCount(1);
    const began = Date.now();
    await notifier.stop();
    expect(Date.now() - began).toBeLessThan(500);
    await until(orchestrator, (s) => s.status === "completed");
    expect(orchestrator.state.outbox.map((e) => e.id)).toEqual(["S1-1", "S1-2", "S1-3", "S1-4"]);
    await notifier.idle();
  });

  it("says loudly, once, when the outbox limit drops notifications n8n never got, and counts them when n8n is back", async () => {
    const catcher = await HttpCatcher.start(500);
    const { logger, logs } = collectingLogger();
    const orchestrator = await openOrchestrator({ logger });
    const notifier = fastNotifier({ url: `${catcher.url}/hook`, orchestrator, logger, retries: 0, retryPauseMs: 60_000 });
    cleanups.push(() => catcher.close(), () => orchestrator.shutdown(), () => notifier.stop());
    notifier.start();
    // 251 tasks: 504 notifications for a limit of 500, so the 4 oldest go.
    expect((await orchestrator.dispatch(startCommand(251))).ok).toBe(true);
    await until(orchestrator, (s) => s.status === "completed", 20_000);
    expect(orchestrator.state.outbox).toHaveLength(OUTBOX_LIMIT);
    expect(orchestrator.state.outbox[0]?.id).toBe("S1-5");
    const told = logs.lines.filter((l) => /outbox is full/.test(String(l.msg)));
    // Before: nothing at all was logged.
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ level: 50, module: "notify", first_id: "S1-1", first_event: "session_started" });
    expect(String(told[0]?.msg)).toMatch(/n8n will never get them/);

    await notifier.stop();
    catcher.setMode(200);
    notifier.start();
    await until(orchestrator, (s) => s.outbox.length === 0, 10_000);
    await notifier.idle();
    expect(accepted(catcher.requests)).toHaveLength(OUTBOX_LIMIT);
    expect(logs.lines.find((l) => String(l.msg).startsWith("n8n takes notifications again"))).toMatchObject({ level: 40, dropped: 4 });
  });

  it("keeps undelivered notifications across a restart and delivers them with their original ids", async () => {
    const dir = tempDir();
    const stateFile = path.join(dir, "state.json");
    const readSaved = () => JSON.parse(readFileSync(stateFile, "utf8")) as SessionState;

    // First process: n8n answers 500 to everything.
    const failing = await HttpCatcher.start(500);
    cleanups.push(() => failing.close());
    const first = collectingLogger();
    const orchestrator1 = await openOrchestrator({ logger: first.logger, store: new FileStateStore(stateFile, { clock: systemClock }) });
    const notifier1 = fastNotifier({ url: `${failing.url}/hook`, orchestrator: orchestrator1, logger: first.logger, retries: 1, retryPauseMs: 10_000 });
    notifier1.start();
    await orchestrator1.dispatch(startCommand(2));
    await until(orchestrator1, (s) => s.status === "completed");
    await failing.waitForCount(2);
    await notifier1.stop();
    await orchestrator1.shutdown();
    const undelivered = readSaved().outbox;
    expect(undelivered.map((e) => e.event)).toEqual(sessionEvents(2));
    expect(failing.requests.every((r) => r.answer === 500 && r.headers["idempotency-key"] === "S1-1")).toBe(true);

    // Second process, same state file: n8n is back.
    const healthy = await HttpCatcher.start(200);
    cleanups.push(() => healthy.close());
    const second = collectingLogger();
    const orchestrator2 = await openOrchestrator({ logger: second.logger, store: new FileStateStore(stateFile, { clock: systemClock }) });
    const notifier2 = fastNotifier({ url: `${healthy.url}/hook`, orchestrator: orchestrator2, logger: second.logger });
    cleanups.push(() => orchestrator2.shutdown(), () => notifier2.stop());
    notifier2.start();
    await until(orchestrator2, (s) => s.outbox.length === 0);
    await notifier2.idle();
    expect(healthy.requests.map((r) => r.body)).toEqual(undelivered);
    expect(healthy.requests.map((r) => r.headers["idempotency-key"])).toEqual(undelivered.map((e) => e.id));
    expect(second.logs.text).toContain(`${undelivered.length} waiting in the outbox`);
    expect(readSaved().outbox).toEqual([]);
  });
});
