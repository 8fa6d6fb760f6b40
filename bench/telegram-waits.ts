/**
 * Two waits a person feels on the phone, through the real bot (grammY long polling) and the fake
 * Bot API on 127.0.0.1, with the real app around them: lock, durable FileStateStore, file
 * logger, the real ClaudeRunner starting a real child process (bench/stamping-claude.mjs).
 *
 * - approve -> spawn: from pushing an `/approve` update into the fake to the claude child being
 *   spawned (the runner's onSpawn hook: the child process exists). Covers the long poll handing
 *   the update over, middleware, Control, the transition and its durable save, and the spawn.
 * - result -> message: from the child writing its result line (stamped with CLOCK_MONOTONIC,
 *   shared by every process) to the "Task N Complete!" message reaching the fake Bot API.
 *   Covers the stream parsing, the child's exit, the transition and its save, rendering, sending.
 *
 * Approval mode manual, so each task waits for its own /approve; samples run one after another
 * after a short warm-up. Network latency to Telegram is not part of it, by design.
 *
 * Alone: `node bin/run-ts.js bench/telegram-waits.ts [samples]` prints the result as JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openApp } from "../src/app/open-app.js";
import { loadConfig } from "../src/config/load-config.js";
import { Control } from "../src/control/control.js";
import { systemClock } from "../src/core/clock.js";
import { localDate } from "../src/logging/daily-file-stream.js";
import { ClaudeRunner } from "../src/runner/claude-runner.js";
import type { Runner } from "../src/runner/runner.js";
import { createTelegramBot } from "../src/telegram/create-telegram-bot.js";
import { FakeBotApi } from "../test/fixtures/fake-bot-api/fake-bot-api.js";

const CHAT = 4711;
const WARM_UP = 5;
/** Bound on each wait, so a stuck run fails the bench instead of hanging it (ms). */
const STEP_TIMEOUT_MS = 15_000;
export const STAMPING_CLAUDE = fileURLToPath(new URL("./stamping-claude.mjs", import.meta.url));

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

export interface TelegramWaits {
  approveToSpawn: Percentiles;
  resultToMessage: Percentiles;
  samples: number;
}

export async function measureTelegramWaits(opts: { samples?: number } = {}): Promise<TelegramWaits> {
  const samples = opts.samples ?? 100;
  const count = WARM_UP + samples;
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-bench-waits-"));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  await mkdir(tasksDir, { recursive: true });
  const tasks = Array.from({ length: count }, (_, i) => `## Task ${i + 1}: Bench task ${i + 1}\n**Type:** backend\n**Claude Instruction:**\nDo ${i + 1}\n`).join("\n---\n\n");
  await writeFile(path.join(tasksDir, `${localDate(systemClock.now())}-tasks.md`), tasks);
  const base = await loadConfig({ configPath: null, cwd: dir, env: { CLAUDE_CLI_PATH: STAMPING_CLAUDE } });
  // preapproved: the stamping fake reads its prompt to the end of stdin (the -p mode); the permission
  // channel (claude.permissions: ask, the default) keeps stdin open for answers, and is not what this measures.
  const config = { ...base, claude: { ...base.claude, permissions: "preapproved" as const }, orchestrator: { ...base.orchestrator, approval_mode: "manual" as const }, paths: { ...base.paths, tasks_dir: tasksDir } };

  // The real runner, with the spawn moment noted (performance.now(), this process's monotonic clock).
  const spawned: number[] = [];
  const claude = new ClaudeRunner(config.claude, { env: process.env, dropEnv: config.secret_env_names });
  const runner: Runner = {
    run: (request, hooks = {}) =>
      claude.run(request, {
        ...hooks,
        onSpawn: (info) => {
          spawned.push(performance.now());
          hooks.onSpawn?.(info);
        },
      }),
  };
  const app = await openApp(config, { env: process.env, console: null, runner });
  const { orchestrator } = app;
  const control = new Control({ orchestrator, config, clock: systemClock });
  const fake = await FakeBotApi.start();
  const bot = createTelegramBot({ token: fake.token, apiRoot: fake.apiRoot, chatIds: [String(CHAT)], control, orchestrator, tasksDir, conversationFile: path.join(dir, "telegram.json"), logger: app.logger, clock: systemClock });
  // hrtime (ns, CLOCK_MONOTONIC) of the stamp -> performance.now() of this process.
  const monoOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const approve: number[] = [];
  const result: number[] = [];
  try {
    await bot.start();
    const started = await control.execute({ command: "start" });
    if (!started.ok) throw new Error(`bench session did not start: ${started.message}`);
    for (let i = 0; i < count; i++) {
      await orchestrator.waitFor((s) => s.status === "waiting_approval" && s.current_task_index === i, STEP_TIMEOUT_MS);
      const mark = fake.sent.length;
      const spawnsBefore = spawned.length;
      const t0 = performance.now();
      fake.pushMessage(CHAT, "/approve");
      await orchestrator.waitFor(() => spawned.length > spawnsBefore, STEP_TIMEOUT_MS);
      const message = await fake.waitFor((e) => e.chat_id === CHAT && e.text.includes(`Task ${i + 1}/${count} Complete!`), STEP_TIMEOUT_MS, mark);
      const task = orchestrator.state.tasks[i];
      const stamp = /^done (\d+)$/.exec(task?.summary ?? "")?.[1];
      if (!stamp) throw new Error(`task ${i + 1} did not end with a stamped result: ${task?.status} ${task?.error ?? task?.summary}`);
      if (i < WARM_UP) continue;
      approve.push((spawned[spawnsBefore] as number) - t0);
      result.push(message.at - (Number(BigInt(stamp)) / 1e6 - monoOffsetMs));
    }
    return { approveToSpawn: percentiles(approve), resultToMessage: percentiles(result), samples };
  } finally {
    await bot.stop();
    await app.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function percentiles(xs: number[]): Percentiles {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const samples = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await measureTelegramWaits({ samples })));
}
