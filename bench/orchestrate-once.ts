/**
 * One orchestrated session in this process: `count` tasks in auto mode with the real ClaudeRunner,
 * the real durable state file and a file logger, against the fake claude. Used by the benchmarks;
 * run alone it prints {ms, maxRssMb} so a parent can measure peak memory of a fresh process.
 * Usage: node bin/run-ts.js bench/orchestrate-once.ts <count> [scenario]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../src/config/config.js";
import { loadConfig } from "../src/config/load-config.js";
import { openApp } from "../src/app/open-app.js";
import type { TaskDefinition } from "../src/core/task.js";

export const FAKE_CLAUDE = fileURLToPath(new URL("../test/fixtures/fake-claude.mjs", import.meta.url));

export function benchTasks(count: number): TaskDefinition[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    title: `Bench task ${i + 1}`,
    type: "backend",
    priority: null,
    requires_approval: false,
    description: `Benchmark task ${i + 1}`,
    acceptance_criteria: ["it ran"],
    instruction: `Do benchmark step ${i + 1}.`,
    context_files: [],
    deliverables: [],
    verify: [],
    line: i + 1,
  }));
}

/** Runs `count` tasks to completion; returns the elapsed wall time in ms. */
export async function orchestrate(count: number, env: NodeJS.ProcessEnv): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orch-bench-"));
  try {
    const base = await loadConfig({ configPath: null, cwd: dir, env: { CLAUDE_CLI_PATH: FAKE_CLAUDE } });
    const config: Config = { ...base, orchestrator: { ...base.orchestrator, approval_mode: "auto", checkpoint_after: [] } };
    const app = await openApp(config, { env, console: null });
    const started = performance.now();
    await app.orchestrator.dispatch({ type: "start", task_file: path.join(dir, "bench.md"), tasks: benchTasks(count), session_id: "bench" });
    await app.orchestrator.waitFor((s) => s.status !== "running");
    const ms = performance.now() - started;
    const status = app.orchestrator.state.status;
    await app.close();
    if (status !== "completed") throw new Error(`bench session ended ${status}: ${app.orchestrator.state.tasks.find((t) => t.error)?.error}`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1);
  const scenario = process.argv[3] ?? "success";
  const ms = await orchestrate(count, { ...process.env, FAKE_CLAUDE_SCENARIO: scenario });
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}
