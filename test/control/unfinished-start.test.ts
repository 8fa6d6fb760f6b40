import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { ScriptedRunner } from "../../src/runner/scripted-runner.js";
import { openTestControl, type TestControl } from "../support/open-test-control.js";
import { taskFileText } from "../http/http-harness.js";

// /start on a day after a session was left unfinished (seed 001's multi-day sessions): Control
// asks first (data.unfinished) instead of replacing it; replace: true is the second answer.
// A session of today is refused as before; no task file but a daily log points at /plan.

const DAY_MS = 24 * 60 * 60 * 1000;

let t: TestControl & { clock: ManualClock };
afterEach(async () => {
  await t.orchestrator.shutdown();
  await rm(t.dir, { recursive: true, force: true });
});

async function open(): Promise<typeof t> {
  const clock = new ManualClock();
  const opened = await openTestControl({ prefix: "orchestrator-unfinished-", clock, runner: new ScriptedRunner() });
  opened.config.paths.daily_dir = path.join(opened.dir, "daily_logs");
  return { ...opened, clock };
}

const today = () => localDate(t.clock.now());
const taskFile = (date: string) => path.join(t.tasksDir, `${date}-tasks.md`);

/** Starts a 3-task session from `date`'s file (required mode: it waits for approval of task 1). */
async function startSessionOf(date: string) {
  await writeFile(taskFile(date), taskFileText(3));
  const r = await t.control.execute({ command: "start", by: "the CLI" });
  expect(r).toMatchObject({ ok: true, data: { status: "waiting_approval", task_file: taskFile(date) } });
  return r;
}

describe("a session started yesterday, waiting for approval", () => {
  it("start is refused with the question's facts; with replace, today's file starts", async () => {
    t = await open();
    const yesterday = today();
    await startSessionOf(yesterday);
    const first = t.orchestrator.state.session_id;
    t.clock.advance(DAY_MS);
    await writeFile(taskFile(today()), taskFileText(2));

    const asked = await t.control.execute({ command: "start" });
    expect(asked.ok).toBe(false);
    expect(asked.code).toBe("refused");
    expect(asked.data.unfinished).toEqual({ session_id: first, task_file: taskFile(yesterday), started_on: yesterday, status: "waiting_approval", done: 0, total: 3, today_file: taskFile(today()) });
    expect(asked.message).toBe(`Session ${first} from ${yesterday} is unfinished (0 of 3 tasks done, waiting approval). Continue it (/status shows its next step), or start today's file (${taskFile(today())}) with /start --replace (HTTP: "replace": true).`);
    expect(t.orchestrator.state.session_id).toBe(first);

    const replaced = await t.control.execute({ command: "start", replace: true });
    expect(replaced.ok).toBe(true);
    expect(replaced.message).toMatch(new RegExp(`^Session ${first} \\(0 of 3 tasks done\\) is left unfinished\\. Loaded 2 tasks`));
    expect(t.orchestrator.state).toMatchObject({ task_file: taskFile(today()), status: "waiting_approval" });
    expect(t.orchestrator.state.session_id).not.toBe(first);
    expect(t.orchestrator.state.tasks).toHaveLength(2);
  });

  it("no file for today: the question says to name one", async () => {
    t = await open();
    await startSessionOf(today());
    t.clock.advance(DAY_MS);
    const asked = await t.control.execute({ command: "start" });
    expect(asked.data.unfinished).toMatchObject({ today_file: null, status: "waiting_approval" });
    expect(asked.message).toMatch(/or start another file with \/start <file> --replace\.$/);
  });

  it("paused counts as unfinished too; a completed one does not", async () => {
    t = await open();
    await startSessionOf(today());
    await t.control.execute({ command: "pause" });
    t.clock.advance(DAY_MS);
    await writeFile(taskFile(today()), taskFileText(1));
    expect((await t.control.execute({ command: "start" })).data.unfinished).toMatchObject({ status: "paused" });
    // Finish it: skip all three (resume first), then today's file starts without a question.
    await t.control.execute({ command: "resume" });
    for (let i = 0; i < 3; i++) expect((await t.control.execute({ command: "skip" })).ok).toBe(true);
    expect(t.orchestrator.state.status).toBe("completed");
    const started = await t.control.execute({ command: "start" });
    expect(started.ok).toBe(true);
    expect(started.data.unfinished).toBeUndefined();
  });
});

describe("a session of today", () => {
  it("start is refused as before: no question, the machine's reason", async () => {
    t = await open();
    await startSessionOf(today());
    t.clock.advance(60_000);
    const refused = await t.control.execute({ command: "start" });
    expect(refused).toMatchObject({ ok: false, code: "refused" });
    expect(refused.data.unfinished).toBeUndefined();
    expect(refused.message).toBe(`A session is active (Task 1/3 waits for approval). Finish or /skip its tasks, or leave it unfinished with /start --replace (HTTP: "replace": true).`);
  });
});

describe("no task file for today", () => {
  it("with a daily log: not_found naming it, and /plan", async () => {
    t = await open();
    await mkdir(t.config.paths.daily_dir, { recursive: true });
    const log = path.join(t.config.paths.daily_dir, `${today()}.md`);
    await writeFile(log, "# Goals\n- ship it\n");
    const r = await t.control.execute({ command: "start" });
    expect(r).toMatchObject({ ok: false, code: "not_found", data: { daily_log: log } });
    expect(r.message).toMatch(new RegExp(`There is a daily log \\(${log.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): send /plan to draft today's task file from it\\.$`));
  });

  it("without one: not_found as before, no daily_log", async () => {
    t = await open();
    const r = await t.control.execute({ command: "start" });
    expect(r).toMatchObject({ ok: false, code: "not_found" });
    expect(r.data.daily_log).toBeUndefined();
    // A file named by the caller that is missing is not about today: no daily-log hint either.
    await mkdir(t.config.paths.daily_dir, { recursive: true });
    await writeFile(path.join(t.config.paths.daily_dir, `${today()}.md`), "goals");
    const named = await t.control.execute({ command: "start", task_file: "nope.md" });
    expect(named.code).not.toBe("ok");
    expect(named.data.daily_log).toBeUndefined();
  });
});
