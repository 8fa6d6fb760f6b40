import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { buildPrompt } from "../../src/core/build-prompt.js";
import { ManualClock } from "../../src/core/clock.js";
import type { TaskRecord } from "../../src/core/state.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { parseTaskFile } from "../../src/core/task-file/parse-task-file.js";

// The lessons (orchestrator.learnings_file) in a task's prompt: read for every fresh prompt,
// not for a --resume run (its session has them), and a reader that fails costs the task only them.

let dir: string | undefined;
let orchestrator: Orchestrator | undefined;
afterEach(async () => {
  await orchestrator?.shutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
  orchestrator = dir = undefined;
});

const TASKS = "## Task 1: Make it\n**Description:** Make a thing\n**Claude Instruction:**\nDo it well\n";

function tasksOf(text: string) {
  const parsed = parseTaskFile(text, "tasks.md");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.tasks;
}

async function open(learnings: () => Promise<string | null>, ...scripts: Script[]) {
  dir = await mkdtemp(path.join(os.tmpdir(), "orch-learnings-runs-"));
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const runner = new ScriptedRunner(...scripts);
  orchestrator = await Orchestrator.open({ store: new MemoryStateStore(), runner, clock: new ManualClock(), policy: config.orchestrator, logger, logsDir: path.join(dir, "logs"), bootId: "b", killOrphan: async () => {}, learnings });
  const tasks = tasksOf(TASKS);
  await orchestrator.dispatch({ type: "start", task_file: path.join(dir, "tasks.md"), tasks, session_id: "20260101-090000", by: "test" });
  return { runner, lines, orchestrator };
}

describe("the lessons in a task's prompt", () => {
  it("a fresh run's prompt has them before the instruction; a retry that resumes the session reads none", async () => {
    let reads = 0;
    const t = await open(async () => (reads++, "- Use plural table names (2026-01-01, the CLI)"), { outcome: { ok: false, kind: "exit_error", reason: "boom", session_id: "s-1" } }, {});
    await t.orchestrator.dispatch({ type: "approve", by: "test" });
    await t.orchestrator.waitFor((s) => s.status === "task_failed");
    expect(t.runner.calls[0]?.prompt).toBe("# Task 1: Make it\n\n## Description\nMake a thing\n\n## Lessons from earlier work\n- Use plural table names (2026-01-01, the CLI)\n\n## Instruction\nDo it well\n");
    await t.orchestrator.dispatch({ type: "retry", feedback: "try the other table", by: "test" });
    await t.orchestrator.waitFor((s) => s.status === "completed");
    expect(t.runner.calls[1]?.resumeSessionId).toBe("s-1");
    expect(t.runner.calls[1]?.prompt).toBe("try the other table");
    expect(reads).toBe(1);
  });

  it("a reader that fails: a warning naming the setting, and the task runs without them", async () => {
    const t = await open(async () => {
      throw new Error("EACCES: permission denied");
    });
    await t.orchestrator.dispatch({ type: "approve", by: "test" });
    await t.orchestrator.waitFor((s) => s.status === "completed");
    expect(t.runner.calls[0]?.prompt).not.toContain("Lessons");
    expect(t.lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain("could not read the lessons (orchestrator.learnings_file): EACCES: permission denied; task 1 runs without them");
  });
});

describe("buildPrompt", () => {
  it("no lessons (null or blank): no section", () => {
    const task = tasksOf(TASKS)[0] as unknown as TaskRecord;
    expect(buildPrompt(task, null, null)).toBe(buildPrompt(task, null, "  \n"));
    expect(buildPrompt(task, null, null)).not.toContain("Lessons");
    expect(buildPrompt(task, "fix it", "- a lesson")).toMatch(/## Lessons from earlier work\n- a lesson\n\n## Instruction\nDo it well\n\n## Feedback on the previous attempt\nfix it\n$/);
  });
});
