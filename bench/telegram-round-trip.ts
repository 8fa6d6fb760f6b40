/**
 * Telegram command round trip: the real bot (grammY long polling, middleware, conversations
 * storage, Control, rendering) against the fake Bot API on 127.0.0.1. One sample is the time from
 * pushing a `/status` update into the fake to the reply arriving in it; samples run one after
 * another after a short warm-up. Network latency to Telegram is not part of it, by design.
 *
 * Alone: `node bin/run-ts.js bench/telegram-round-trip.ts [samples]` prints the result as JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/load-config.js";
import { Control } from "../src/control/control.js";
import { systemClock } from "../src/core/clock.js";
import { createSilentLogger } from "../src/logging/create-logger.js";
import { localDate } from "../src/logging/daily-file-stream.js";
import { Orchestrator } from "../src/orchestrator/orchestrator.js";
import { ScriptedRunner } from "../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../src/store/state-store.js";
import { createTelegramBot } from "../src/telegram/create-telegram-bot.js";
import { FakeBotApi } from "../test/fixtures/fake-bot-api/fake-bot-api.js";

const CHAT = 4711;
const WARM_UP = 10;

export async function measureTelegramRoundTrip(opts: { samples?: number } = {}): Promise<{ medianMs: number; p99Ms: number; samples: number }> {
  const samples = opts.samples ?? 200;
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-bench-telegram-"));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  await mkdir(tasksDir, { recursive: true });
  const clock = systemClock;
  const tasks = Array.from({ length: 3 }, (_, i) => `## Task ${i + 1}: Bench task ${i + 1}\n**Type:** backend\n**Claude Instruction:**\nDo ${i + 1}\n`).join("\n---\n\n");
  await writeFile(path.join(tasksDir, `${localDate(clock.now())}-tasks.md`), tasks);
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = path.join(dir, "logs");
  const logger = createSilentLogger();
  const orchestrator = await Orchestrator.open({ store: new MemoryStateStore(), runner: new ScriptedRunner(), clock, policy: config.orchestrator, logger, logsDir: config.paths.logs_dir, bootId: null, killOrphan: async () => {} });
  const control = new Control({ orchestrator, config, clock });
  const fake = await FakeBotApi.start();
  const bot = createTelegramBot({ token: fake.token, apiRoot: fake.apiRoot, chatIds: [String(CHAT)], control, orchestrator, tasksDir, conversationFile: path.join(dir, "telegram.json"), logger, clock });
  try {
    await bot.start();
    // A session waiting for approval, so /status renders a full answer.
    await control.execute({ command: "start" });
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + samples; i++) {
      const mark = fake.sent.length;
      const t0 = performance.now();
      fake.pushMessage(CHAT, "/status");
      const reply = await fake.waitFor((e) => e.chat_id === CHAT && e.text.includes("Orchestrator Status"), 10_000, mark);
      if (i >= WARM_UP) times.push(reply.at - t0);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] as number;
    return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), samples };
  } finally {
    await bot.stop();
    await orchestrator.shutdown();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const samples = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await measureTelegramRoundTrip({ samples })));
}
