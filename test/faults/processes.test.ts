/**
 * Nothing a run started is left running, whatever happens to the orchestrator, as a real process
 * driven from outside with the fake claude:
 * - kill -9 of `orchestrator run` and of `serve` mid-task, while claude has a grandchild in its
 *   group and one in a session of its own (setsid, as Claude Code's Bash tool makes them): at the
 *   restart nothing carrying the run's marker is left, the task is interrupted, and the retry runs
 *   alone and completes. Also with a claude that ignores SIGTERM (the restart escalates to SIGKILL);
 * - a claude that ignores SIGTERM, with SIGTERM-ignoring grandchildren in and out of its group,
 *   ended by the task timeout and by SIGTERM of the orchestrator: gone within kill_grace + margin;
 * - 200 MB of output: the task completes, memory stays bounded, nothing is left.
 * The figures (iterations, processes left, times, RSS) go to RELIABILITY.md; `FAULT_FIGURES=1`
 * prints them.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { orchestratorBin, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService } from "../support/start-service.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
/** Rounds of kill -9 of `orchestrator run` mid-task (about 2.5 s each). */
const RUN_ROUNDS = 5;
const KILL_GRACE_S = 1;
const CONFIG = `orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\n`;
const SECRET = "fault-suite-secret";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`processes.test.ts figures:\n${figures.join("\n")}\n`);
});

const taskFile = (instruction = "Start the dev server and keep working.") =>
  `# Tasks\n\n## Task 1: Serve\n**Type:** backend\n**Description:** a task whose tools start things\n**Claude Instruction:**\n${instruction}\n---\n\n## Task 2: After\n**Type:** backend\n**Description:** the next one\n`;

/** A project folder: tasks.md (also in orchestrator_tasks/ for serve), config.yaml, and rec/ for the fake's records. */
async function project(config = CONFIG): Promise<{ dir: string; rec: string }> {
  const dir = await tempDir("orch-fault-proc-");
  dirs.push(dir);
  const rec = path.join(dir, "rec");
  await mkdir(rec);
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await writeFile(path.join(dir, "tasks.md"), taskFile());
  await writeFile(path.join(dir, "orchestrator_tasks", "tasks.md"), taskFile());
  await writeFile(path.join(dir, "config.yaml"), config);
  return { dir, rec };
}

/**
 * Claude's two grandchildren (one in its group, one that left it), once both are running (and,
 * where they do, ignoring SIGTERM).
 */
async function grandchildrenReady(rec: string): Promise<{ inGroup: number; escaped: number }> {
  await waitFor(
    async () => ((await readFile(path.join(rec, "grandchildren-ready.txt"), "utf8")).split("\n").filter(Boolean).length >= 2 ? true : undefined),
    15_000,
    "2 grandchildren of the fake claude",
  );
  const started = (await readFile(path.join(rec, "grandchildren.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { grandchild_pid: number; detached: boolean });
  return { inGroup: started.find((g) => !g.detached)!.grandchild_pid, escaped: started.find((g) => g.detached)!.grandchild_pid };
}

/** Orchestrators this file started: whatever a failed test left of them is killed after it. */
const started: Array<{ kill(signal: NodeJS.Signals): unknown; pid?: number }> = [];
function track<T extends { kill(signal: NodeJS.Signals): unknown; pid?: number }>(child: T): T {
  started.push(child);
  return child;
}
afterEach(async () => {
  for (const child of started.splice(0)) {
    child.kill("SIGKILL");
    for (const pid of await processesWithMarker(`${child.pid}-`)) process.kill(pid, "SIGKILL");
  }
});

/** A pid's process group, from /proc/<pid>/stat. */
async function pgrpOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[2]);
}

const post = (url: string, route: string, body: unknown = {}) =>
  fetch(`${url}/webhook/${route}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET }, body: JSON.stringify(body) });

// Skipped where there is no /proc (not Linux): run markers and process groups are found through it.
(linux ? describe : describe.skip)("processes: nothing is left running", () => {
  it(`kill -9 of \`orchestrator run\` mid-task (${RUN_ROUNDS} rounds): the restart ends what left claude's group, and the retry runs alone`, async () => {
    const restarts: number[] = [];
    for (let round = 1; round <= RUN_ROUNDS; round++) {
      const { dir, rec } = await project();
      const crashed = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "escaped_hang", FAKE_CLAUDE_RECORD: rec } }));
      const ours = `${crashed.pid}-`;
      const { inGroup, escaped } = await grandchildrenReady(rec);
      const marker = await waitFor(async () => (await readState(dir)).tasks[0]?.run_marker ?? undefined, 15_000, "the recorded run marker");
      expect(marker.startsWith(ours)).toBe(true);
      const claude = (await readState(dir)).tasks[0]?.pgid as number;
      expect(await pgrpOf(inGroup)).toBe(claude);
      expect(await pgrpOf(escaped)).not.toBe(claude); // it left the group: kill(-pgid) cannot reach it

      crashed.kill("SIGKILL");
      await crashed;
      expect((await processesWithMarker(ours)).sort()).toEqual([claude, inGroup, escaped].sort()); // all outlived the orchestrator

      const started = Date.now();
      const restart = await orchestratorBin(["run", "tasks.md"], { cwd: dir }); // no terminal: recovers, then waits for approval
      restarts.push(Date.now() - started);
      expect(restart.exitCode).toBe(3);
      expect(await processesWithMarker(ours)).toEqual([]);
      const state = await readState(dir);
      expect(state.status).toBe("waiting_approval");
      expect(state.tasks[0]).toMatchObject({ status: "interrupted", attempts: 1, pid: null, pgid: null, run_marker: null });
      expect(state.tasks[0]?.error).toBe("interrupted: the orchestrator stopped while this task ran (crash or restart)");
      expect(restart.stdout).toMatch(/ended 3 process\(es\) left running by the interrupted run/);

      // The retry (the fake now succeeds) runs with nothing of the old run beside it, and ends clean.
      const retryRun = orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir, env: { FAKE_CLAUDE_RECORD: rec } });
      const retry = await retryRun;
      expect(retry.exitCode).toBe(0);
      const done = await readState(dir);
      expect(done.tasks.map((t) => [t.status, t.attempts])).toEqual([["completed", 2], ["completed", 1]]);
      expect(await processesWithMarker(ours)).toEqual([]);
      expect(await processesWithMarker(`${retryRun.pid}-`)).toEqual([]);
    }
    figures.push(`kill -9 of run mid-task with a setsid grandchild: ${RUN_ROUNDS} rounds, 0 processes left; restart (recovery + exit 3) ${Math.min(...restarts)}-${Math.max(...restarts)} ms`);
  });

  it("kill -9 before the spawned run was recorded (its marker never reached the state): the restart still ends it, by the state file's mark", async () => {
    const { dir, rec } = await project();
    const crashed = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "escaped_hang", FAKE_CLAUDE_RECORD: rec } }));
    const ours = `${crashed.pid}-`;
    const { inGroup, escaped } = await grandchildrenReady(rec);
    await waitFor(async () => (await readState(dir)).tasks[0]?.run_marker ?? undefined, 15_000, "the recorded run marker");
    crashed.kill("SIGKILL");
    await crashed;
    // Make the state what a crash between the spawn and the save of task_spawned leaves: the task
    // running, with neither its pid, its group nor its marker recorded.
    const file = path.join(dir, "state.json");
    const saved = JSON.parse(await readFile(file, "utf8")) as { tasks: Array<Record<string, unknown>> };
    Object.assign(saved.tasks[0] as object, { pid: null, pgid: null, boot_id: null, run_marker: null });
    await writeFile(file, JSON.stringify(saved));
    const left = await processesWithMarker(ours);
    expect(left).toEqual(expect.arrayContaining([inGroup, escaped]));

    const restart = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(restart.exitCode).toBe(3);
    expect(await processesWithMarker(ours)).toEqual([]);
    const state = await readState(dir);
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", pid: null, pgid: null, run_marker: null });
    expect(restart.stdout).toMatch(/ended 3 process\(es\) left running by the interrupted run/);
    figures.push(`kill -9 with the run unrecorded: ${left.length} processes found by the state file's mark, 0 left`);
  });

  it("kill -9 of `orchestrator run` while claude ignores SIGTERM, and again during the recovery: the next start escalates to SIGKILL and leaves nothing", async () => {
    const { dir, rec } = await project();
    const crashed = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "ignore_sigterm_escaped", FAKE_CLAUDE_RECORD: rec } }));
    const ours = `${crashed.pid}-`;
    const { inGroup, escaped } = await grandchildrenReady(rec);
    const marker = await waitFor(async () => (await readState(dir)).tasks[0]?.run_marker ?? undefined, 15_000, "the recorded run marker");
    crashed.kill("SIGKILL");
    await crashed;
    expect(await processesWithMarker(ours)).toHaveLength(3);

    // The first restart is killed while it waits out the orphans' SIGTERM grace: it has saved the
    // task as interrupted, but kept the marker, since the processes still run.
    const first = track(orchestratorBin(["run", "tasks.md"], { cwd: dir }));
    await waitFor(async () => ((await readState(dir)).tasks[0]?.status === "interrupted" ? true : undefined), 15_000, "the recovery's save");
    first.kill("SIGKILL");
    await first;
    expect((await readState(dir)).tasks[0]?.run_marker).toBe(marker);
    // The grandchildren still run (claude itself may be gone: its SIGTERM note hit a dead stderr pipe).
    expect(await processesWithMarker(ours)).toEqual(expect.arrayContaining([inGroup, escaped]));

    const started = Date.now();
    const restart = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    const ms = Date.now() - started;
    expect(restart.exitCode).toBe(3);
    expect(await processesWithMarker(ours)).toEqual([]);
    expect(restart.stdout).toMatch(/ended [23] process\(es\) left running by the interrupted run before the restart \(SIGKILL after it ignored SIGTERM\)/);
    expect((await readState(dir)).tasks[0]).toMatchObject({ status: "interrupted", attempts: 1, run_marker: null, pgid: null });
    figures.push(`kill -9 of run (claude and grandchildren ignore SIGTERM), then kill -9 of the restart mid-recovery: 0 processes left after the next start, which took ${ms} ms (orphan grace 5 s, then SIGKILL)`);
  });

  it("kill -9 of `serve` mid-task: after the restart nothing of the run is left before HTTP answers, and /retry runs alone", async () => {
    const { dir, rec } = await project();
    const env = { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: rec };
    const first = await startService(dir, { ...env, FAKE_CLAUDE_SCENARIO: "escaped_hang" });
    track(first.process);
    const ours = `${first.process.pid}-`;
    try {
      expect((await post(first.url, "start", { task_file: "tasks.md" })).status).toBe(200);
      await grandchildrenReady(rec);
      await waitFor(async () => (await readState(dir)).tasks[0]?.run_marker ?? undefined, 15_000, "the recorded run marker");
    } finally {
      await first.stop("SIGKILL");
    }
    expect(await processesWithMarker(ours)).toHaveLength(3);
    const second = await startService(dir, env);
    track(second.process);
    try {
      // The banner comes after the recovery: by now nothing of the old run may be left.
      expect(await processesWithMarker(ours)).toEqual([]);
      const state = await readState(dir);
      expect(state.status).toBe("waiting_approval");
      expect(state.tasks[0]?.error).toMatch(/\(crash or restart\)$/);
      expect((await post(second.url, "retry")).status).toBe(200);
      const done = await waitFor(async () => {
        const s = await readState(dir);
        return s.tasks[0]?.status === "completed" ? s : undefined;
      }, 15_000, "the retried task to complete");
      expect(done.tasks[0]?.attempts).toBe(2);
    } finally {
      const stopped = await second.stop("SIGTERM");
      expect(stopped.exitCode).toBe(0);
    }
    expect(await processesWithMarker(ours)).toEqual([]);
    expect(await processesWithMarker(`${second.process.pid}-`)).toEqual([]);
    figures.push("kill -9 of serve mid-task with a setsid grandchild: 0 processes left at the restart, retry completed");
  });

  it("a claude that ignores SIGTERM, with grandchildren in and out of its group, is ended by the task timeout within kill_grace + 1.5 s", async () => {
    const timeout = 2;
    const { dir, rec } = await project(`orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: ${timeout}\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\n`);
    const run = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "ignore_sigterm_escaped", FAKE_CLAUDE_RECORD: rec } }));
    const ready = grandchildrenReady(rec);
    const r = await exitWithin(run, 30_000);
    await ready;
    expect(r.exitCode).toBe(1);
    const state = await readState(dir);
    expect(state.tasks[0]).toMatchObject({ status: "failed" });
    expect(state.tasks[0]?.error).toMatch(/timed out after 2 s/);
    // started_at to completed_at: the timeout, then SIGTERM, SIGKILL after kill_grace, and the marker sweep.
    const beyond = (state.tasks[0]?.duration_s as number) - timeout;
    expect(beyond).toBeLessThan(KILL_GRACE_S + 1.5);
    expect(await processesWithMarker(`${run.pid}-`)).toEqual([]);
    figures.push(`claude ignoring SIGTERM + grandchildren in/out of its group, task timeout: ended ${beyond.toFixed(2)} s after the timeout (kill_grace ${KILL_GRACE_S} s), 0 processes left`);
  });

  it("SIGTERM of `orchestrator run` with such a claude: exit 130 within kill_grace + 2 s, the task interrupted, nothing left", async () => {
    const { dir, rec } = await project();
    const run = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "ignore_sigterm_escaped", FAKE_CLAUDE_RECORD: rec } }));
    await grandchildrenReady(rec);
    await waitFor(async () => (await readState(dir)).tasks[0]?.run_marker ?? undefined, 15_000, "the recorded run marker");
    run.kill("SIGTERM");
    const r = await exitWithin(run, 15_000);
    expect(r.exitCode).toBe(130);
    expect(r.elapsedMs).toBeLessThan((KILL_GRACE_S + 2) * 1000);
    const state = await readState(dir);
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", error: "interrupted: the orchestrator stopped while this task ran (shutdown)" });
    expect(await processesWithMarker(`${run.pid}-`)).toEqual([]);
    figures.push(`SIGTERM of run, claude + grandchildren ignore SIGTERM: exit 130 after ${r.elapsedMs} ms (kill_grace ${KILL_GRACE_S} s), 0 processes left`);
  });

  it("200 MB of output: the task completes, the orchestrator's memory stays bounded, nothing is left", async () => {
    const { dir } = await project();
    const started = Date.now();
    const run = track(orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "flood", FAKE_CLAUDE_FLOOD_MB: "200" } }));
    let peakKb = 0;
    const sampler = setInterval(() => {
      void readFile(`/proc/${run.pid}/status`, "utf8")
        .then((s) => (peakKb = Math.max(peakKb, Number(/^VmRSS:\s+(\d+)/m.exec(s)?.[1] ?? 0))))
        .catch(() => undefined);
    }, 50);
    const r = await exitWithin(run, 90_000).finally(() => clearInterval(sampler));
    const ms = Date.now() - started;
    expect(r.exitCode).toBe(0);
    const state = await readState(dir);
    expect(state.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(state.tasks[0]?.summary).toMatch(/^Printed \d+ lines\.$/);
    expect((await stat(state.tasks[0]?.output_log as string)).size).toBeGreaterThan(200 * 1024 * 1024);
    // tsx and the app take ~100-150 MB; the stream must not add its 200 MB.
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb / 1024).toBeLessThan(250);
    expect(await processesWithMarker(`${run.pid}-`)).toEqual([]);
    await rm(state.tasks[0]?.output_log as string, { force: true }); // 200 MB: not kept until afterAll
    figures.push(`200 MB of output: completed in ${ms} ms, peak RSS ${(peakKb / 1024).toFixed(0)} MB, 0 processes left`);
  });
});
