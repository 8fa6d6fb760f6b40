// TaskRuns and the output log: a path that was not written is never reported, and the log health hears of it.
import { describe, expect, it } from "@jest/globals";
import type { Report } from "../../src/core/events.js";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import { createIdleState, createTaskRecord } from "../../src/core/state.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { LogHealth } from "../../src/logging/log-health.js";
import { TaskRuns } from "../../src/orchestrator/task-runs.js";
import type { Runner } from "../../src/runner/runner.js";
import { def, outcome } from "../core/machine-helpers.js";

/** A runner whose log could not be opened (log_error at spawn) or was cut short, as given. */
function runnerWith(logError: string | null, result: Partial<RunOutcome>): Runner {
  return {
    async run(_req, hooks = {}) {
      hooks.onSpawn?.({ pid: 1, pgid: 1, log_error: logError });
      return { ...outcome(), ...result };
    },
  };
}

async function runOnce(runner: Runner, health: LogHealth): Promise<Report[]> {
  const reports: Report[] = [];
  const runs = new TaskRuns({ runner, logsDir: "/logs", bootId: null, logger: createSilentLogger(), report: (r) => reports.push(r), logHealth: health });
  const task = createTaskRecord(def(1));
  runs.perform({ type: "run_task", index: 0, attempt: 1, session_id: "S1", task, feedback: null, resume_session_id: null, continuation: 0 }, createIdleState());
  await runs.settled();
  return reports;
}

describe("TaskRuns and the output log", () => {
  it("reports no path for a log that could not be opened, and tells the log health at spawn", async () => {
    const health = new LogHealth();
    const error = "could not open the output log: EROFS: read-only file system, open '/logs/S1/task-1-output.log'";
    const reports = await runOnce(runnerWith(error, { output_log: { created: false, error } }), health);
    expect(reports.map((r) => [r.type, "output_log" in r ? r.output_log : undefined])).toEqual([
      ["task_spawned", null],
      ["task_finished", null],
    ]);
    expect(health.problem).toBe(error);
  });

  it("reports the path of a log cut short, and a log written in full clears the task output problem", async () => {
    const health = new LogHealth();
    const cut = "the output log was cut short after 1.0 KB: ENOSPC: no space left on device, write";
    const reports = await runOnce(runnerWith(null, { output_log: { created: true, error: cut } }), health);
    expect(reports.map((r) => ("output_log" in r ? r.output_log : undefined))).toEqual(["/logs/S1/task-1-output.log", "/logs/S1/task-1-output.log"]);
    expect(health.problem).toBe(cut);
    await runOnce(runnerWith(null, { output_log: { created: true, error: null } }), health);
    expect(health.problem).toBeNull();
  });
});
