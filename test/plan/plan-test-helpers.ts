// Shared by the planner tests: a project folder with a daily log, the fake CLI as claude, and
// a ClaudePlanner over the real ClaudeRunner.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ClaudeConfig } from "../../src/config/config.js";
import { systemClock } from "../../src/core/clock.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { ClaudePlanner } from "../../src/plan/claude-planner.js";
import type { PlanRequest } from "../../src/plan/planner.js";
import type { DraftIo } from "../../src/plan/write-task-draft.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { fakeConfig, tempDir } from "../runner/runner-test-helpers.js";

export interface PlanSetup {
  dir: string;
  project: string;
  dailyDir: string;
  tasksDir: string;
  logsDir: string;
  /** FAKE_CLAUDE_RECORD: calls.jsonl */
  recordDir: string;
  env: NodeJS.ProcessEnv;
}

/** A temp folder: project/ (claude's cwd), daily_logs/, orchestrator_tasks/ (not made yet), logs/, record/, sessions/. */
export function planSetup(extraEnv: NodeJS.ProcessEnv = {}): PlanSetup {
  const dir = tempDir("plan-test-");
  const s: PlanSetup = {
    dir,
    project: path.join(dir, "project"),
    dailyDir: path.join(dir, "daily_logs"),
    tasksDir: path.join(dir, "orchestrator_tasks"),
    logsDir: path.join(dir, "logs"),
    recordDir: path.join(dir, "record"),
    env: {},
  };
  for (const d of [s.project, s.dailyDir, s.recordDir]) mkdirSync(d, { recursive: true });
  s.env = { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: s.recordDir, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), ...extraEnv };
  return s;
}

/** Writes daily_logs/<date>.md: goals, then the fake's directive lines. */
export function writeDailyLog(s: PlanSetup, date: string, lines: string[]): string {
  const file = path.join(s.dailyDir, `${date}.md`);
  writeFileSync(file, [`# ${date}`, "", "## Goals", "- Greet people", "", ...lines, ""].join("\n"));
  return file;
}

export function planner(s: PlanSetup, over: Partial<ClaudeConfig> = {}, io?: DraftIo): ClaudePlanner {
  const runner = new ClaudeRunner(fakeConfig(s.project, over), { env: s.env, dropEnv: [] });
  return new ClaudePlanner({ runner, logsDir: s.logsDir, tasksDir: s.tasksDir, clock: systemClock, logger: createSilentLogger(), io });
}

export function request(dailyLog: string, over: Partial<PlanRequest> = {}): PlanRequest {
  return {
    plan_id: "2026-03-02-p1",
    daily_log: dailyLog,
    date: "2026-03-02",
    round: 0,
    resume_session_id: null,
    issues: [],
    max_budget_usd: null,
    signal: new AbortController().signal,
    ...over,
  };
}
