/**
 * kill -9 of `orchestrator run --yes` at random moments (mid-task, mid-save, during start-up and
 * recovery), many times over one state file, as a person's machine would see it: a power cut or
 * the OOM killer. After every kill:
 * - the state loads: the offline `orchestrator status --json` (every few rounds and at the end),
 *   the store's own load of a copy of the state folder (every round; layout-agnostic: whatever
 *   files the store keeps beside state.json are copied too), and the next `run` itself (it must
 *   never find a corrupt file: no `.corrupt-*` ever appears);
 * - no finished task's result is lost: a task seen `completed` (or logged complete, which happens
 *   only after its save) stays completed with the same summary, cost, Claude session and time;
 * - nothing a killed run started is left once the next run has recovered (the run marker in /proc);
 * - a task the kill interrupted is not run again silently: the restart marks it interrupted and
 *   it waits for approval (`--yes` gives it; without it `run` exits 3: the second test).
 * Every third round runs under strace with every fsync delayed (a slow disk), so kills also land
 * inside a save (a temp file written, not yet renamed); without strace those rounds run plainly and
 * the reason is printed.
 * The store alone under SIGKILL is test/store/crash-safety.test.ts; this is the whole program.
 */
import { describe, it, expect, afterAll } from "@jest/globals";
import { execa, type ResultPromise } from "execa";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { describeStateProblem, type SessionState } from "../../src/core/state.js";
import { FileStateStore } from "../../src/store/state-store.js";
import { BIN, FAKE_CLAUDE, isAlive, orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

/** Rounds of start + kill -9 (about 1 s each on 2 cores). */
const ROUNDS = 28;
/**
 * A kill lands this long after the start (ms): start-up takes ~450 ms, a quick task ~80 ms, the
 * slow one 1.5 s. Every fifth round waits longer, so the slow task can also finish and sessions end.
 * On the slow disk everything takes about twice as long.
 */
function killAfterMs(round: number, slowDisk: boolean): number {
  const ms = round % 5 === 4 ? 2200 + Math.random() * 800 : 120 + Math.random() * 1300;
  return slowDisk ? 2 * ms + 300 : ms;
}
const TASKS = 10;
const SLOW_TASK = 6;
/** Each fsync of a "slow disk" round waits this long (µs, strace's delay_enter). */
const SLOW_FSYNC_US = 80_000;

/** One started `orchestrator run`: its output so far, its node pid, a kill -9, and its end. */
interface Round {
  out(): string;
  stderr(): string;
  nodePid(): Promise<number>;
  kill(): Promise<void>;
  /** Resolves once the orchestrator process is gone: whether it ended by itself, and its exit code then. */
  ended: Promise<{ byItself: boolean; exitCode: number | undefined }>;
}

/** Whether strace can run here (installed, and ptrace allowed); otherwise why not. */
async function straceUsable(): Promise<string | null> {
  const r = await execa("strace", ["-qq", "-f", "--seccomp-bpf", "-e", "trace=fsync", "-o", "/dev/null", "true"], { reject: false });
  if (r.exitCode === 0) return null;
  const why = r.exitCode === undefined ? "strace is not installed" : `strace cannot trace here: ${r.stderr.split("\n")[0]}`;
  return `${why}; the slow-disk rounds run at full speed`;
}

/** strace's tracee: its child running the orchestrator (strace first forks short-lived test children of its own). */
async function tracee(stracePid: number): Promise<number> {
  return waitFor(async () => {
    const children = (await readFile(`/proc/${stracePid}/task/${stracePid}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
    for (const c of children) {
      // Those test children run strace's own image (argv[0] "strace"); the tracee has exec'd node.
      const argv = (await readFile(`/proc/${c}/cmdline`, "utf8").catch(() => "")).split("\0");
      if (path.basename(argv[0] ?? "") === "node" && argv[1] === BIN) return Number(c);
    }
    return undefined;
  }, 5000, `the orchestrator under strace ${stracePid}`);
}

/** strace processes of killed rounds: each ends once its last tracee (an orphaned claude) is gone. */
const tracers: ResultPromise[] = [];

function startRound(args: string[], cwd: string, slowDisk: boolean): Round {
  let out = "";
  let err = "";
  let killed = false;
  const child = slowDisk
    ? execa(
        "strace",
        ["-qq", "-f", "--seccomp-bpf", "-o", "/dev/null", "-e", "trace=fsync,fdatasync", "-e", `inject=fsync,fdatasync:delay_enter=${SLOW_FSYNC_US}`, "node", BIN, ...args],
        { cwd, reject: false, stdin: "ignore", env: { CLAUDE_CLI_PATH: FAKE_CLAUDE } },
      )
    : orchestratorBin(args, { cwd });
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const nodePid = slowDisk ? tracee(child.pid!) : Promise.resolve(child.pid!);
  void nodePid.then((pid) => startedPids.push(pid));
  let ended: Round["ended"];
  if (slowDisk) {
    tracers.push(child);
    // strace waits for every tracee, an orphaned claude too: the round ends when node is gone.
    ended = (async () => {
      const pid = await nodePid;
      let exited: { exitCode?: number } | null = null;
      void child.then((r) => (exited = r));
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        if (exited) return { byItself: !killed, exitCode: (exited as { exitCode?: number }).exitCode };
        if (killed && !isAlive(pid)) return { byItself: false, exitCode: undefined };
      }
      throw new Error(`the orchestrator ${pid} under strace did not end within 30 s`);
    })();
  } else {
    ended = child.then((r) => ({ byItself: r.signal !== "SIGKILL", exitCode: r.exitCode }));
  }
  return {
    out: () => out,
    // strace's own complaints ("strace: ...") are not the orchestrator's.
    stderr: () => err.replace(/^strace: .*\n?/gm, ""),
    nodePid: () => nodePid,
    kill: async () => {
      killed = true;
      // ESRCH: it ended by itself a moment ago.
      killQuietly(await nodePid);
    },
    ended,
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

const dirs: string[] = [];
/** Pids of every orchestrator started, so a failed test leaves none running. */
const startedPids: number[] = [];
afterAll(async () => {
  // Only a pid still running our bin on one of our temp folders: a pid of a process that ended may be someone else's now.
  for (const pid of startedPids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(BIN) && dirs.some((d) => cmdline.includes(d))) killQuietly(pid);
  }
  for (const t of tracers.splice(0)) await exitWithin(t, 10_000).catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Quick tasks, and one of 1.5 s, so kills land inside a running claude too. */
function taskFile(): string {
  const parts = Array.from({ length: TASKS }, (_, i) => {
    const scenario = i + 1 === SLOW_TASK ? "slow" : "success";
    return `## Task ${i + 1}: Step ${i + 1}\n**Type:** backend\n**Description:** step ${i + 1}\n**Claude Instruction:**\nDo step ${i + 1}.\nFAKE_CLAUDE: ${scenario}\n`;
  });
  return `# Tasks - crash integrity\n\n${parts.join("\n---\n\n")}`;
}

interface LogLine {
  event?: string;
  task?: number;
  msg?: string;
  level?: number;
}

function parseLines(out: string): LogLine[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return {};
      }
    });
}

/** What a finished task must keep for good. */
interface Finished {
  summary: string | null;
  cost_usd: number | null;
  claude_session_id: string | null;
  completed_at: string | null;
}

/** The store's own load, on a copy of the whole state folder (so this check never repairs or locks the real one). */
async function loadCopy(stateDir: string, scratch: string): Promise<{ state: SessionState; warnings: string[] }> {
  await rm(scratch, { recursive: true, force: true });
  await cp(stateDir, scratch, { recursive: true });
  await rm(path.join(scratch, "state.json.lock"), { force: true });
  const warnings: string[] = [];
  const store = new FileStateStore(path.join(scratch, "state.json"), { clock: systemClock, onWarning: (m) => warnings.push(m) });
  return { state: await store.load(), warnings };
}

/** The person's read: `orchestrator status --json` with no service (PORT=1: nothing answers there). */
async function statusJson(cwd: string, stateFile: string): Promise<SessionState | null> {
  const r = await orchestratorBin(["status", "--json", "--state", stateFile], { cwd, env: { PORT: "1" } });
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  return JSON.parse(r.stdout) as SessionState | null;
}

describe("kill -9 at random moments", () => {
  it(`the state always loads and no finished task is lost (${ROUNDS} kills)`, async () => {
    const dir = await tempDir("orch-crash-");
    dirs.push(dir);
    const stateDir = path.join(dir, "state");
    await mkdir(stateDir);
    const stateFile = path.join(stateDir, "state.json");
    const logs = path.join(dir, "logs");
    const tasks = path.join(dir, "tasks.md");
    await writeFile(tasks, taskFile());
    const scratch = path.join(dir, "scratch");

    const finished = new Map<string, Finished>();
    /** Pids of killed runs whose leftovers have not yet been checked after a recovery. */
    let unchecked: number[] = [];
    const allPids: number[] = [];
    // Assigned inside observe(): declared so TypeScript does not narrow it to null for good.
    let last = null as SessionState | null;
    const noStrace = await straceUsable();
    if (noStrace) process.stderr.write(`crash-integrity: ${noStrace}\n`);
    const figures = { rounds: 0, slowDiskRounds: 0, killedWhileTaskRan: 0, killedInsideSave: 0, resumed: 0, newSessions: 0, completedSeen: 0, leftoversAfterRecovery: 0 };

    const observe = (state: SessionState, where: string, passedNew: boolean) => {
      expect(describeStateProblem(state)).toBeNull();
      if (last?.session_id && state.session_id !== last.session_id) {
        // Only `--new` (after a completed session) may replace a session.
        expect({ where, replacedSession: last.session_id, passedNew }).toEqual({ where, replacedSession: last.session_id, passedNew: true });
        figures.newSessions++;
      }
      for (const t of state.tasks) {
        const key = `${state.session_id}#${t.id}`;
        const before = finished.get(key);
        if (before) {
          expect({ where, task: t.id, status: t.status, summary: t.summary, cost_usd: t.cost_usd, claude_session_id: t.claude_session_id, completed_at: t.completed_at }).toEqual({ where, task: t.id, status: "completed", ...before });
        } else if (t.status === "completed") {
          finished.set(key, { summary: t.summary, cost_usd: t.cost_usd, claude_session_id: t.claude_session_id, completed_at: t.completed_at });
        }
      }
      last = state;
    };

    for (let round = 0; round < ROUNDS; round++) {
      const passedNew = last?.status === "completed";
      const args = ["run", tasks, "--yes", "--state", stateFile, "--logs", logs, ...(passedNew ? ["--new"] : [])];
      const slowDisk = noStrace === null && round % 3 === 2;
      const run = startRound(args, dir, slowDisk);
      const pid = await run.nodePid();
      allPids.push(pid);
      // Set from the poll below: declared so TypeScript does not narrow it to null for good.
      let leftoverScan = null as Promise<number[]> | null;
      const previous = unchecked;
      // "Resuming session" is printed once Orchestrator.open resolved, i.e. after recovery ended the previous runs' leftovers.
      const watch = setInterval(() => {
        if (!leftoverScan && run.out().includes("Resuming session")) {
          leftoverScan = Promise.all(previous.map((p) => processesWithMarker(`${p}-`))).then((l) => l.flat());
        }
      }, 5);
      const timer = setTimeout(() => void run.kill(), killAfterMs(round, slowDisk));
      const r = await run.ended;
      clearTimeout(timer);
      clearInterval(watch);
      figures.rounds++;
      if (slowDisk) figures.slowDiskRounds++;
      const out = run.out();
      const lines = parseLines(out);
      // Never "unexpected error", never a corrupt state found, never a refusal to start.
      expect({ round, stderr: run.stderr() }).toEqual({ round, stderr: "" });
      expect(lines.filter((l) => /corrupt/i.test(l.msg ?? "")).map((l) => l.msg)).toEqual([]);
      if (r.byItself) {
        // It finished before the kill: the session completed (exit 0).
        expect({ round, exitCode: r.exitCode }).toEqual({ round, exitCode: 0 });
      }

      // Leftovers of earlier kills are gone once this run has recovered.
      if (leftoverScan) {
        const left = await leftoverScan;
        figures.leftoversAfterRecovery += left.length;
        expect({ round, leftAfterRecovery: left }).toEqual({ round, leftAfterRecovery: [] });
        unchecked = [];
        figures.resumed++;
      }
      unchecked.push(pid);

      // A task the previous kill caught running: interrupted at this restart, waiting before it runs again.
      if (last?.status === "running" && leftoverScan) {
        const n = last.current_task_index + 1;
        const interrupted = lines.findIndex((l) => l.event === "task_interrupted" && l.task === n && /restart/.test(l.msg ?? ""));
        const waited = lines.findIndex((l) => l.event === "approval_needed" && l.task === n);
        const started = lines.findIndex((l) => l.event === "task_started" && l.task === n);
        expect({ round, task: n, interrupted: interrupted >= 0, waitedFirst: waited > interrupted, startedAfter: started === -1 || started > waited }).toEqual({
          round,
          task: n,
          interrupted: true,
          waitedFirst: true,
          startedAfter: true,
        });
      }

      const names = await readdir(stateDir);
      if (names.some((n) => /\.tmp/.test(n))) figures.killedInsideSave++;
      expect(names.filter((n) => /corrupt/.test(n))).toEqual([]);
      if (!names.includes("state.json")) {
        // Killed before the first save of the first round: nothing to load yet.
        expect(last).toBeNull();
        continue;
      }
      const { state, warnings } = await loadCopy(stateDir, scratch);
      expect({ round, warnings }).toEqual({ round, warnings: [] });
      if (state.status === "running") figures.killedWhileTaskRan++;
      observe(state, `round ${round} (store load)`, passedNew);
      // What this run logged as complete was saved first: it is in the state.
      for (const l of lines.filter((x) => x.event === "task_completed")) {
        expect({ round, task: l.task, status: state.tasks[(l.task ?? 0) - 1]?.status }).toEqual({ round, task: l.task, status: "completed" });
      }
      if (round % 6 === 5) observe((await statusJson(dir, stateFile))!, `round ${round} (status --json)`, false);
    }

    // The last run goes to the end, undisturbed, from what the kills left.
    const passedNew = last?.status === "completed";
    const finalRun = orchestratorBin(["run", tasks, "--yes", "--state", stateFile, "--logs", logs, ...(passedNew ? ["--new"] : [])], { cwd: dir });
    allPids.push(finalRun.pid!);
    const final = await finalRun;
    expect({ exitCode: final.exitCode, stderr: final.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const end = (await statusJson(dir, stateFile))!;
    observe(end, "final status --json", passedNew);
    expect(end.status).toBe("completed");
    expect(end.tasks.map((t) => t.status)).toEqual(Array(TASKS).fill("completed"));
    expect((await readdir(stateDir)).filter((n) => /corrupt|\.tmp/.test(n))).toEqual([]);

    // Nothing any run started is still running, and every tracer has ended with its tracees.
    for (const t of tracers.splice(0)) await exitWithin(t, 10_000);
    const left = (await Promise.all(allPids.map((p) => processesWithMarker(`${p}-`)))).flat();
    expect(left).toEqual([]);

    figures.completedSeen = finished.size;
    if (process.env.FAULT_FIGURES) process.stderr.write(`crash-integrity figures: ${JSON.stringify(figures)}\n`);
    // Enough kills landed where it hurts for the test to mean something.
    expect(figures.killedWhileTaskRan).toBeGreaterThan(2);
    expect(figures.resumed).toBeGreaterThan(ROUNDS / 3);
    expect(figures.completedSeen).toBeGreaterThan(TASKS);
  });

  it("a kill while a task runs: after the restart nothing of it runs and the task waits for a person", async () => {
    const dir = await tempDir("orch-crash-mid-");
    dirs.push(dir);
    const stateFile = path.join(dir, "state.json");
    const tasks = path.join(dir, "tasks.md");
    // The claude of task 1 works until a gate file appears, which never happens: only an end from outside stops it.
    await writeFile(tasks, "# Tasks\n\n## Task 1: Long\n**Description:** long\nFAKE_CLAUDE: gate\n\n---\n\n## Task 2: Next\n**Description:** next\nFAKE_CLAUDE: success\n");
    const env = { FAKE_CLAUDE_GATE: path.join(dir, "gate-never") };
    const first = orchestratorBin(["run", tasks, "--yes", "--state", stateFile], { cwd: dir, env });
    startedPids.push(first.pid!);
    await waitFor(async () => ((await statusJson(dir, stateFile))?.tasks[0]?.pid ? true : undefined), 10_000, "task 1's claude to start");
    first.kill("SIGKILL");
    await first;

    // With no terminal and no --yes, the restart stops at the interrupted task (exit 3); nothing of
    // the killed run is left (what outlives its claude in a session of its own: test/faults/ of defect #2).
    const second = await orchestratorBin(["run", tasks, "--state", stateFile], { cwd: dir, env });
    expect({ exitCode: second.exitCode, stderr: second.stderr }).toEqual({ exitCode: 3, stderr: "" });
    expect(await processesWithMarker(`${first.pid}-`)).toEqual([]);
    const s = (await statusJson(dir, stateFile))!;
    expect({ status: s.status, task: s.tasks[0]?.status, attempts: s.tasks[0]?.attempts, next: s.tasks[1]?.status }).toEqual({ status: "waiting_approval", task: "interrupted", attempts: 1, next: "pending" });
    expect(s.waiting_reason).toMatch(/interrupted/);
    expect(second.stdout).toMatch(/interrupted/);
  });
});
