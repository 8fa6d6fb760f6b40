/**
 * `orchestrator run --yes` stopped from outside (issue #8, defect 1): SIGINT / SIGTERM mid-task,
 * a second signal while stopping, a signal at a checkpoint prompt on a real terminal, a 10,000-task
 * file stopped between tasks, and a full disk at a checkpoint. Each time the process must exit
 * (130 for a signal, within claude.kill_grace; 1 with the reason for the full disk), leave no
 * process behind, keep the state loadable, and never log the same failure in a loop.
 *
 * Before the fix, the --yes loop dispatched `approve` again and again after shutdown began (each
 * refusal resolved at once), spinning in microtasks so app.close() never finished: the process
 * never exited, and on a full disk it logged ENOSPC about 2,000 times a second.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { execa, type ResultPromise } from "execa";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { BIN, FAKE_CLAUDE, isAlive, orchestratorBin, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { liveProcesses } from "../support/live-processes.js";
import { exitWithin, mountTmpfs, processesWithMarker } from "./fault-helpers.js";

const KILL_GRACE_S = 2;
/** The promise: exit within claude.kill_grace of the signal (a claude that ends on SIGTERM: ~20 ms). */
const PROMPT_EXIT_MS = KILL_GRACE_S * 1000;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function task(n: number, scenario = "success"): string {
  return `## Task ${n}: Step ${n}\n**Type:** backend\n**Requires Approval:** false\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n---\n`;
}

async function project(tasks: string, approval: "auto" | "required" = "auto"): Promise<string> {
  const dir = await tempDir("orch-interrupt-");
  dirs.push(dir);
  await writeFile(path.join(dir, "tasks.md"), `# Tasks\n\n${tasks}`);
  const policy = approval === "auto" ? "approval_mode: auto" : "approval_mode: required\n  auto_approve: []";
  await writeFile(path.join(dir, "config.yaml"), `orchestrator:\n  ${policy}\nclaude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\n`);
  return dir;
}

/** Resolves once the child's stdout (so far) matches `pattern`; fails after `ms`. */
function outputMatches(child: ResultPromise, pattern: RegExp, ms = 20_000): Promise<void> {
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${ms} ms; got: ${seen.slice(-500)}`)), ms);
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += String(chunk);
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Pids of the fake claude runs (and their grandchildren) recorded under `dir`/rec. */
async function recordedPids(dir: string): Promise<number[]> {
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

/** Starts `run tasks.md --yes` with the fake claude recording its pids, and waits for claude to be spawned. */
async function startRun(dir: string, env: Record<string, string> = {}): Promise<{ child: ReturnType<typeof orchestratorBin>; pgid: number }> {
  await rm(path.join(dir, "rec"), { recursive: true, force: true });
  await mkdir(path.join(dir, "rec"), { recursive: true });
  const child = orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir, env: { FAKE_CLAUDE_RECORD: path.join(dir, "rec"), ...env } });
  const pgid = await waitFor(async () => (await readState(dir)).tasks[0]?.pgid ?? undefined, 20_000, "claude spawned (a pgid in the state)");
  return { child, pgid };
}

/** Resolves within a few ms of `pid` exiting (gone or a zombie): polled often, the moment matters. */
async function exited(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (stat === "" || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not exit within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function nothingLeft(orchestratorPid: number, dir: string, pgid: number): Promise<void> {
  expect(await processesWithMarker(`${orchestratorPid}-`)).toEqual([]);
  expect(await liveProcesses({ pids: await recordedPids(dir), pgid })).toEqual([]);
}

describe("orchestrator run --yes stopped by a signal", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s mid-task: exit 130 within claude.kill_grace, the task interrupted, nothing left running", async (signal) => {
    const dir = await project(task(1, "hang") + task(2));
    const { child, pgid } = await startRun(dir);
    await new Promise((r) => setTimeout(r, 500)); // claude is up and hanging
    child.kill(signal);
    const r = await exitWithin(child, 15_000);
    const out = (await child).stdout;
    expect({ exitCode: r.exitCode, signal: r.signal }).toEqual({ exitCode: 130, signal: undefined });
    expect(r.elapsedMs).toBeLessThan(PROMPT_EXIT_MS);
    expect(out).toContain(`received ${signal}: stopping`);
    expect(out).toMatch(new RegExp(`Stopped by ${signal} at Task 1/2: Step 1 \\(interrupted\\)`));
    const state = await readState(dir);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks.map((t) => t.status)).toEqual(["interrupted", "pending"]);
    await nothingLeft(child.pid as number, dir, pgid);
  });

  it("a second SIGINT while stopping is answered, not obeyed: the child that ignores SIGTERM still gets SIGKILL, exit 130", async () => {
    // Node's default for a SIGINT nobody handles is to die at once, which left this claude (it
    // ignores SIGTERM) and its grandchild running for good, with the lock file behind.
    const dir = await project(task(1, "ignore_sigterm"));
    const { child, pgid } = await startRun(dir);
    await waitFor(async () => ((await recordedPids(dir)).length >= 2 ? true : undefined), 10_000, "the grandchild started");
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 400));
    child.kill("SIGINT");
    const r = await exitWithin(child, 20_000);
    const out = (await child).stdout;
    expect({ exitCode: r.exitCode, signal: r.signal }).toEqual({ exitCode: 130, signal: undefined });
    // SIGTERM is ignored, so the run ends at SIGKILL, kill_grace after the first signal.
    expect(r.elapsedMs).toBeLessThan(KILL_GRACE_S * 1000 + 1500);
    expect(out).toContain("received SIGINT again: already stopping");
    expect((await readState(dir)).tasks[0]?.status).toBe("interrupted");
    await expect(readFile(path.join(dir, "state.json.lock"))).rejects.toThrow(/ENOENT/);
    await nothingLeft(child.pid as number, dir, pgid);
  });

  it("a 10,000-task file stopped by SIGTERM between two tasks exits promptly, and no task runs on", async () => {
    // Quick tasks, so most signals land between two of them: the result being saved then used to
    // start the next task after shutdown began, and that run went on past the released lock.
    const dir = await project(Array.from({ length: 10_000 }, (_, i) => task(i + 1)).join(""));
    const child = orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir, env: { FAKE_CLAUDE_RECORD: path.join(dir, "rec") } });
    await mkdir(path.join(dir, "rec"), { recursive: true });
    await outputMatches(child, /Executing Task 4\/10000/, 40_000);
    // The moment that used to go wrong: task 4's claude has just exited, its result is not saved yet.
    const claude = await waitFor(async () => (await recordedPids(dir))[3], 10_000, "task 4's claude");
    await exited(claude, 10_000);
    child.kill("SIGTERM"); // (execa would send SIGKILL 5 s later: the bounds below are well inside that)
    const r = await exitWithin(child, 20_000);
    const out = (await child).stdout;
    expect({ exitCode: r.exitCode, signal: r.signal }).toEqual({ exitCode: 130, signal: undefined });
    expect(r.elapsedMs).toBeLessThan(PROMPT_EXIT_MS + 1000); // each save rewrites the whole state: 10,000 tasks
    // Task 4's result, saved after the signal, may still start task 5 inside the orchestrator (its
    // report path is not refused while closing); the run ends that one at once, before it can
    // do anything, and nothing after it starts. (Before the fix tasks went on starting, past the
    // released lock, until a kill.)
    const afterSignal = out.slice(out.indexOf("received SIGTERM"));
    expect(afterSignal.match(/Executing Task/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(afterSignal).not.toMatch(/Task [5-9]\/10000: Step \d+ complete/);
    expect(out.split("\n").length).toBeLessThan(200); // one line at the end, not the status of 10,000 tasks
    const state = await readState(dir);
    expect(state.tasks.some((t) => t.status === "running")).toBe(false);
    expect(state.tasks.filter((t) => t.status === "interrupted").length).toBeLessThanOrEqual(1);
    expect(state.tasks.filter((t) => t.status === "completed").length).toBeGreaterThanOrEqual(3);
    expect(state.tasks.filter((t) => t.status !== "pending").length).toBeLessThanOrEqual(5);
    expect((await recordedPids(dir)).length).toBeLessThanOrEqual(5);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a run started after the signal would be alive now
    expect(await processesWithMarker(`${child.pid}-`)).toEqual([]);
    expect(await liveProcesses({ pids: await recordedPids(dir) })).toEqual([]);
  });
});

describe("orchestrator run at a checkpoint prompt (a real terminal through script(1))", () => {
  /** `run tasks.md` on a pty; returns the script process and a promise of the prompt. */
  async function atPrompt(): Promise<{ dir: string; child: ResultPromise; orchestratorPid: number } | null> {
    const hasScript = await execa("script", ["--version"], { reject: false }).then((r) => r.exitCode === 0, () => false);
    if (!hasScript) {
      console.log("skipped: script(1) from util-linux is not installed, so there is no terminal to test on");
      return null;
    }
    const dir = await project(task(1) + task(2), "required");
    const child = execa("script", ["-qfec", `node ${BIN} run tasks.md`, "/dev/null"], {
      cwd: dir,
      reject: false,
      stdin: "pipe",
      env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, TERM: "dumb" },
    });
    await outputMatches(child, /\[q\]uit: /, 20_000);
    const orchestratorPid = Number((await readFile(path.join(dir, "state.json.lock"), "utf8")).trim().split(/\s/)[0]);
    return { dir, child, orchestratorPid };
  }

  it("Ctrl-C at the prompt stops the run: exit 130 with a clear line, not an unexpected AbortError", async () => {
    const session = await atPrompt();
    if (!session) return;
    session.child.stdin?.write("\x03"); // the terminal is in raw mode: readline gets the key, not SIGINT
    const r = await exitWithin(session.child, 10_000);
    const out = (await session.child).stdout;
    expect(out).not.toMatch(/unexpected error|AbortError/);
    expect(out).toContain("received SIGINT: stopping");
    expect(out).toContain("Stopped by SIGINT at Task 1/2: Step 1 (pending)");
    expect(r.exitCode).toBe(130);
    expect(r.elapsedMs).toBeLessThan(PROMPT_EXIT_MS);
    expect((await readState(session.dir)).status).toBe("waiting_approval");
  });

  it("Ctrl-D at the prompt is no answer: exit 3 with the state saved, as with no terminal", async () => {
    const session = await atPrompt();
    if (!session) return;
    session.child.stdin?.write("\x04");
    const r = await exitWithin(session.child, 10_000);
    const out = (await session.child).stdout;
    expect(out).not.toMatch(/unexpected error|AbortError/);
    expect(out).toMatch(/waits for approval: approval mode is required\. State saved; run again with --yes/);
    expect(r.exitCode).toBe(3);
    expect((await readState(session.dir)).status).toBe("waiting_approval");
  });

  it("SIGTERM while the prompt waits: exit 130, the checkpoint still saved", async () => {
    const session = await atPrompt();
    if (!session) return;
    process.kill(session.orchestratorPid, "SIGTERM");
    const r = await exitWithin(session.child, 10_000);
    expect(r.exitCode).toBe(130);
    expect(r.elapsedMs).toBeLessThan(PROMPT_EXIT_MS);
    expect((await session.child).stdout).toContain("Stopped by SIGTERM");
    expect(isAlive(session.orchestratorPid)).toBe(false);
    expect((await readState(session.dir)).status).toBe("waiting_approval");
  });
});

describe("orchestrator run --yes with a full disk at a checkpoint", () => {
  it("ends with the reason and exit 1 instead of retrying the approval in a loop; the state still loads", async () => {
    const { tmpfs, reason } = await mountTmpfs(256);
    if (!tmpfs) {
      console.log(`skipped: ${reason}`);
      return;
    }
    try {
      const dir = await project(task(1) + task(2), "required");
      const state = path.join(tmpfs.dir, "state.json");
      // Reach the checkpoint with space to spare: exit 3, the state saved on the small disk.
      expect((await orchestratorBin(["run", "tasks.md", "--state", state], { cwd: dir })).exitCode).toBe(3);
      // Fill it, then give back one page: enough for the lock file, not for a new state.
      await tmpfs.fill();
      const filler = path.join(tmpfs.dir, "filler");
      await execa("truncate", ["-s", "-4096", filler]);
      const child = orchestratorBin(["run", "tasks.md", "--yes", "--state", state], { cwd: dir });
      const r = await exitWithin(child, 15_000);
      const { stdout, stderr } = await child;
      expect(stderr).toMatch(/could not approve Task 1\/2: Step 1: .*ENOSPC.*run again with --yes/);
      expect(r.exitCode).toBe(1);
      const enospcLines = `${stdout}\n${stderr}`.split("\n").filter((l) => l.includes("ENOSPC")).length;
      expect(enospcLines).toBeLessThanOrEqual(10); // 4 today: backup refresh, the save, its last try at shutdown, the refusal (before: ~2,000/s)
      // The state on the full disk still loads, still at the checkpoint; with space back, --yes goes on.
      expect((await readState(tmpfs.dir)).status).toBe("waiting_approval");
      await tmpfs.free();
      const resumed = await orchestratorBin(["run", "tasks.md", "--yes", "--state", state], { cwd: dir });
      expect(resumed.exitCode).toBe(0);
      expect((await readState(tmpfs.dir)).tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    } finally {
      await tmpfs.unmount();
    }
  });
});
