/**
 * A real Orchestrator (in-memory state, a ScriptedRunner) and Control over a temp folder, with an
 * EventHistory attached that writes into `logsDir` (or the `dir` given), and a LogHealth the
 * orchestrator watches, as openApp wires them. The clock is local 2026-12-01 09:30.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import { EventHistory, type EventHistoryOptions } from "../../src/history/event-history.js";
import type { HistoryEntry } from "../../src/history/history-entry.js";
import { historyFile } from "../../src/history/history-files.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { LogHealth } from "../../src/logging/log-health.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";

export function taskFileText(count: number): string {
  return Array.from({ length: count }, (_, i) => `## Task ${i + 1}: Task number ${i + 1}\n**Type:** backend\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\nSECRET-INSTRUCTION-${i + 1}\n`).join("\n---\n\n");
}

export interface HistoryHarnessOptions {
  scripts?: Script[];
  history?: Partial<EventHistoryOptions>;
  /** Control gets the history (flush before search); default true. */
  controlFlushes?: boolean;
}

export async function startHistoryHarness(opts: HistoryHarnessOptions = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-history-"));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  await mkdir(tasksDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  const clock = new ManualClock(new Date(2026, 11, 1, 9, 30, 0));
  const today = localDate(clock.now());
  await writeFile(path.join(tasksDir, `${today}-tasks.md`), taskFileText(3));
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = logsDir;
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const logHealth = new LogHealth();
  const runner = new ScriptedRunner(...(opts.scripts ?? []));
  const orchestrator = await Orchestrator.open({ store: new MemoryStateStore(), runner, clock, policy: config.orchestrator, logger, logsDir, bootId: "boot-1", killOrphan: async () => {}, logHealth });
  const history = new EventHistory({ dir: logsDir, clock, health: logHealth, logger, ...opts.history });
  history.attach(orchestrator);
  const control = new Control({ orchestrator, config, clock, history: opts.controlFlushes === false ? null : history });

  /** The lines of today's file (after writing what is queued). */
  async function lines(file = historyFile(opts.history?.dir ?? logsDir, today)): Promise<HistoryEntry[]> {
    await history.flush().catch(() => {});
    const text = await readFile(file, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as HistoryEntry);
  }

  async function close(): Promise<void> {
    runner.release();
    await orchestrator.shutdown();
    await history.close();
    await rm(dir, { recursive: true, force: true });
  }

  return { dir, tasksDir, logsDir, today, clock, config, logger, logLines, logHealth, runner, orchestrator, history, control, lines, close };
}

export type HistoryHarness = Awaited<ReturnType<typeof startHistoryHarness>>;
