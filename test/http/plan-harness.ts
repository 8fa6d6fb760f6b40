/**
 * The HTTP API over a real orchestrator whose planner is a fake (the Planner edge, scripted per
 * run), on 127.0.0.1 (random port): for the plan routes (test/http) and `orchestrator plan`
 * (test/cli). Temp project folder with orchestrator_tasks/, daily_logs/ (today's log written
 * unless told) and orchestrator_logs/; MemoryStateStore, ScriptedRunner, a ManualClock.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { PlanRunResult, PlanTaskSummary } from "../../src/core/plan.js";
import type { SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { Planner, PlanRequest, PlanRunReport } from "../../src/plan/planner.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { taskFileText } from "./http-harness.js";

/** One planning run: what it comes to (given the request), and what it cost. */
export type PlanStep = (request: PlanRequest) => Promise<PlanRunResult> | PlanRunResult;

/**
 * A Planner that plays its steps in order, one per run, and records each request. A run whose
 * signal aborts (discard, shutdown) ends at once as cancelled, like the real one.
 */
export class FakePlanner implements Planner {
  readonly requests: PlanRequest[] = [];
  constructor(readonly steps: PlanStep[] = [], readonly costUsd = 0.25) {}
  async plan(request: PlanRequest): Promise<PlanRunReport> {
    this.requests.push(request);
    const step = this.steps.shift();
    const n = this.requests.length;
    if (!step) return { cost_usd: null, session_id: null, result: { kind: "failed", error: `the fake planner has no step for run ${n}` } };
    const aborted = new Promise<PlanRunResult>((resolve) => {
      if (request.signal.aborted) resolve({ kind: "cancelled" });
      request.signal.addEventListener("abort", () => resolve({ kind: "cancelled" }), { once: true });
    });
    const result = await Promise.race([Promise.resolve(step(request)), aborted]);
    return { cost_usd: this.costUsd, session_id: `plan-sess-${n}`, result };
  }
}

/** A step that waits until `release()` (or the run is aborted). */
export function heldStep(then: PlanStep): { step: PlanStep; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { step: async (request) => (await gate, then(request)), release };
}

/** A step that writes `<tasks_dir>/<date>-tasks.md` (count tasks) and reports it written. */
export function writeStep(tasksDir: string, count = 2): PlanStep {
  return async (request) => {
    const file = path.join(tasksDir, `${request.date}-tasks.md`);
    await writeFile(file, taskFileText(count), { flag: "wx" });
    const tasks: PlanTaskSummary[] = Array.from({ length: count }, (_, i) => ({ id: i + 1, title: `Task number ${i + 1}`, type: "backend", requires_approval: false, verify: [] }));
    return { kind: "written", file, kept_existing: null, tasks };
  };
}

export interface PlanHarnessOptions {
  steps?: PlanStep[];
  scripts?: Script[];
  /** Write today's daily log (default true). */
  dailyLog?: boolean;
  dailyBudgetUsd?: number | null;
  /** Costs each planning run reports (default $0.25). */
  planCostUsd?: number;
}

export async function startPlanHarness(opts: PlanHarnessOptions = {}) {
  const clock = new ManualClock();
  const today = localDate(clock.now());
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-plan-http-"));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  const dailyDir = path.join(dir, "daily_logs");
  for (const d of [tasksDir, logsDir, dailyDir]) await mkdir(d, { recursive: true });
  const dailyLog = path.join(dailyDir, `${today}.md`);
  if (opts.dailyLog !== false) await writeFile(dailyLog, "# Today\n\n- add the baptisms table\n");
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  Object.assign(config.paths, { tasks_dir: tasksDir, logs_dir: logsDir, daily_dir: dailyDir });
  config.orchestrator.daily_budget_usd = opts.dailyBudgetUsd ?? null;
  const logger = pino({ level: "silent" });
  const planner = new FakePlanner(opts.steps ?? [], opts.planCostUsd ?? 0.25);
  const runner = new ScriptedRunner(...(opts.scripts ?? []));
  const orchestrator = await Orchestrator.open({
    store: new MemoryStateStore(),
    runner,
    clock,
    policy: config.orchestrator,
    logger,
    logsDir,
    bootId: "boot-1",
    killOrphan: async () => {},
    planner,
    budget: { dailyUsd: config.orchestrator.daily_budget_usd, warnRatio: config.orchestrator.budget_warn_ratio },
  });
  const control = new Control({ orchestrator, config, clock });
  const secret = randomBytes(32).toString("hex");
  const app = createHttpApp({ control, secret, logger, clock, version: "1.2.3", accessLogFile: null });
  const server = await startHttpServer(app, "127.0.0.1", 0);
  const port = Number(new URL(server.url).port);

  async function request(method: string, urlPath: string, body?: Record<string, unknown>, headers: Record<string, string> = { "x-webhook-secret": secret }) {
    const res = await fetch(`${server.url}${urlPath}`, { method, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  }

  function until(pred: (s: SessionState) => boolean): Promise<SessionState> {
    return orchestrator.waitFor(pred);
  }

  async function close(): Promise<void> {
    runner.release();
    await orchestrator.shutdown();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }

  return { dir, tasksDir, dailyDir, dailyLog, today, clock, config, planner, runner, orchestrator, control, secret, server, port, request, until, close };
}

export type PlanHarness = Awaited<ReturnType<typeof startPlanHarness>>;
