/**
 * Per-task orchestration overhead, and whether it grows with the size of the task file.
 *
 * A session of `count` tasks runs to completion through the real app wiring (openApp: lock, the
 * durable FileStateStore in a temp folder, the file logger) with an instant in-process runner
 * (ScriptedRunner: no process, the run "succeeds" at once). So all the time measured is
 * orchestration: transitions, state saves (temp file + fsync + rename + fsync of the folder),
 * log lines. Per-task overhead = wall time from the start command until the session is
 * completed, divided by the number of tasks. Small files run as several sessions back to back
 * so both sizes measure about the same number of tasks.
 *
 * Alone: `node bin/run-ts.js bench/orchestration-overhead.ts [tasks...]` prints JSON.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../src/config/config.js";
import { loadConfig } from "../src/config/load-config.js";
import { openApp } from "../src/app/open-app.js";
import { ScriptedRunner } from "../src/runner/scripted-runner.js";
import { benchTasks } from "./orchestrate-once.js";

/** A bound on one session, so a stuck orchestrator fails the bench instead of hanging it (ms). */
const SESSION_TIMEOUT_MS = 120_000;

export interface OverheadFigure {
  /** Tasks in the task file. */
  tasks: number;
  /** Sessions of that file run back to back. */
  sessions: number;
  /** Mean orchestration time per task, ms. */
  perTaskMs: number;
  /** Bytes of state.json at the end of the last session. */
  stateBytes: number;
}

/** Runs `sessions` sessions of a `count`-task file in one app; per-task time over all of them. */
export async function measureOverhead(count: number, sessions = 1): Promise<OverheadFigure> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orch-bench-overhead-"));
  try {
    const base = await loadConfig({ configPath: null, cwd: dir, env: {} });
    const config: Config = { ...base, orchestrator: { ...base.orchestrator, approval_mode: "auto", checkpoint_after: [] } };
    const app = await openApp(config, { env: {}, console: null, runner: new ScriptedRunner() });
    let total = 0;
    try {
      const tasks = benchTasks(count);
      for (let n = 0; n < sessions; n++) {
        const started = performance.now();
        const reply = await app.orchestrator.dispatch({ type: "start", task_file: path.join(dir, "bench.md"), tasks, session_id: `bench-${count}-${n}` });
        if (!reply.ok) throw new Error(`bench session did not start: ${reply.message}`);
        await app.orchestrator.waitFor((s) => s.status !== "running", SESSION_TIMEOUT_MS);
        total += performance.now() - started;
        const status = app.orchestrator.state.status;
        if (status !== "completed") throw new Error(`bench session ended ${status}: ${app.orchestrator.state.tasks.find((t) => t.error)?.error}`);
      }
    } finally {
      await app.close();
    }
    const { size } = await stat(config.paths.state_file);
    return { tasks: count, sessions, perTaskMs: total / (count * sessions), stateBytes: size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const counts = process.argv.slice(2).map(Number);
  for (const count of counts.length ? counts : [10, 1000]) {
    console.log(JSON.stringify(await measureOverhead(count, Math.max(1, Math.round(1000 / count)))));
  }
}
