import { describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import type { Report } from "../../src/core/events.js";
import type { LeftoversEnded, RunLeftovers } from "../../src/orchestrator/end-run-leftovers.js";
import { TaskRuns } from "../../src/orchestrator/task-runs.js";
import { createIdleState } from "../../src/core/state.js";
import { ScriptedRunner } from "../../src/runner/scripted-runner.js";

/** TaskRuns with a logger whose JSON lines are kept, and a stand-in for ending leftovers. */
function taskRuns(killOrphan: (o: RunLeftovers) => Promise<LeftoversEnded | void>) {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const reports: Report[] = [];
  const runs = new TaskRuns({ runner: new ScriptedRunner(), logsDir: "/tmp/x", bootId: "b", logger, report: (r) => void reports.push(r), killOrphan });
  return { runs, lines, reports };
}

const WARN = 40;
const DEBUG = 20;

describe("TaskRuns kill_orphan", () => {
  it("says it ended leftovers only when something was ended", async () => {
    const t = taskRuns(async () => ({ ended: [11, 12], forced: true, survivors: [] }));
    t.runs.perform({ type: "kill_orphan", index: 0, pgid: 11, run_marker: "m" }, createIdleState());
    await t.runs.orphansEnded();
    const warned = t.lines.filter((l) => l.level === WARN);
    expect(warned.map((l) => l.msg)).toEqual(["ended 2 process(es) left running by the interrupted run before the restart (SIGKILL after it ignored SIGTERM)"]);
    expect(t.reports).toEqual([{ type: "orphans_ended", index: 0, run_marker: "m" }]);
  });

  it("when everything was already gone, only a debug line says so", async () => {
    const t = taskRuns(async () => ({ ended: [], forced: false, survivors: [] }));
    t.runs.perform({ type: "kill_orphan", index: 1, pgid: 11, run_marker: null }, createIdleState());
    await t.runs.orphansEnded();
    expect(t.lines.filter((l) => l.level >= WARN)).toEqual([]);
    expect(t.lines.filter((l) => l.level === DEBUG).map((l) => l.msg)).toContain("what the interrupted run started was already gone");
    expect(t.reports).toEqual([{ type: "orphans_ended", index: 1, run_marker: null }]);
  });

  it("a failure to end them is logged as an error and the record is still dropped (the next start cannot do better)", async () => {
    const t = taskRuns(async () => {
      throw new Error("EINVAL");
    });
    t.runs.perform({ type: "kill_orphan", index: 0, pgid: 11, run_marker: "m" }, createIdleState());
    await t.runs.orphansEnded();
    expect(t.lines.some((l) => l.level === 50 && /could not end/.test(l.msg))).toBe(true);
    expect(t.reports).toHaveLength(1);
  });
});
