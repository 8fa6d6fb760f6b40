import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { N8nNotifierOptions } from "../../src/notify/n8n-notifier.js";
import { collectingLogger, fastNotifier, openOrchestrator, removeTempDirs, startCommand } from "./notify-harness.js";

// The retry schedule p-retry runs for us: doubling steps with full jitter, a Retry-After honoured
// up to the long pause, and stop() cutting a wait short. Each try is timed at a real server.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTempDirs);

/** A stand-in n8n answering the queued statuses (then 200), optionally with a Retry-After; records when each try came. */
async function n8n(answers: number[], retryAfter?: string): Promise<{ url: string; tries: { at: number; id: string }[] }> {
  const tries: { at: number; id: string }[] = [];
  const server: Server = createServer((req, res) => {
    tries.push({ at: performance.now(), id: String(req.headers["idempotency-key"]) });
    req.resume();
    req.on("end", () => {
      const status = answers.shift() ?? 200;
      res.writeHead(status, status === 429 && retryAfter ? { "Retry-After": retryAfter } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, tries };
}

async function started(url: string, over: Partial<N8nNotifierOptions>) {
  const { logger, logs } = collectingLogger();
  const orchestrator = await openOrchestrator({ logger });
  const notifier = fastNotifier({ url, orchestrator, logger, ...over });
  cleanups.push(() => orchestrator.shutdown(), () => notifier.stop());
  notifier.start();
  await orchestrator.dispatch(startCommand(1));
  return { orchestrator, notifier, logs };
}

/** Resolves once check() holds (polled every 10 ms); rejects after ms. */
async function poll(check: () => boolean, ms = 5000): Promise<void> {
  for (const end = performance.now() + ms; !check(); await new Promise((r) => setTimeout(r, 10))) {
    if (performance.now() > end) throw new Error(`not true within ${ms} ms`);
  }
}

/** The retry waits the notifier announced (debug lines), in order. */
const waits = (logs: { lines: Record<string, unknown>[] }) => logs.lines.filter((l) => l.retry_in_ms !== undefined && l.attempt !== undefined).map((l) => l.retry_in_ms);

describe("N8nNotifier retries", () => {
  it("waits random x base x 2^(try-1) between tries, same id on each, then delivers", async () => {
    const server = await n8n([500, 500, 500]);
    const { notifier, logs } = await started(server.url, { baseDelayMs: 100, random: () => 0.99, retries: 3 });
    await notifier.idle();
    expect(waits(logs)).toEqual([99, 198, 396]);
    const first = server.tries.filter((t) => t.id === "S1-1");
    expect(first).toHaveLength(4);
    const gaps = first.slice(1).map((t, i) => t.at - first[i]!.at);
    [99, 198, 396].forEach((w, i) => expect(gaps[i]).toBeGreaterThanOrEqual(w - 5));
  });

  it("honours a 429's Retry-After, but never waits past the long pause", async () => {
    const honoured = await n8n([429], "1");
    const a = await started(honoured.url, { retryPauseMs: 60_000 });
    await a.notifier.idle();
    expect(waits(a.logs)).toEqual([1000]);
    expect(honoured.tries[1]!.at - honoured.tries[0]!.at).toBeGreaterThanOrEqual(995);

    const capped = await n8n([429], "3600");
    const b = await started(capped.url, { retryPauseMs: 100 });
    await b.notifier.idle();
    expect(waits(b.logs)).toEqual([100]);
  });

  it("stop() ends a retry wait at once: no further try, the entry stays in the outbox", async () => {
    const server = await n8n([500]);
    // random 0.5 x 60 s, capped at 30 s: a 15 s wait after the first try.
    const { orchestrator, notifier, logs } = await started(server.url, { baseDelayMs: 60_000 });
    await poll(() => waits(logs).length === 1);
    expect(waits(logs)).toEqual([15_000]);
    const began = performance.now();
    await notifier.stop();
    expect(performance.now() - began).toBeLessThan(200);
    expect(server.tries).toHaveLength(1);
    expect(orchestrator.state.outbox[0]?.id).toBe("S1-1");
  });
});
