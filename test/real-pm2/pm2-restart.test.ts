/**
 * deploy/ecosystem.config.cjs under a real pm2 (the pinned one of tools/pm2; `npm run test:pm2`):
 * - `pm2 start` of the ecosystem file serves a project kept elsewhere (ORCHESTRATOR_HOME: a temp
 *   folder with config.yaml, .env and a task file), with the fake claude, and `/health` answers;
 * - a `kill -9` of the orchestrator while a task runs: pm2 starts it again (a new pid,
 *   restart_time 1), `/health` answers again and the session is back from the state: the task
 *   interrupted by the restart, waiting for approval, and nothing the killed run started left
 *   running (the run marker in /proc);
 * - `pm2 stop` while the task runs again: the service stops cleanly on pm2's signal (exit 0,
 *   well within kill_timeout, no SIGKILL), the task interrupted by the shutdown and saved, the
 *   lock released, nothing left; then `pm2 delete` and `pm2 kill`.
 * The daemon has its own PM2_HOME and is ended in afterAll whatever happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stopDeadlineMs } from "../../src/cli/stop-deadline.js";
import { describeStateProblem, type SessionState } from "../../src/core/state.js";
import { ECOSYSTEM_FILE, loadEcosystem } from "../deploy/deploy-files.js";
import { processesWithMarker, stateWhere } from "../faults/fault-helpers.js";
import { liveProcesses } from "../support/live-processes.js";
import { FAKE_CLAUDE, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort } from "../support/start-service.js";
import { appLogLines, Pm2Daemon, type Pm2App } from "./pm2-daemon.js";

const APP = "orchestrator";
const SECRET = "pm2-suite-secret";
const KILL_GRACE_S = 2;
/** The ecosystem file's own figures: the restart waits restart_delay; a stop may take kill_timeout. */
const { restart_delay: RESTART_DELAY_MS, kill_timeout: KILL_TIMEOUT_MS } = loadEcosystem()[0];
/** kill -9 to `/health` answering again: restart_delay, then a start (about a second) and the recovery. */
const RESTART_BOUND_MS = RESTART_DELAY_MS + 15_000;

const task = (n: number, scenario: string) =>
  `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;

let pm2: Pm2Daemon | null = null;
let dir = "";
let url = "";
const figures: string[] = [];

beforeAll(async () => {
  // The run script's folder (swept on its exit: the last resort should this process die), else the tmpdir.
  const root = process.env.ORCH_PM2_TEST_ROOT;
  pm2 = await Pm2Daemon.create(root);
  dir = root ? await mkdtemp(path.join(root, "orch-pm2-project-")) : await tempDir("orch-pm2-project-");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await mkdir(path.join(dir, "rec"));
  // A task whose claude hangs with two grandchildren (one outside its process group) until ended.
  await writeFile(path.join(dir, "orchestrator_tasks", "t.md"), `# Tasks\n\n${task(1, "escaped_hang")}---\n\n${task(2, "success")}`);
  await writeFile(
    path.join(dir, "config.yaml"),
    `server:\n  host: 127.0.0.1\n  port: ${port}\norchestrator:\n  approval_mode: required\n  auto_approve: []\nclaude:\n  timeout: 120\n  idle_timeout: 120\n  kill_grace: ${KILL_GRACE_S}\n`,
  );
  // The secret from the project's .env: the ecosystem file hands it to node with --env-file.
  await writeFile(path.join(dir, ".env"), `WEBHOOK_SECRET=${SECRET}\n`);
});

afterAll(async () => {
  await pm2?.close();
  if (dir) {
    // Whatever a failed test left of the fake claude's runs.
    for (const pid of await liveProcesses({ pids: await recordedPids() })) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.PM2_FIGURES) process.stdout.write(`real-pm2 figures:\n${figures.join("\n")}\n`);
});

async function post(route: string, body: Record<string, unknown> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/webhook/${route}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A command the service takes; a 503 while it is still recovering from the restart is waited out (bounded). */
async function command(route: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await waitFor(async () => {
    const answer = await post(route, body);
    return answer.status === 503 ? undefined : answer;
  }, 15_000, `POST /webhook/${route} taken`);
  if (r.status !== 200) throw new Error(`POST /webhook/${route}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function healthOk(ms = 20_000): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
  }, ms, `GET ${url}/health answering 200`);
}

/** Pids of the fake claude runs and their grandchildren (FAKE_CLAUDE_RECORD). */
async function recordedPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const file of ["calls.jsonl", "grandchildren.jsonl"]) {
    const text = await readFile(path.join(dir, "rec", file), "utf8").catch(() => "");
    for (const line of text.split("\n").filter(Boolean)) {
      const r = JSON.parse(line) as { pid: number; grandchild_pid?: number };
      pids.push(r.grandchild_pid ?? r.pid);
    }
  }
  return pids;
}

/** Approves task 1 and waits until its claude and both grandchildren run under the service `pid`. */
async function runHangingTask(pid: number): Promise<SessionState> {
  await rm(path.join(dir, "rec", "grandchildren-ready.txt"), { force: true });
  await command("approve");
  await waitFor(
    async () => ((await readFile(path.join(dir, "rec", "grandchildren-ready.txt"), "utf8")).split("\n").filter(Boolean).length >= 2 ? true : undefined),
    15_000,
    "the fake claude's grandchildren",
  );
  // claude and its two grandchildren carry the service's run marker.
  await waitFor(async () => ((await processesWithMarker(`${pid}-`)).length === 3 ? true : undefined), 10_000, `3 processes with the run marker of ${pid}`);
  return stateWhere(dir, (s) => s.status === "running" && s.tasks[0]?.status === "running", "task 1 running");
}

// pm2's own process table and the run markers are read through /proc.
(existsSync("/proc/self/environ") ? describe : describe.skip)("deploy/ecosystem.config.cjs under a real pm2", () => {
  let first: Pm2App;

  it("pm2 start serves the project of ORCHESTRATOR_HOME with its .env, and /health answers", async () => {
    const started = Date.now();
    await pm2!.ok(["start", ECOSYSTEM_FILE], { ORCHESTRATOR_HOME: dir, CLAUDE_CLI_PATH: FAKE_CLAUDE, FAKE_CLAUDE_RECORD: path.join(dir, "rec") });
    const health = await healthOk();
    const upMs = Date.now() - started;
    expect(health).toMatchObject({ status: "ok", version: expect.any(String) });
    first = await pm2!.appWhere(APP, (a) => a.pm2_env.status === "online" && a.pid > 0, "the app online");
    expect(first.pm2_env.restart_time).toBe(0);
    expect(path.resolve(first.pm2_env.pm_cwd)).toBe(path.resolve(dir));
    expect(first.pm2_env.args[0]).toBe(`--env-file=${path.join(dir, ".env")}`);
    // pm2 took the ecosystem's stop settings: the orchestrator alone is signalled, then kill_timeout.
    expect(first.pm2_env).toMatchObject({ treekill: false, kill_timeout: KILL_TIMEOUT_MS });
    // The secret came from the .env (a wrong one is refused; the right one works).
    const wrong = await fetch(`${url}/webhook/status`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": "not-it" }, body: "{}" });
    expect(wrong.status).toBe(401);
    expect((await command("status")).status).toBe("idle");
    figures.push(`pm2 start to /health ok: ${upMs} ms`);
  });

  it("kill -9 of the orchestrator mid-task: pm2 restarts it, /health answers again, the session comes back with the task interrupted and nothing left running", async () => {
    expect(first).toBeDefined();
    await command("start", { task_file: "t.md" });
    await stateWhere(dir, (s) => s.status === "waiting_approval", "the session waiting for approval");
    await runHangingTask(first.pid);

    const killedAt = Date.now();
    process.kill(first.pid, "SIGKILL");
    const second = await pm2!.appWhere(APP, (a) => a.pid > 0 && a.pid !== first.pid && a.pm2_env.status === "online", "pm2 to start the app again", RESTART_BOUND_MS);
    await healthOk(RESTART_BOUND_MS);
    const restartMs = Date.now() - killedAt;
    expect(second.pm2_env.restart_time).toBe(1);
    expect(await liveProcesses({ pids: [first.pid] })).toEqual([]);
    // pm2 waited restart_delay before starting it again.
    expect(restartMs).toBeGreaterThanOrEqual(RESTART_DELAY_MS);
    expect(restartMs).toBeLessThan(RESTART_BOUND_MS);

    // The session is back from the state: the task the kill caught is interrupted by the restart,
    // waiting for a person, and what the killed run started was ended by the restart.
    // (The restart saves the task interrupted first, its run marker kept until what the marker
    // finds is ended, up to kill_grace later: the state is read once the marker is cleared.)
    await waitFor(async () => ((await processesWithMarker(`${first.pid}-`)).length === 0 ? true : undefined), 15_000, "the killed run's processes ended by the restart");
    const back = await stateWhere(dir, (s) => s.tasks[0]?.status === "interrupted" && s.tasks[0]?.run_marker == null, "task 1 interrupted after the restart, its leftovers ended");
    expect(describeStateProblem(back)).toBeNull();
    expect(back).toMatchObject({ status: "waiting_approval", current_task_index: 0 });
    expect(back.tasks[0]).toMatchObject({ status: "interrupted", pid: null, pgid: null, run_marker: null });
    expect(back.tasks[0]?.error).toBe("interrupted: the orchestrator stopped while this task ran (crash or restart)");
    expect(back.tasks[1]?.status).toBe("pending");
    expect(await liveProcesses({ pids: await recordedPids() })).toEqual([]);
    const status = await command("status");
    expect(status).toMatchObject({ status: "waiting_approval", current_task: { status: "interrupted" } });
    const lines = await appLogLines(second);
    expect(lines.some((l) => /left running by the interrupted run before the restart/.test(String(l.msg)))).toBe(true);
    first = second;
    figures.push(`kill -9 under pm2: /health again after ${restartMs} ms (restart_delay ${RESTART_DELAY_MS} ms), restart_time 1, session back waiting_approval, task 1 interrupted, 0 processes left`);
  });

  it("pm2 stop mid-task ends the service cleanly (exit 0 well within kill_timeout, state saved, nothing left); pm2 delete and pm2 kill", async () => {
    expect(first.pm2_env.restart_time).toBe(1);
    await runHangingTask(first.pid);
    const logBefore = (await pm2!.daemonLog()).length;

    const stopAt = Date.now();
    await pm2!.ok(["stop", APP]);
    const stopMs = Date.now() - stopAt;
    const stopped = await pm2!.appWhere(APP, (a) => a.pm2_env.status === "stopped", "the app stopped", 5000);
    expect(await liveProcesses({ pids: [first.pid] })).toEqual([]);
    // The service's own stop deadline (kill_grace + 10 s) and pm2's kill_timeout above it: never reached.
    expect(stopMs).toBeLessThan(stopDeadlineMs(KILL_GRACE_S));
    expect(stopMs).toBeLessThan(KILL_TIMEOUT_MS);
    const daemonSaid = (await pm2!.daemonLog()).slice(logBefore);
    expect(daemonSaid).toMatch(new RegExp(`App \\[${APP}:\\d+\\] exited with code \\[0\\]`));
    expect(daemonSaid).not.toMatch(/still alive after|SIGKILL/);
    const said = await appLogLines(stopped);
    const signal = said.filter((l) => /^received SIG[A-Z]+$/.test(String(l.msg))).map((l) => l.signal).at(-1);
    // pm2 7's stop signal (the ecosystem file cannot choose one; serve takes it as it takes SIGTERM).
    expect(signal).toBe("SIGINT");

    const after = await readState(dir);
    expect(describeStateProblem(after)).toBeNull();
    expect(after).toMatchObject({ status: "waiting_approval", current_task_index: 0 });
    expect(after.tasks[0]).toMatchObject({ status: "interrupted", pid: null, pgid: null, run_marker: null });
    expect(after.tasks[0]?.error).toBe("interrupted: the orchestrator stopped while this task ran (shutdown)");
    expect(existsSync(path.join(dir, "state.json.lock"))).toBe(false);
    expect(await processesWithMarker(`${first.pid}-`)).toEqual([]);
    expect(await liveProcesses({ pids: await recordedPids() })).toEqual([]);

    await pm2!.ok(["delete", APP]);
    expect(await pm2!.jlist()).toEqual([]);
    const daemon = await pm2!.daemonPid();
    expect(daemon).not.toBeNull();
    await pm2!.ok(["kill"]);
    // (Its parent is PID 1, which may reap late: a zombie counts as gone.)
    await waitFor(async () => ((await liveProcesses({ pids: [daemon!] })).length === 0 ? true : undefined), 10_000, "the pm2 daemon gone");
    figures.push(`pm2 stop mid-task: ${stopMs} ms (${signal}, exit 0; kill_timeout ${KILL_TIMEOUT_MS} ms), task 1 interrupted (shutdown), 0 processes left`);
  });
});
