import { mkdir, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino, type Logger } from "pino";
import type { Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import type { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { Runner } from "../../src/runner/runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";

export interface TestControl {
  dir: string;
  tasksDir: string;
  logsDir: string;
  config: Config;
  logLines: string[];
  logger: Logger;
  orchestrator: Orchestrator;
  control: Control;
}

/**
 * A real Orchestrator (in-memory state, the given runner) and Control over a temp project folder
 * with empty orchestrator_tasks/ and orchestrator_logs/, on built-in defaults. Log lines are kept.
 */
export async function openTestControl(opts: { prefix: string; clock: ManualClock; runner: Runner; initial?: SessionState }): Promise<TestControl> {
  const dir = await mkdtemp(path.join(os.tmpdir(), opts.prefix));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  await mkdir(tasksDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = logsDir;
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const orchestrator = await Orchestrator.open({
    store: new MemoryStateStore(opts.initial),
    runner: opts.runner,
    clock: opts.clock,
    policy: config.orchestrator,
    logger,
    logsDir,
    bootId: "boot-1",
    killOrphan: async () => {},
  });
  const control = new Control({ orchestrator, config, clock: opts.clock });
  return { dir, tasksDir, logsDir, config, logLines, logger, orchestrator, control };
}
