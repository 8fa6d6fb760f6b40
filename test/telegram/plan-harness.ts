/**
 * The bot harness with planning on: a real Orchestrator whose planner is FakePlanner (the planner
 * edge's twin: it writes the draft it is given into the tasks folder, checked by our own parser,
 * never over an existing file, like the real one) and a daily_logs/ folder. For startBotHarness's
 * `open` option.
 */
import { access, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import type { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { Planner, PlanRequest, PlanRunReport } from "../../src/plan/planner.js";
import type { Runner } from "../../src/runner/runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { loadTaskSet } from "../../src/tasks/load-task-file.js";
import type { TestControl } from "../support/open-test-control.js";

/** Writes `draft` (the same each time, unless set) as the plan's task file. Records every request. */
export class FakePlanner implements Planner {
  readonly requests: PlanRequest[] = [];
  tasksDir = "";

  constructor(public draft: string) {}

  async plan(request: PlanRequest): Promise<PlanRunReport> {
    this.requests.push(request);
    const usual = path.join(this.tasksDir, `${request.date}-tasks.md`);
    let file = usual;
    for (let n = 2; await exists(file); n++) file = path.join(this.tasksDir, `${request.date}-tasks-${n}.md`);
    await writeFile(file, this.draft, { flag: "wx" });
    const { tasks } = await loadTaskSet(file);
    const summary = tasks.map((t) => ({ id: t.id, title: t.title, type: t.type, requires_approval: t.requires_approval, verify: t.verify }));
    return { cost_usd: 0.05, session_id: `plan-session-${this.requests.length}`, result: { kind: "written", file, kept_existing: file === usual ? null : usual, tasks: summary } };
  }
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** openTestControl with `planner` and paths.daily_dir = <dir>/daily_logs (created empty). */
export function openWithPlanner(planner: FakePlanner) {
  return async (opts: { prefix: string; clock: ManualClock; runner: Runner; initial?: SessionState }): Promise<TestControl & { dailyDir: string }> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), opts.prefix));
    const tasksDir = path.join(dir, "orchestrator_tasks");
    const logsDir = path.join(dir, "orchestrator_logs");
    const dailyDir = path.join(dir, "daily_logs");
    for (const d of [tasksDir, logsDir, dailyDir]) await mkdir(d, { recursive: true });
    planner.tasksDir = tasksDir;
    const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
    Object.assign(config.paths, { tasks_dir: tasksDir, logs_dir: logsDir, daily_dir: dailyDir });
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
      planner,
    });
    const control = new Control({ orchestrator, config, clock: opts.clock });
    return { dir, tasksDir, logsDir, dailyDir, config, logLines, logger, orchestrator, control };
  };
}
