/**
 * Telegram faults, against the real `orchestrator serve` process with a bot token set and
 * TELEGRAM_API_ROOT pointing at:
 * - a closed port (no network, a wrong root),
 * - a socket that accepts and never answers (a black-holing proxy),
 * - the fake Bot API answering 429 + retry_after, or 500, to everything,
 * and the fake Bot API turning to 429 / 500 after the bot is up, with notices queued.
 * Each time: the HTTP API answers meanwhile, the log names the reason (start-up retried with a
 * growing pause), SIGTERM ends the process with exit 0 well within the stop deadline
 * (claude.kill_grace + 10 s = 15 s; exit 0 means the stop finished by itself, the deadline exits
 * 1), and a notice that cannot be delivered is given up by name in the log, never silently.
 * Also SIGTERM while a task runs with Telegram unreachable: the task is interrupted in the saved
 * state and nothing the run started is left (/proc scan for the run marker).
 * FAULT_FIGURES=1 prints the measured figures (time to exit, the pause between start-up tries)
 * for RELIABILITY.md.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { FakeBotApi, FAKE_TOKEN } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

const SECRET = "telegram-faults-secret-0123456789";
/** The stop deadline with the default claude.kill_grace (5 s): src/cli/stop-deadline.ts. */
const STOP_DEADLINE_MS = 15_000;
const dirs: string[] = [];
const services: RunningService[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) {
    s.process.kill("SIGKILL");
    await s.process.catch(() => undefined);
  }
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A folder to serve from: approval_mode auto, the task file `day.md` with tasks of the given fake-claude scenarios. */
async function workspace(scenarios: string[] = ["success"]): Promise<string> {
  const dir = await tempDir("orch-telegram-faults-");
  dirs.push(dir);
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\n");
  await mkdir(path.join(dir, "orchestrator_tasks"));
  const tasks = scenarios.map((s, i) => `## Task ${i + 1}: Step ${i + 1}\n**Description:** step\n**Claude Instruction:**\nDo it.\nFAKE_CLAUDE: ${s}\n`);
  await writeFile(path.join(dir, "orchestrator_tasks", "day.md"), `# Tasks\n\n${tasks.join("\n---\n\n")}`);
  return dir;
}

async function serveWithBot(dir: string, apiRoot: string): Promise<RunningService> {
  const s = await startService(dir, { TELEGRAM_BOT_TOKEN: FAKE_TOKEN, TELEGRAM_CHAT_ID: "111", TELEGRAM_API_ROOT: apiRoot, WEBHOOK_SECRET: SECRET });
  services.push(s);
  return s;
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function fakeBotApi(): Promise<FakeBotApi> {
  const fake = await FakeBotApi.start();
  closers.push(() => fake.close());
  return fake;
}

interface LogLine {
  time: number;
  level: number;
  msg: string;
  retry_in_s?: number;
}

function logLines(s: RunningService): LogLine[] {
  return s
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);
}

async function logLine(s: RunningService, pattern: RegExp, ms: number, nth = 1): Promise<LogLine> {
  return waitFor(async () => logLines(s).filter((l) => pattern.test(l.msg))[nth - 1], ms, `log line ${pattern} (#${nth}) in:\n${s.output().slice(-2000)}`);
}

const startFailures = (s: RunningService) => logLines(s).filter((l) => l.msg.startsWith("the Telegram bot could not start: "));

async function post(s: RunningService, endpoint: string, body: object = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/webhook/${endpoint}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The rest of the service serves while the bot cannot start: /health and /webhook/status answer at once. */
async function expectServing(s: RunningService): Promise<void> {
  const t0 = performance.now();
  const health = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(3000) });
  expect(health.status).toBe(200);
  const status = await post(s, "status");
  expect(status.status).toBe(200);
  expect(status.json.status).toBeDefined();
  expect(performance.now() - t0).toBeLessThan(1000);
}

function figure(text: string): void {
  if (process.env.FAULT_FIGURES) process.stderr.write(`[figure] ${expect.getState().currentTestName}: ${text}\n`);
}

/** SIGTERM, then the process must be gone by itself (exit 0) well before the stop deadline. */
async function sigtermExit(s: RunningService): Promise<number> {
  // process.kill, not execa's kill(): that one adds a SIGKILL of its own after 5 s.
  process.kill(s.process.pid as number, "SIGTERM");
  const r = await exitWithin(s.process, STOP_DEADLINE_MS + 5000);
  figure(`exit ${r.elapsedMs} ms after SIGTERM`);
  expect({ exitCode: r.exitCode, signal: r.signal }).toEqual({ exitCode: 0, signal: undefined });
  expect(r.elapsedMs).toBeLessThan(STOP_DEADLINE_MS);
  expect(s.output()).not.toMatch(/stop did not finish within/);
  return r.elapsedMs;
}

/** The saved state, read with no service to ask (PORT=1: nothing answers there). */
async function savedState(dir: string): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json"], { cwd: dir, env: { PORT: "1" } });
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  return JSON.parse(r.stdout) as SessionState;
}

describe("Telegram unreachable at start-up", () => {
  it("a closed port: the reason is logged, start-up is retried after 5 s then 10 s, the HTTP API serves, SIGTERM exits at once", async () => {
    const s = await serveWithBot(await workspace(), `http://127.0.0.1:${await freePort()}`);
    const first = await logLine(s, /^the Telegram bot could not start: getMe: connect ECONNREFUSED 127\.0\.0\.1:\d+; trying again in 5 s/, 5000);
    await expectServing(s);
    const second = await logLine(s, /^the Telegram bot could not start: getMe: connect ECONNREFUSED .*; trying again in 10 s/, 8000);
    // The pause between the two tries is the 5 s announced (a little scheduling on top).
    figure(`pause between start-up tries 1 and 2: ${second.time - first.time} ms`);
    expect(second.time - first.time).toBeGreaterThanOrEqual(4900);
    expect(second.time - first.time).toBeLessThan(6500);
    expect(startFailures(s)).toHaveLength(2);
    expect(s.output()).not.toContain(FAKE_TOKEN);
    expect(await sigtermExit(s)).toBeLessThan(5000);
  });

  it("a socket that accepts and never answers: each try ends after 10 s with the reason; SIGTERM mid-try and mid-pause both exit at once", async () => {
    const root = await silentServer();
    // SIGTERM while the first getMe hangs.
    const early = await serveWithBot(await workspace(), root);
    await expectServing(early);
    expect(startFailures(early)).toEqual([]);
    expect(await sigtermExit(early)).toBeLessThan(5000);
    // Wait out the first try, then SIGTERM in the pause before the second.
    const s = await serveWithBot(await workspace(), root);
    const started = Date.now();
    await logLine(s, /^the Telegram bot could not start: getMe: no answer within 10 s; trying again in 5 s/, 14_000);
    figure(`first try ended ${Date.now() - started} ms after the banner`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
    await expectServing(s);
    expect(await sigtermExit(s)).toBeLessThan(5000);
  });

  for (const fault of [
    { name: "429 with retry_after 30 to everything", failure: { errorCode: 429, retryAfter: 30 } as const, reason: /getMe: 429 Too Many Requests: retry after 30; trying again in 30 s/ },
    { name: "500 to everything", failure: { errorCode: 500 } as const, reason: /getMe: 500 Internal Server Error; trying again in 5 s/ },
  ]) {
    it(`the Bot API answering ${fault.name}: the reason is logged, the HTTP API serves, SIGTERM exits at once`, async () => {
      const fake = await fakeBotApi();
      fake.failAll(fault.failure);
      const s = await serveWithBot(await workspace(), fake.apiRoot);
      await logLine(s, fault.reason, 5000);
      await expectServing(s);
      expect(await sigtermExit(s)).toBeLessThan(5000);
      expect(fake.calls().map((c) => c.method)).toEqual(["getMe"]);
    });
  }
});

describe("Telegram failing after the bot is up", () => {
  for (const fault of [
    { name: "a 429 flood (retry_after 30)", failure: { errorCode: 429, retryAfter: 30 } as const, reason: "429 Too Many Requests: retry after 30" },
    { name: "500 to everything", failure: { errorCode: 500 } as const, reason: "500 Internal Server Error" },
  ]) {
    it(`${fault.name}: SIGTERM exits within the flush time, and each notice not delivered is logged as given up`, async () => {
      const fake = await fakeBotApi();
      const dir = await workspace(["success"]);
      const s = await serveWithBot(dir, fake.apiRoot);
      await logLine(s, /^Telegram bot polling$/, 5000);
      fake.failAll(fault.failure);
      expect((await post(s, "start", { task_file: "day.md" })).status).toBe(200);
      await waitFor(async () => ((await post(s, "status")).json.status === "completed" ? true : undefined), 10_000, "the session to complete");
      await logLine(s, new RegExp(`^Telegram calls are failing: ${fault.reason}`), 5000);
      const elapsed = await sigtermExit(s);
      // 5 s for the queued notices to go out, then every request still waiting is cancelled.
      expect(elapsed).toBeLessThan(9000);
      expect(fake.sent).toEqual([]);
      const givenUp = logLines(s).filter((l) => /^Telegram sendMessage given up/.test(l.msg));
      // The completion notice is among them, by name, with the last error.
      expect(givenUp.map((l) => l.msg)).toContainEqual(`Telegram sendMessage given up (the service is stopping; last error: ${fault.reason}): "✅ Task 1/1 Complete!" is lost`);
      expect(givenUp.every((l) => l.level === 50)).toBe(true);
      // The failures are one warning, not a line per retry.
      expect(logLines(s).filter((l) => l.msg.startsWith("Telegram calls are failing"))).toHaveLength(1);
    });
  }
});

describe("SIGTERM while a task runs, Telegram unreachable", () => {
  it("the task is interrupted in the saved state, the process exits at once and nothing it started is left", async () => {
    const dir = await workspace(["hang"]);
    const s = await serveWithBot(dir, `http://127.0.0.1:${await freePort()}`);
    await logLine(s, /^the Telegram bot could not start: getMe: connect ECONNREFUSED/, 5000);
    expect((await post(s, "start", { task_file: "day.md" })).status).toBe(200);
    const pid = s.process.pid as number;
    await waitFor(async () => ((await processesWithMarker(`${pid}-`)).length > 0 ? true : undefined), 10_000, "the fake claude to run");
    expect((await post(s, "status")).json.status).toBe("running");
    expect(await sigtermExit(s)).toBeLessThan(STOP_DEADLINE_MS);
    expect(await processesWithMarker(`${pid}-`)).toEqual([]);
    const state = await savedState(dir);
    expect(state.tasks[0]?.status).toBe("interrupted");
  });
});
