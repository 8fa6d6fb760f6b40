/**
 * Faults around informed checkpoints (snapshots, Verify commands, rollback, cancel), injected into
 * the real orchestrator driven as a process from outside, on a real git repository (isolated from
 * the machine's git configuration) with the fake claude:
 * - kill -9 of `orchestrator run --yes` while a Verify command runs that ignores SIGTERM, with a
 *   grandchild in its group and one that left it (setsid): the restart ends them all (they carry
 *   the task's run marker) before it takes commands; the task is interrupted and waits;
 * - kill -9 of `serve` in the middle of a rollback (its git held at the step that writes files back,
 *   see held-git.sh): the restart finishes it, and the work tree equals the task's before-snapshot
 *   byte for byte; the person's index, HEAD and branches untouched, no git process left;
 * - a git repository that cannot be used before a task (a corrupt HEAD, a read-only object store;
 *   and, which must not matter, the person's index.lock held): Claude is not started, the task
 *   fails naming git and what to do, the service keeps answering, and /retry works once fixed;
 * - a Verify command printing 100 MB: verification completes, memory bounded, the log holds it all;
 * - a full disk (a small tmpfs, root only) under the repository while the snapshot before or after
 *   Claude's run is taken, and under the logs while the verify log is written: a clear reason, the
 *   state loads, no hang;
 * - /cancel while a SIGTERM-ignoring Verify command runs: answered within kill_grace + a margin,
 *   the task interrupted "cancelled by …", nothing left.
 * The figures go to RELIABILITY.md; `FAULT_FIGURES=1` prints them.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { hashTree, isolatedEnv, personState, type TestRepo } from "../git/git-test-repo.js";
import { orchestratorBin, readState, REPO, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { exitWithin, mountTmpfs, processesWithMarker, type Tmpfs } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
const root = process.getuid?.() === 0;
const SECRET = "checkpoint-fault-secret";
const KILL_GRACE_S = 1;
/** Past kill_grace: the group kill, the marker sweep and a save, on a loaded machine. */
const MARGIN_MS = 3000;
const COMMANDS = path.join(REPO, "test/faults/checkpoint-commands.mjs");
/** The wording of a task whose snapshot failed (src/orchestrator/task-runs.ts). */
const SNAPSHOT_FAILED = /^could not snapshot the work tree before the task, so it was not started: .+ Fix the repository, or set git\.enabled: false to run without snapshots\.$/s;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`checkpoints.test.ts figures:\n${figures.join("\n")}\n`);
});

/** Orchestrators this file started, and the run markers seen: whatever a failed test left is killed after it. */
const started: Array<{ kill(signal: NodeJS.Signals): unknown; pid?: number }> = [];
const markers: string[] = [];
function track<T extends { kill(signal: NodeJS.Signals): unknown; pid?: number }>(child: T): T {
  started.push(child);
  return child;
}
afterEach(async () => {
  for (const child of started.splice(0)) {
    child.kill("SIGKILL");
    markers.push(`${child.pid}-`);
  }
  for (const m of markers.splice(0)) {
    for (const pid of await processesWithMarker(m)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
});

interface Project {
  /** The git work tree (claude.project_dir). */
  repo: string;
  /** The orchestrator's folder and cwd: config.yaml, orchestrator_tasks/, state.json, logs. */
  orch: string;
  /** FAKE_CLAUDE_RECORD: calls.jsonl. */
  rec: string;
  env: Record<string, string>;
  git(args: string[]): Promise<string>;
  /** What a person sees of their repository (index, HEAD, branches, stash, status, config). */
  person(): Promise<Record<string, string>>;
  /** The fake claude's calls so far. */
  calls(): Promise<number>;
}

/**
 * A repository in `<repoIn>/repo` (a fresh temp folder by default) with `files` committed, and the
 * orchestrator's folder beside it: its own files never show in what a task changed. `tasks` goes
 * to orchestrator_tasks/tasks.md. Verification failures are not sent back to Claude (verify_retries: 0).
 */
async function project(tasks: string, opts: { repoIn?: string; files?: Record<string, string> } = {}): Promise<Project> {
  const base = await tempDir("orch-fault-ckpt-");
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const repo = path.join(opts.repoIn ?? base, "repo");
  const orch = path.join(base, "orch");
  const rec = path.join(base, "rec");
  for (const d of [repo, path.join(orch, "orchestrator_tasks"), rec]) await mkdir(d, { recursive: true });
  const gitEnv = isolatedEnv(`${base}:${path.dirname(repo)}`);
  const git = async (args: string[]) => (await execa("git", args, { cwd: repo, env: gitEnv, extendEnv: false, stdin: "ignore", stripFinalNewline: false })).stdout;
  await git(["init", "-q", "-b", "main"]);
  await git(["config", "user.name", "Test Person"]);
  await git(["config", "user.email", "person@example.com"]);
  for (const [rel, content] of Object.entries({ "README.md": "# Project\n", ...opts.files })) {
    await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
    await writeFile(path.join(repo, rel), content);
  }
  await git(["add", "-A"]);
  await git(["commit", "-q", "--no-gpg-sign", "-m", "initial"]);
  const claude = `claude:\n  project_dir: ${JSON.stringify(repo)}\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\n`;
  await writeFile(path.join(orch, "config.yaml"), `${claude}orchestrator:\n  approval_mode: auto\n  verify_retries: 0\n`);
  await writeFile(path.join(orch, "orchestrator_tasks", "tasks.md"), `# Tasks\n\n${tasks}`);
  const env = { ...gitEnv, WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: rec, FAKE_CLAUDE_SESSIONS: path.join(base, "sessions") };
  const testRepo = { dir: repo, git } as unknown as TestRepo;
  return {
    repo,
    orch,
    rec,
    env,
    git,
    person: () => personState(testRepo),
    calls: async () => (await readFile(path.join(rec, "calls.jsonl"), "utf8").catch(() => "")).split("\n").filter(Boolean).length,
  };
}

const TASK_FILE = "orchestrator_tasks/tasks.md";

/** A task in markdown: its Verify line (if any) and the fake claude's directives (FAKE_CLAUDE_WRITE: …). */
const task = (n: number, o: { verify?: string; claude?: string[] } = {}) =>
  `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n${o.verify ? `**Verify:** ${o.verify}\n` : ""}**Claude Instruction:**\nDo step ${n}.\n${(o.claude ?? []).join("\n")}\n`;

const post = async (service: RunningService, route: string, body: Record<string, unknown> = {}, timeoutMs = 15_000) => {
  const t0 = performance.now();
  const res = await fetch(`${service.url}/webhook/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs), // an answer that does not come is a failure, not a hang
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, ms: performance.now() - t0 };
};

async function serve(p: Project, args: string[] = []): Promise<RunningService> {
  const service = await startService(p.orch, p.env, args);
  track(service.process);
  return service;
}

/** Polls the state file until `check` holds. */
const stateWhere = (p: Project, check: (s: SessionState) => boolean, what: string, ms = 20_000) =>
  waitFor(async () => {
    const s = await readState(p.orch);
    return check(s) ? s : undefined;
  }, ms, what);

/** The whole saved state, read the way a person would with the service stopped. */
async function savedState(p: Project, args: string[] = []): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json", ...args], { cwd: p.orch, env: { ...p.env, PORT: "1" } });
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as SessionState;
}

/** The pids a `stubborn` Verify command wrote, once all three ignore SIGTERM. */
const stubbornPids = (file: string) =>
  waitFor(async () => JSON.parse(await readFile(file, "utf8")) as { pid: number; in_group: number; escaped: number }, 20_000, "the stubborn verify command and its grandchildren");

/** Live processes whose cwd is inside `dir` (what a killed orchestrator's git children would be). */
async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
    const st = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (st && !/\) Z /.test(st)) found.push(Number(entry));
  }
  return found;
}

/** Peak VmRSS (KB) of `pid` while `during` runs, sampled every 50 ms. */
async function peakRss<T>(pid: number | undefined, during: Promise<T>): Promise<{ result: T; peakKb: number }> {
  let peakKb = 0;
  const sampler = setInterval(() => {
    void readFile(`/proc/${pid}/status`, "utf8")
      .then((s) => (peakKb = Math.max(peakKb, Number(/^VmRSS:\s+(\d+)/m.exec(s)?.[1] ?? 0))))
      .catch(() => undefined);
  }, 50);
  try {
    return { result: await during, peakKb };
  } finally {
    clearInterval(sampler);
  }
}

async function smallDisk(kb: number, test: string): Promise<Tmpfs | null> {
  const { tmpfs, reason } = await mountTmpfs(kb);
  if (!tmpfs) {
    process.stdout.write(`checkpoints.test.ts: "${test}" skipped: ${reason}\n`);
    return null;
  }
  cleanups.push(() => tmpfs.unmount());
  return tmpfs;
}

// Skipped where there is no /proc (not Linux): run markers and process groups are found through it.
(linux ? describe : describe.skip)("checkpoints: snapshots, Verify, rollback and cancel under faults", () => {
  it("kill -9 of `run --yes` while a SIGTERM-ignoring Verify command runs: the restart ends it and its grandchildren before taking commands", async () => {
    const p = await project("");
    const pidFile = path.join(p.rec, "verify-pids.json");
    await writeFile(path.join(p.orch, TASK_FILE), `# Tasks\n\n${task(1, { verify: `node ${COMMANDS} stubborn ${pidFile}`, claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] })}\n---\n\n${task(2)}`);
    const crashed = track(orchestratorBin(["run", TASK_FILE, "--yes"], { cwd: p.orch, env: p.env }));
    const pids = await stubbornPids(pidFile);
    const running = await stateWhere(p, (s) => s.tasks[0]?.phase === "verifying", "the verifying phase saved");
    expect(running.tasks[0]).toMatchObject({ status: "running", phase: "verifying", pid: null });
    const marker = running.tasks[0]?.run_marker as string;
    expect(marker.startsWith(`${crashed.pid}-`)).toBe(true);
    markers.push(marker);
    expect((await processesWithMarker(marker)).sort()).toEqual([pids.pid, pids.in_group, pids.escaped].sort());

    crashed.kill("SIGKILL");
    await crashed;
    expect((await processesWithMarker(marker)).sort()).toEqual([pids.pid, pids.in_group, pids.escaped].sort()); // all outlived it

    const t0 = Date.now();
    const restartRun = track(orchestratorBin(["run", TASK_FILE], { cwd: p.orch, env: p.env }));
    const restart = await exitWithin(restartRun, 30_000);
    const restartMs = Date.now() - t0;
    expect(restart.exitCode).toBe(3); // no terminal: recovered, then waits for a person
    expect(await processesWithMarker(marker)).toEqual([]);
    expect(await processesWithMarker(`${crashed.pid}-`)).toEqual([]);
    const state = await readState(p.orch);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[0]).toMatchObject({
      status: "interrupted",
      attempts: 1,
      phase: null,
      run_marker: null,
      error: "interrupted: the orchestrator stopped while this task ran (crash or restart)",
    });
    // What Claude changed before the crash is kept: the person can diff it or roll it back.
    expect(state.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["src/app.js"]);
    expect(state.tasks[0]?.git?.base).toMatch(/^[0-9a-f]{40}$/);
    expect(state.tasks[1]).toMatchObject({ status: "pending", attempts: 0 });
    const { stdout } = await restartRun;
    expect(stdout).toMatch(/ended 3 process\(es\) left running by the interrupted run before the restart \(SIGKILL after it ignored SIGTERM\)/);
    figures.push(`kill -9 of run during a SIGTERM-ignoring Verify command (+ grandchild in its group + setsid grandchild): 3 processes outlived it, 0 left after the restart (recovery + exit 3 in ${restartMs} ms, kill_grace ${KILL_GRACE_S} s)`);
  });
  it("kill -9 of `serve` in the middle of a rollback: the restart finishes it, and the tree equals the before-snapshot byte for byte", async () => {
    const GENERATED = 2_000;
    const TRACKED = 300;
    const tracked = Object.fromEntries(Array.from({ length: TRACKED }, (_, i) => [`tracked/t${i}.txt`, `tracked ${i}\n`]));
    const p = await project(
      task(1, {
        // A build writing into the tree: GENERATED new files, every file under tracked/ rewritten.
        verify: `node ${COMMANDS} files ${GENERATED}`,
        claude: ["FAKE_CLAUDE_WRITE: src/feature.js export const feature = 1;\\n", "FAKE_CLAUDE_WRITE: README.md # Project\\n\\nWith a feature.\\n", "FAKE_CLAUDE_DELETE: old.txt"],
      }),
      { files: { ...tracked, "old.txt": "old\n", ".gitignore": "build/\n" } },
    );
    // The person's own work before the session: a change, an untracked file, an ignored one, a staged one.
    await writeFile(path.join(p.repo, "README.md"), "# Project\n\nMy uncommitted note.\n");
    await mkdir(path.join(p.repo, "notes"));
    await writeFile(path.join(p.repo, "notes", "todo.txt"), "my todo\n");
    await mkdir(path.join(p.repo, "build"));
    await writeFile(path.join(p.repo, "build", "cache.bin"), "\u0000\u0001binary");
    await writeFile(path.join(p.repo, "staged.txt"), "staged by me\n");
    await p.git(["add", "staged.txt"]);
    const before = await hashTree(p.repo);
    const personBefore = await p.person();

    // The first service's git is held at the rollback's checkout-index (see held-git.sh): by then
    // the rollback has deleted what the task added, and not yet written back what it changed.
    const bin = path.join(p.rec, "bin");
    await mkdir(bin);
    await writeFile(path.join(bin, "git"), `#!/bin/sh\nexec sh ${JSON.stringify(path.join(REPO, "test/faults/held-git.sh"))} "$@"\n`, { mode: 0o755 });
    const hold = path.join(p.rec, "held-git.pid");
    cleanups.push(async () => process.kill(Number(await readFile(hold, "utf8")), "SIGKILL")); // if the test failed before it did
    const realGit = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
    const first = await startService(p.orch, { ...p.env, PATH: `${bin}:${process.env.PATH}`, CKPT_GIT_HOLD: hold, CKPT_REAL_GIT: realGit });
    track(first.process);
    expect((await post(first, "start", { task_file: "tasks.md" })).status).toBe(200);
    await stateWhere(p, (s) => s.status === "completed", "the task to complete", 60_000);
    const t0 = Date.now();
    const answer = post(first, "rollback", { task: 1, confirm: true }, 120_000).catch((e: Error) => e);
    const heldGit = await waitFor(async () => Number(await readFile(hold, "utf8")) || undefined, 30_000, "the rollback to reach checkout-index");
    const heldAfterMs = Date.now() - t0;
    first.process.kill("SIGKILL");
    await first.process;
    process.kill(heldGit, "SIGKILL"); // the held git (a real one would run to its end by itself)
    // The POST never got its answer: the service died under it (fetch fails; a TypeError of another realm).
    expect(String(await answer)).toMatch(/fetch failed/);
    // Half restored: the task's new files are gone, what it changed is not back yet.
    expect(existsSync(path.join(p.repo, "gen"))).toBe(false);
    expect(existsSync(path.join(p.repo, "src", "feature.js"))).toBe(false);
    expect(existsSync(path.join(p.repo, "old.txt"))).toBe(false);
    expect(await readFile(path.join(p.repo, "tracked", "t0.txt"), "utf8")).toMatch(/^rewritten by the build/);
    expect((await readState(p.orch)).rollback_pending).toBe(0);

    const t1 = Date.now();
    const second = await serve(p);
    const state = await stateWhere(p, (s) => (s.rollback_pending ?? null) === null && s.tasks[0]?.status === "rolled_back", "the restart to finish the rollback", 60_000);
    const finishMs = Date.now() - t1;
    expect(state).toMatchObject({ status: "waiting_approval", current_task_index: 0 });
    expect(state.tasks[0]).toMatchObject({ status: "rolled_back", files_changed: [] });
    // Byte for byte as before the session, the person's uncommitted, staged and ignored work included.
    expect(await hashTree(p.repo)).toEqual(before);
    expect(await p.person()).toEqual(personBefore);
    // The person hears the outcome: what the finished rollback restored.
    const told = await waitFor(async () => /rolled back: (\d+) files? restored, (\d+) removed/.exec(second.output()) ?? undefined, 10_000, "the rollback's message");
    expect(Number(told[1])).toBeGreaterThanOrEqual(TRACKED + 2); // tracked/, README.md, old.txt
    // Nothing of the killed service's git is left running in the repository.
    expect(await processesIn(p.repo)).toEqual([]);
    expect(await processesWithMarker(`${first.process.pid}-`)).toEqual([]);
    const litter = (await readdir(path.join(p.repo, ".git"))).filter((n) => n.startsWith("orchestrator-index-"));
    expect((await post(second, "status")).status).toBe(200);
    expect((await second.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]?.status).toBe("rolled_back");
    expect(await processesWithMarker(`${second.process.pid}-`)).toEqual([]);
    const fsck = await execa("git", ["fsck", "--no-progress", "--no-dangling"], { cwd: p.repo, env: p.env, extendEnv: false, reject: false });
    expect(fsck.stderr).toBe("");
    expect(fsck.exitCode).toBe(0);
    figures.push(`kill -9 of serve mid-rollback (${GENERATED} files added + ${TRACKED} rewritten by the task; killed ${heldAfterMs} ms after the POST, with the added files deleted and nothing written back yet): the restart finished it in ${finishMs} ms ("${told[0]}"); tree equal byte for byte, the person's index/HEAD/branches/stash unchanged, git fsck clean, 0 git processes left; ${litter.length} private index file(s) of the killed service left in .git`);
  });
  /** Ways a repository becomes unusable between the service's start and a task; each with its undo. */
  const brokenRepos: Array<{ name: string; rootOnly: boolean; reason: RegExp; breakIt(p: Project): Promise<() => Promise<void>> }> = [
    {
      name: "a corrupt HEAD",
      rootOnly: false,
      reason: /git .*failed in .* \(exit 128\): fatal: not a git repository/,
      async breakIt(p) {
        const head = path.join(p.repo, ".git", "HEAD");
        const good = await readFile(head);
        await writeFile(head, "garbage\n");
        return () => writeFile(head, good);
      },
    },
    {
      name: "a read-only object store",
      rootOnly: true, // chmod does not stop root: a read-only bind mount does
      reason: /git .*failed in .*(Read-only file system|insufficient permission)/,
      async breakIt(p) {
        const objects = path.join(p.repo, ".git", "objects");
        await execa("mount", ["--bind", objects, objects]);
        let mounted = true;
        const undo = async () => {
          if (mounted) await execa("umount", [objects], { reject: false });
          mounted = false;
        };
        cleanups.push(undo);
        await execa("mount", ["-o", "remount,bind,ro", objects]);
        return undo;
      },
    },
  ];

  for (const broken of brokenRepos) {
    it(`git unusable before a task (${broken.name}): Claude is not started, the task fails naming git and what to do, the service keeps answering`, async () => {
      if (broken.rootOnly && !root) {
        process.stdout.write(`checkpoints.test.ts: "${broken.name}" skipped: not root (chmod does not stop root; a read-only mount needs it)\n`);
        return;
      }
      const p = await project(task(1, { claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }));
      const service = await serve(p);
      const undo = await broken.breakIt(p);
      const t0 = Date.now();
      expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
      const failed = await stateWhere(p, (s) => s.status === "task_failed", "the task to fail");
      const failMs = Date.now() - t0;
      expect(await p.calls()).toBe(0); // Claude never started: its changes could be neither shown nor undone
      const error = failed.tasks[0]?.error ?? "";
      expect(error).toMatch(SNAPSHOT_FAILED);
      expect(error).toMatch(broken.reason);
      expect(failed.tasks[0]).toMatchObject({ status: "failed", attempts: 1, pid: null, run_marker: null });
      // The service is up: status and health answer; the person was told the reason.
      const status = await post(service, "status");
      expect(status.status).toBe(200);
      expect(status.json).toMatchObject({ status: "task_failed" });
      expect((await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
      expect(service.output()).toMatch(/could not snapshot the work tree before the task, so it was not started/);
      // Once the repository is fixed, /retry runs the task.
      await undo();
      expect((await post(service, "retry")).status).toBe(200);
      const done = await stateWhere(p, (s) => s.status === "completed", "the retried task to complete");
      expect(done.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["src/app.js"]);
      expect(await p.calls()).toBe(1);
      expect((await service.stop()).exitCode).toBe(0);
      expect((await savedState(p)).tasks[0]).toMatchObject({ status: "completed", attempts: 2 });
      expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
      figures.push(`git unusable before a task (${broken.name}): failed in ${failMs} ms without starting Claude: "${error.slice(0, 400)}…"; /status 200, /health 200; /retry after the fix completed`);
    });
  }

  it("the person's git holds .git/index.lock (a commit in another terminal): the snapshot uses its own index, the task runs, the lock is untouched", async () => {
    const p = await project(task(1, { claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }));
    const lock = path.join(p.repo, ".git", "index.lock");
    await writeFile(lock, "held by the person's git\n");
    const child = track(orchestratorBin(["run", TASK_FILE, "--yes"], { cwd: p.orch, env: p.env }));
    const run = await exitWithin(child, 30_000);
    expect(run.exitCode).toBe(0);
    const state = await readState(p.orch);
    expect(state.tasks[0]).toMatchObject({ status: "completed" });
    expect(state.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["src/app.js"]);
    expect(await readFile(lock, "utf8")).toBe("held by the person's git\n");
    expect(await processesWithMarker(`${child.pid}-`)).toEqual([]);
    figures.push(`.git/index.lock held by the person: the task completed in ${run.elapsedMs} ms with its changes recorded, the lock untouched`);
  });
  it("a Verify command printing 100 MB: verification completes, the orchestrator's memory stays bounded, the verify log holds it all", async () => {
    const MB = 100;
    // The same task printing nothing, for the baseline.
    const quiet = await project(task(1, { verify: `node ${COMMANDS} flood 0`, claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }));
    const quietRun = track(orchestratorBin(["run", TASK_FILE, "--yes"], { cwd: quiet.orch, env: quiet.env }));
    const baseline = await peakRss(quietRun.pid, exitWithin(quietRun, 30_000));
    expect(baseline.result.exitCode).toBe(0);
    const p = await project(task(1, { verify: `node ${COMMANDS} flood ${MB}`, claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }));
    const t0 = Date.now();
    const run = track(orchestratorBin(["run", TASK_FILE, "--yes"], { cwd: p.orch, env: p.env }));
    const { result: r, peakKb } = await peakRss(run.pid, exitWithin(run, 90_000));
    const ms = Date.now() - t0;
    expect(r.exitCode).toBe(0);
    const state = await readState(p.orch);
    expect(state.tasks[0]).toMatchObject({ status: "completed" });
    const verification = state.tasks[0]?.verification;
    expect(verification).toMatchObject({ passed: true, attempts: 1, failure: null });
    const log = verification?.commands[0]?.log as string;
    expect(log).toEqual(expect.stringMatching(/task-1-verify\.log$/));
    const size = (await stat(log)).size;
    expect(size).toBeGreaterThan(MB * 1024 * 1024);
    // Whole: the last line printed, then the footer.
    const fd = await open(log, "r");
    const tail = Buffer.alloc(200);
    await fd.read(tail, 0, 200, size - 200);
    await fd.close();
    expect(tail.toString()).toMatch(/flood done\n\[exit 0 after [\d.]+ s\]\n$/);
    // tsx and the app take ~100-150 MB; the output must not add its 100 MB.
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb / 1024).toBeLessThan(250);
    expect(await processesWithMarker(`${run.pid}-`)).toEqual([]);
    await rm(log, { force: true }); // 100 MB: not kept until afterAll
    figures.push(`a Verify command printing ${MB} MB: run completed in ${ms} ms, verification passed, the verify log ${(size / 1024 / 1024).toFixed(1)} MB (whole, with its footer), peak RSS ${(peakKb / 1024).toFixed(0)} MB (${(baseline.peakKb / 1024).toFixed(0)} MB when it prints nothing), 0 processes left`);
  });
  it("a full disk under the repository when the snapshot is taken: the task fails naming the disk and git, the state loads, the service answers", async () => {
    const disk = await smallDisk(4096, "full disk at the snapshot");
    if (!disk) return;
    const p = await project(task(1, { claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }), { repoIn: disk.dir });
    const service = await serve(p);
    await disk.fill();
    const t0 = Date.now();
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const failed = await stateWhere(p, (s) => s.status === "task_failed", "the task to fail", 20_000);
    const failMs = Date.now() - t0;
    expect(await p.calls()).toBe(0);
    const error = failed.tasks[0]?.error ?? "";
    expect(error).toMatch(SNAPSHOT_FAILED);
    expect(error).toMatch(/ENOSPC|No space left on device/);
    expect((await post(service, "status")).status).toBe(200);
    // Space back: /retry runs it.
    await disk.free();
    expect((await post(service, "retry")).status).toBe(200);
    await stateWhere(p, (s) => s.status === "completed", "the retried task to complete");
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]).toMatchObject({ status: "completed", attempts: 2 });
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(`full disk under the repository at the snapshot: failed in ${failMs} ms without starting Claude: "${error.slice(0, 400)}…"; /retry completed once space was back`);
  });

  it("a full disk under the repository when the snapshot after Claude's run is taken: the task ends with a clear reason, the state loads", async () => {
    const disk = await smallDisk(4096, "full disk at the snapshot after the run");
    if (!disk) return;
    const gate = path.join(disk.dir, "..", "claude-gate");
    // Claude writes a file of 64 KB (random: git cannot pack it small) at its start, then works until the gate opens.
    const content = Array.from({ length: 1024 }, (_, i) => `${i} ${Math.random().toString(36).repeat(3)}`).join("\\n");
    const p = await project(task(1, { claude: [`FAKE_CLAUDE_WRITE: src/big.txt ${content}`, "FAKE_CLAUDE: gate"] }), { repoIn: disk.dir });
    const service = await startService(p.orch, { ...p.env, FAKE_CLAUDE_GATE: gate });
    track(service.process);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    await waitFor(async () => (existsSync(path.join(p.repo, "src", "big.txt")) ? true : undefined), 20_000, "Claude's file");
    await stateWhere(p, (s) => typeof s.tasks[0]?.pid === "number", "claude running");
    await disk.fill();
    const t0 = Date.now();
    await writeFile(gate, "");
    const ended = await stateWhere(p, (s) => s.status !== "running", "the task to end", 20_000);
    const endMs = Date.now() - t0;
    const t = ended.tasks[0];
    // The person hears that what the task changed could not be recorded, and why: in the task's
    // error or the completion message (the state, /status, the notification in the service's output).
    const status = await post(service, "status");
    const notices = service.output().split("\n").filter((l) => /"event":"task_(completed|failed)"/.test(l)).join("\n");
    const said = [t?.error ?? "", JSON.stringify(status.json.last_task ?? null), notices].join("\n");
    // The service's own log has it (a line for whoever reads it, not the person on the phone).
    expect(service.output()).toMatch(/could not snapshot the work tree after the run; its changes are not recorded/);
    await disk.free();
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]?.status).toBe(t?.status);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(`full disk under the repository at the snapshot after the run: the task ${t?.status} ${endMs} ms after the gate; files_changed ${JSON.stringify(t?.files_changed ?? null)}; git.head ${t?.git?.head ?? null}`);
    if (!/(could not|cannot) .*(snapshot|record).*(ENOSPC|No space left)/is.test(said)) {
      throw new Error(
        `the snapshot after Claude's run failed (full disk), yet the task ${t?.status} and nobody is told its changes were not recorded ` +
          `(task_finished's git_error must reach the task's changes_error and its message). What the person got:\n${said}`,
      );
    }
  });

  it("a full disk under the logs while a Verify command writes its log: the task ends with a clear reason, the state loads, nothing hangs", async () => {
    const disk = await smallDisk(1024, "full disk at the verify log");
    if (!disk) return;
    const ready = path.join(disk.dir, "..", "verify-ready");
    const gate = path.join(disk.dir, "..", "verify-gate");
    const p = await project(task(1, { verify: `node ${COMMANDS} gated ${ready} ${gate} 256`, claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] }));
    const logs = path.join(disk.dir, "logs");
    const service = await serve(p, ["--logs", logs]);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    await waitFor(async () => (existsSync(ready) ? true : undefined), 20_000, "the verify command's first 256 KB");
    await disk.fill();
    const t0 = Date.now();
    await writeFile(gate, "");
    const ended = await stateWhere(p, (s) => s.status !== "running", "the task to end", 20_000);
    const endMs = Date.now() - t0;
    const t = ended.tasks[0];
    const logFile = path.join(logs, ended.session_id as string, "task-1-verify.log");
    const logSize = (await stat(logFile)).size;
    expect(logSize).toBeLessThan(512 * 1024); // cut short: the second 256 KB did not fit
    expect(t?.verification?.commands[0]).toMatchObject({ exit_code: 0, log: null }); // not the whole output: not offered as its log
    // The person hears why the log is incomplete: in the state, /status, /health or the service's output.
    const status = await post(service, "status");
    const health = await fetch(`${service.url}/health`).then((r) => r.json() as Promise<Record<string, unknown>>);
    const said = [JSON.stringify(t), JSON.stringify(status.json), JSON.stringify(health), service.output()].join("\n");
    await disk.free();
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p, ["--logs", logs])).tasks[0]?.status).toBe(t?.status);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(`full disk under the logs mid-verification: the task ${t?.status} ${endMs} ms after the disk filled; verify log cut at ${logSize} B; "${t?.verification?.summary}"`);
    if (!/verification log .*(cut short|could not).*ENOSPC/s.test(said)) {
      throw new Error(
        `the verify log was cut short at ${logSize} B by a full disk, yet nothing says so: verification.log_error must reach the ` +
          "completion message and LogHealth ('task_output'), as the output log's output_log_error does.",
      );
    }
  });
  it("/cancel while a SIGTERM-ignoring Verify command runs (a grandchild in its group, one that left it): answered within kill_grace + a margin, the task interrupted, nothing left", async () => {
    const p = await project("");
    const pidFile = path.join(p.rec, "verify-pids.json");
    await writeFile(path.join(p.orch, TASK_FILE), `# Tasks\n\n${task(1, { verify: `node ${COMMANDS} stubborn ${pidFile}`, claude: ["FAKE_CLAUDE_WRITE: src/app.js console.log(1);\\n"] })}`);
    const service = await serve(p);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const pids = await stubbornPids(pidFile);
    const running = await stateWhere(p, (s) => s.tasks[0]?.phase === "verifying", "the verifying phase saved");
    expect(running.tasks[0]).toMatchObject({ status: "running", phase: "verifying" });
    const marker = running.tasks[0]?.run_marker as string;
    markers.push(marker);
    expect((await processesWithMarker(marker)).sort()).toEqual([pids.pid, pids.in_group, pids.escaped].sort());

    const cancelled = await post(service, "cancel", { by: "the fault suite" }, 20_000);
    expect(cancelled.status).toBe(200);
    expect(cancelled.ms).toBeLessThan(KILL_GRACE_S * 1000 + MARGIN_MS);
    expect(cancelled.json.message).toMatch(/^⏹ Cancelled Task 1: Step 1\. It waits for you/);
    const state = await readState(p.orch);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", error: expect.stringMatching(/^cancelled by \S/), attempts: 1, run_marker: null, phase: null });
    expect(state.tasks[0]?.verification?.summary).toMatch(/^⏹ verification cancelled during node .*stubborn/);
    expect(state.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["src/app.js"]); // kept: a person can diff or roll it back
    expect(await processesWithMarker(marker)).toEqual([]);
    // It is never re-run without a person: still waiting a moment later, one Claude run in all.
    await new Promise((r) => setTimeout(r, 500));
    expect((await readState(p.orch)).status).toBe("waiting_approval");
    expect(await p.calls()).toBe(1);
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]?.status).toBe("interrupted");
    figures.push(`/cancel during a SIGTERM-ignoring Verify command (+ grandchild in its group + setsid grandchild): answered in ${Math.round(cancelled.ms)} ms (kill_grace ${KILL_GRACE_S} s), "${state.tasks[0]?.error}", 0 processes left`);
  });
});
