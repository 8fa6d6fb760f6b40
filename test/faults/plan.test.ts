/**
 * Planning from the daily log under faults, driving the real `orchestrator serve` from outside
 * with the fake CLI (the daily log's `FAKE_CLAUDE:` line picks what the planning Claude does):
 * - kill -9 of `serve` while Claude drafts the plan (it hangs): the restart ends the planning
 *   child (the state mark sweep), marks the plan failed with why, tells the person once, and a new
 *   /plan works;
 * - /plan discard while the planning Claude ignores SIGTERM: answered at once, the whole group is
 *   gone within kill_grace + a margin, no task file is written, and /start works after it;
 * - a full disk when the plan is written: the plan fails with ENOSPC named, no partial task file
 *   is left, the state stays intact, and once space is back /plan writes the file.
 * It asserts the state is intact and nothing is left running. `FAULT_FIGURES=1` prints the figures.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describeStateProblem } from "../../src/core/state.js";
import { readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { killWithLeftovers, mountTmpfs, notices, processesWithMarker, stateWhere, webhookPoster } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
const SECRET = "plan-fault-secret";
const KILL_GRACE_S = 1;
/** Past kill_grace: the group kill, the marker sweep and a save, on a loaded machine. */
const STOP_BOUND_MS = KILL_GRACE_S * 1000 + 8000;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`plan.test.ts figures:\n${figures.join("\n")}\n`);
});
const services: RunningService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await killWithLeftovers(s.process);
});

const today = (): string => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

/** A project whose daily log makes the planning Claude do `scenario`; tasks_dir may be elsewhere (a small tmpfs). */
async function project(scenario: string, tasksDir?: string) {
  const dir = await tempDir("orch-fault-plan-");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const tasks = tasksDir ?? path.join(dir, "orchestrator_tasks");
  await mkdir(tasks, { recursive: true });
  await mkdir(path.join(dir, "daily_logs"), { recursive: true });
  const paths = tasksDir ? `paths:\n  tasks_dir: ${JSON.stringify(tasksDir)}\n` : "";
  await writeFile(path.join(dir, "config.yaml"), `${paths}claude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\norchestrator:\n  approval_mode: auto\n`);
  await writeDailyLog(dir, scenario);
  await writeFile(path.join(tasks, "other.md"), "# Tasks\n\n## Task 1: One\n**Type:** backend\n**Description:** one\n**Claude Instruction:**\nDo one.\n");
  return { dir, tasks, env: { WEBHOOK_SECRET: SECRET } };
}

async function writeDailyLog(dir: string, scenario: string): Promise<void> {
  await writeFile(path.join(dir, "daily_logs", `${today()}.md`), `# ${today()}\n\n## Goals\n- Add a health endpoint\n\nFAKE_CLAUDE: ${scenario}\n`);
}

async function serve(dir: string, env: Record<string, string>): Promise<RunningService> {
  const s = await startService(dir, env);
  services.push(s);
  return s;
}

const post = webhookPoster(SECRET);



// Skipped where there is no /proc (not Linux): run markers are found through it.
(linux ? describe : describe.skip)("planning under faults", () => {
  it("kill -9 of `serve` while Claude drafts the plan: the restart ends the planning child, fails the plan saying why, and /plan works again", async () => {
    const p = await project("hang");
    const first = await serve(p.dir, p.env);
    const asked = await post(first, "plan");
    expect(asked.status).toBe(200);
    const running = await stateWhere(p.dir, (s) => s.plan?.status === "running", "the plan running");
    await waitFor(async () => ((await processesWithMarker(`${first.process.pid}-`)).length > 0 ? true : undefined), 10_000, "the planning claude running");

    first.process.kill("SIGKILL");
    await first.process;
    const second = await serve(p.dir, p.env);
    // The planning child carried the state's mark: the restart's sweep ended it.
    await waitFor(async () => ((await processesWithMarker(`${first.process.pid}-`)).length === 0 ? true : undefined), STOP_BOUND_MS, "the orphaned planning claude ended");
    const after = await readState(p.dir);
    expect(describeStateProblem(after)).toBeNull();
    expect(after.plan).toMatchObject({ id: running.plan?.id, status: "failed", error: "interrupted: the orchestrator stopped while Claude drafted it", file: null });
    expect(notices(second.output(), "plan_failed")).toHaveLength(1);
    expect(await readdir(p.tasks)).toEqual(["other.md"]);
    const shown = await fetch(`${second.url}/webhook/plan`, { headers: { "X-Webhook-Secret": SECRET } });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { plan: { status: string } }).plan.status).toBe("failed");

    // A new plan is taken (and stopped again: the daily log still says hang).
    const again = await post(second, "plan");
    expect(again.status).toBe(200);
    await stateWhere(p.dir, (s) => s.plan?.status === "running" && s.plan.id !== running.plan?.id, "the second plan running");
    expect((await post(second, "plan/discard")).status).toBe(200);
    const stopped = await second.stop("SIGTERM");
    expect(stopped.exitCode).toBe(0);
    expect(await processesWithMarker(`${second.process.pid}-`)).toEqual([]);
    figures.push("kill -9 of serve while planning: planning claude ended by the restart's sweep, plan failed (interrupted), 1 notice, no task file written; 0 processes left");
  }, 60_000);

  it("/plan discard while the planning Claude ignores SIGTERM: answered at once, the group ends within kill_grace, no file is written, /start works after", async () => {
    const p = await project("ignore_sigterm");
    const service = await serve(p.dir, p.env);
    expect((await post(service, "plan")).status).toBe(200);
    await waitFor(async () => ((await processesWithMarker(`${service.process.pid}-`)).length > 0 ? true : undefined), 10_000, "the planning claude running");
    const t0 = Date.now();
    const discarded = await post(service, "plan/discard");
    const answerMs = Date.now() - t0;
    expect(discarded.status).toBe(200);
    expect(answerMs).toBeLessThan(5000);
    await waitFor(async () => ((await processesWithMarker(`${service.process.pid}-`)).length === 0 ? true : undefined), STOP_BOUND_MS, "the planning claude ended");
    const goneMs = Date.now() - t0;
    const s = await readState(p.dir);
    expect(s.plan).toMatchObject({ status: "discarded", file: null });
    expect(await readdir(p.tasks)).toEqual(["other.md"]);
    // One Claude at a time is over: a session starts.
    const started = await post(service, "start", { task_file: "other.md" });
    expect(started.status).toBe(200);
    await stateWhere(p.dir, (x) => x.status === "completed", "the session completed");
    expect((await service.stop("SIGTERM")).exitCode).toBe(0);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(`discard of a SIGTERM-ignoring planning claude: answered in ${answerMs} ms, group gone in ${goneMs} ms (kill_grace ${KILL_GRACE_S} s), no file written`);
  }, 60_000);

  it("a full disk when the plan is written: the plan fails naming ENOSPC, no partial file is left, and once space is back /plan writes it", async () => {
    const { tmpfs, reason } = await mountTmpfs(256);
    if (!tmpfs) {
      // Needs root to mount a small tmpfs (CI runs as root); elsewhere there is no real full disk to make.
      process.stdout.write(`skipped: ${reason}\n`);
      return;
    }
    cleanups.push(() => tmpfs.unmount());
    const p = await project("plan", tmpfs.dir);
    const service = await serve(p.dir, p.env);
    await tmpfs.fill();
    expect((await post(service, "plan")).status).toBe(200);
    const failed = await stateWhere(p.dir, (s) => s.plan?.status === "failed", "the plan failed");
    expect(describeStateProblem(failed)).toBeNull();
    expect(failed.plan?.error).toMatch(/ENOSPC|no space/i);
    expect((await readdir(p.tasks)).sort()).toEqual(["filler", "other.md"]);
    await tmpfs.free();
    expect((await post(service, "plan")).status).toBe(200);
    const ready = await stateWhere(p.dir, (s) => s.plan?.status === "ready", "the plan ready");
    expect(ready.plan?.file).toBe(path.join(await realTasks(p.tasks), `${today()}-tasks.md`));
    expect((await service.stop("SIGTERM")).exitCode).toBe(0);
    figures.push("full disk when writing the plan: plan failed naming ENOSPC, no partial file; after freeing space the next /plan wrote the file");
  }, 60_000);
});

async function realTasks(dir: string): Promise<string> {
  const { realpath } = await import("node:fs/promises");
  return realpath(dir);
}
