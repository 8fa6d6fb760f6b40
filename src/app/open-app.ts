import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";
import { systemClock, type Clock } from "../core/clock.js";
import { createLogger, type Logger } from "../logging/create-logger.js";
import { Orchestrator } from "../orchestrator/orchestrator.js";
import { ClaudeRunner } from "../runner/claude-runner.js";
import type { Runner } from "../runner/runner.js";
import { readBootId } from "../store/boot-id.js";
import { acquireLock } from "../store/lock-file.js";
import { FileStateStore } from "../store/state-store.js";

export interface OpenAppOptions {
  /** The environment the claude child inherits (minus our secrets). */
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Console stream for log lines (default stdout); null for none. */
  console?: NodeJS.WritableStream | null;
  /** Replaces the Claude Code runner (benchmarks, tests of the orchestration alone). */
  runner?: Runner;
  /** Keep undelivered n8n notifications in the state (when a notifier is configured). */
  outbox?: boolean;
}

export interface App {
  config: Config;
  clock: Clock;
  logger: Logger;
  orchestrator: Orchestrator;
  /** Ends a running task (marked interrupted), saves, releases the lock, closes the log. */
  close(): Promise<void>;
}

/**
 * Wires config -> logger -> lock -> state store -> runner -> orchestrator. The lock comes first:
 * a second instance on the same state file stops with AlreadyRunningError before touching anything.
 */
export async function openApp(config: Config, opts: OpenAppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const secretValues = [config.webhooks.secret, config.telegram.bot_token, config.webhooks.n8n_notify_url].filter(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  const { logger, close: closeLog } = createLogger({
    level: config.logging.level,
    logsDir: config.paths.logs_dir,
    clock,
    console: opts.console,
    secrets: secretValues,
  });
  // A state file in a folder that does not exist yet (--state runs/today.json) gets its folder.
  await mkdir(path.dirname(config.paths.state_file), { recursive: true });
  const lock = await acquireLock(config.paths.state_file).catch((error: unknown) => {
    closeLog();
    throw error;
  });
  try {
    const store = new FileStateStore(config.paths.state_file, { clock, onWarning: (msg, ctx) => logger.error(ctx, msg) });
    // Drop our secrets from the child's env by name, and any other variable that carries one of their values.
    const dropEnv = [
      ...config.secret_env_names,
      ...Object.entries(opts.env)
        .filter(([, v]) => v !== undefined && secretValues.includes(v))
        .map(([k]) => k),
    ];
    const runner = opts.runner ?? new ClaudeRunner(config.claude, { env: opts.env, dropEnv });
    const orchestrator = await Orchestrator.open({
      store,
      runner,
      clock,
      policy: config.orchestrator,
      logger,
      logsDir: config.paths.logs_dir,
      bootId: await readBootId(),
      outbox: opts.outbox ?? false,
      maxContinuations: config.claude.max_continuations,
    });
    let closed: Promise<void> | null = null;
    return {
      config,
      clock,
      logger,
      orchestrator,
      close: () =>
        (closed ??= (async () => {
          await orchestrator.shutdown();
          await lock.release();
          closeLog();
        })()),
    };
  } catch (error) {
    await lock.release();
    closeLog();
    throw error;
  }
}
