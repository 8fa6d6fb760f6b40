// A plan from the daily log, end to end in one process: the orchestrator with the real
// ClaudePlanner over the real ClaudeRunner and the fake CLI's plan scenario (each run costs
// FAKE_CLAUDE_COST), a real state file, real temp folders. Happy path then Start, a bad draft
// fixed in the same session, bad twice, an existing file kept, the ExitPlanMode fallback, and a
// discard while Claude drafts.
import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import { systemClock } from "../../src/core/clock.js";
import type { Notification } from "../../src/core/effects.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ClaudePlanner } from "../../src/plan/claude-planner.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { FileStateStore } from "../../src/store/state-store.js";
import { loadTaskSet } from "../../src/tasks/load-task-file.js";
import { CommandVerifier } from "../../src/verify/command-verifier.js";
import { policies } from "../core/machine-helpers.js";
import { calls, fakeConfig, removeDir, tempDir, waitGone } from "../runner/runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const COST = 0.2;
const today = localDate(systemClock.now());

async function setup(dailyLines: string[]) {
  const dir = tempDir("orch-plan-");
  dirs.push(dir);
  const project = path.join(dir, "project");
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "logs");
  mkdirSync(project);
  mkdirSync(path.join(dir, "daily_logs"));
  const dailyLog = path.join(dir, "daily_logs", `${today}.md`);
  writeFileSync(dailyLog, [`# ${today}`, "- greet people", "FAKE_CLAUDE: plan", ...dailyLines, ""].join("\n"));
  const env = { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), FAKE_CLAUDE_COST: String(COST) };
  const runner = new ClaudeRunner(fakeConfig(project), { env, dropEnv: [] });
  const logger = createSilentLogger();
  const o = await Orchestrator.open({
    store: new FileStateStore(path.join(dir, "state.json"), { clock: systemClock }),
    runner,
    clock: systemClock,
    policy: policies.auto as ApprovalPolicy,
    logger,
    logsDir,
    bootId: "boot-1",
    killOrphan: async () => {},
    planner: new ClaudePlanner({ runner, logsDir, tasksDir, clock: systemClock, logger }),
    verifier: new CommandVerifier({ projectDir: project, env, dropEnv: [], timeoutS: 10, killGraceS: 0.5 }),
  });
  const told: Notification[] = [];
  o.subscribe((c) => c.effects.forEach((e) => e.type === "notify" && told.push(e.notification)));
  const plan = () => o.dispatch({ type: "plan", daily_log: dailyLog, date: today, by: "the CLI" });
  return { dir, o, told, plan, tasksDir, dailyLog, usual: path.join(tasksDir, `${today}-tasks.md`) };
}

const settled = (status: string) => (s: { plan?: { status: string } | null }) => s.plan?.status !== undefined && s.plan.status !== "running" && (status === "" || s.plan.status === status);

describe("a plan from the daily log, with the fake CLI", () => {
  it("happy path: ready with the task list, the file written, its cost in today's spend; then Start runs the file", async () => {
    const t = await setup([]);
    expect((await t.plan()).ok).toBe(true);
    const s = await t.o.waitFor(settled(""), 15_000);
    expect(s.plan).toMatchObject({
      id: `${today}-p1`,
      status: "ready",
      file: t.usual,
      kept_existing: null,
      round: 0,
      cost_usd: COST,
      by: "the CLI",
      issues: [],
      error: null,
      tasks: [
        { id: 1, title: "Add the greeting module", type: "backend", requires_approval: false, verify: ["node --version"] },
        { id: 2, title: "Add the greetings table migration", type: "database", requires_approval: true, verify: ["node --version"] },
      ],
    });
    expect(s.plan?.claude_session_id).toBeTruthy();
    expect(s.spend).toEqual({ date: today, usd: COST });
    expect(t.told.map((n) => n.event)).toEqual(["plan_started", "plan_ready"]);
    expect(t.told[1]?.message).toContain("2. Add the greetings table migration (database) ⏸ needs approval ✔ verify");
    expect(calls(t.dir)[0]?.argv).toContain("--permission-mode");

    // Start: the file as the person would load it.
    const { tasks } = await loadTaskSet(t.usual);
    expect((await t.o.dispatch({ type: "start", task_file: t.usual, tasks, session_id: "S1" })).ok).toBe(true);
    expect(t.o.state.plan?.status).toBe("started");
    // Task 2 requires approval: it waits for a person after it.
    await t.o.waitFor((x) => x.status === "waiting_approval", 15_000);
    expect((await t.o.dispatch({ type: "approve" })).ok).toBe(true);
    const done = await t.o.waitFor((x) => x.status === "completed", 15_000);
    expect(done.tasks.map((x) => x.status)).toEqual(["completed", "completed"]);
    expect(done.spend?.usd).toBeCloseTo(COST * 3, 6);
    expect(calls(t.dir).map((c) => c.scenario)).toEqual(["plan", "success", "success"]);
    await t.o.shutdown();
  }, 40_000);

  it("a bad draft is fixed on the second try, in the same Claude session (--resume)", async () => {
    const t = await setup(["FAKE_CLAUDE_PLAN: bad-first"]);
    await t.plan();
    const s = await t.o.waitFor(settled(""), 15_000);
    expect(s.plan).toMatchObject({ status: "ready", round: 1, file: t.usual, issues: [] });
    expect(s.plan?.cost_usd).toBeCloseTo(COST * 2, 6);
    expect(s.spend?.usd).toBeCloseTo(COST * 2, 6);
    const [first, second] = calls(t.dir);
    expect(calls(t.dir)).toHaveLength(2);
    expect(first?.argv).not.toContain("--resume");
    expect(second?.argv.slice(-2)).toEqual(["--resume", s.plan?.claude_session_id]);
    expect(second?.prompt).toMatch(/^Our parser found these problems in your task file:\n- \d{4}-\d\d-\d\d-tasks\.md:7: duplicate task number 1/);
    expect(t.told.map((n) => n.event)).toEqual(["plan_started", "plan_fixing", "plan_ready"]);
    await t.o.shutdown();
  }, 30_000);

  it("bad twice: the plan fails with the issues shown, nothing is written", async () => {
    const t = await setup(["FAKE_CLAUDE_PLAN: bad-always"]);
    await t.plan();
    const s = await t.o.waitFor(settled(""), 15_000);
    expect(s.plan).toMatchObject({ status: "failed", round: 1, file: null, error: "the task file Claude drafted still has 2 problems after one fix" });
    expect(s.plan?.issues).toEqual([
      `${today}-tasks.md:7: duplicate task number 1 (first used at line 3); give each task its own number`,
      `${today}-tasks.md:7: task 1 has neither **Claude Instruction:** nor **Description:**; add one so Claude knows what to do`,
    ]);
    expect(s.spend?.usd).toBeCloseTo(COST * 2, 6);
    const failed = t.told.find((n) => n.event === "plan_failed");
    expect(failed?.message).toContain(`• ${today}-tasks.md:7: duplicate task number 1`);
    expect(existsSync(t.tasksDir)).toBe(false);
    await t.o.shutdown();
  }, 30_000);

  it("an existing task file is kept: the plan goes beside it (-2) and says so", async () => {
    const t = await setup([]);
    mkdirSync(t.tasksDir);
    writeFileSync(t.usual, "# written by hand\n");
    await t.plan();
    const s = await t.o.waitFor(settled(""), 15_000);
    const beside = path.join(t.tasksDir, `${today}-tasks-2.md`);
    expect(s.plan).toMatchObject({ status: "ready", file: beside, kept_existing: t.usual });
    expect(readFileSync(t.usual, "utf8")).toBe("# written by hand\n");
    expect(readFileSync(beside, "utf8")).toContain("## Task 1: Add the greeting module");
    expect(t.told.find((n) => n.event === "plan_ready")?.message).toContain(`${t.usual} already existed and was kept; the plan is in ${beside}.`);
    await t.o.shutdown();
  }, 30_000);

  it("the task file only in an ExitPlanMode call (the result text says something else): taken from it", async () => {
    const t = await setup(["FAKE_CLAUDE_PLAN: exit-plan-mode"]);
    await t.plan();
    const s = await t.o.waitFor(settled(""), 15_000);
    expect(s.plan).toMatchObject({ status: "ready", file: t.usual, tasks: [{ title: "Add the greeting module" }, { title: "Add the greetings table migration" }] });
    await t.o.shutdown();
  }, 30_000);

  it("discard while Claude drafts: its process ends and nothing is written", async () => {
    const t = await setup(["FAKE_CLAUDE_PLAN: hang"]);
    await t.plan();
    while (calls(t.dir).length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(t.o.activeRuns).toBe(1);
    expect((await t.o.dispatch({ type: "discard_plan", by: "the CLI" })).ok).toBe(true);
    expect(t.o.state.plan?.status).toBe("discarded");
    expect(await waitGone(calls(t.dir)[0]!.pid, 5000)).toBe(true);
    while (t.o.activeRuns > 0) await new Promise((r) => setTimeout(r, 20));
    expect(t.o.state.plan).toMatchObject({ status: "discarded", file: null });
    expect(existsSync(t.tasksDir) ? readdirSync(t.tasksDir) : []).toEqual([]);
    expect(t.told.map((n) => n.event)).toEqual(["plan_started", "plan_discarded"]);
    // Killed before its result line: the CLI said no cost, so none is counted.
    expect(t.o.state.spend ?? null).toBeNull();
    await t.o.shutdown();
  }, 30_000);
});
