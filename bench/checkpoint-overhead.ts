/**
 * What informed checkpoints cost per task: the git snapshots before and after every attempt
 * (and the diff between them) on a project of realistic size.
 *
 * The project: a git repository of 2,000 committed files (10,000 bytes each, 20 MB, in 8 folders
 * of 5 subfolders), and a .gitignore'd node_modules/ of 5,000 small files that a snapshot must not
 * read. It is isolated from the machine's git configuration (no global or system config, discovery
 * stopped at its temp folder), and its files are dated an hour back, as in a real checkout: files
 * as new as the index would be re-read on every snapshot ("racily clean") and inflate the figure.
 *
 * The same session of `tasks` tasks runs through the real app (openApp: lock, durable state file,
 * file logger, the real ClaudeRunner starting the fake claude, scenario success, each task writing
 * one file in the project) twice per round: (a) git.enabled false, (b) git.enabled true, so every
 * attempt is snapshotted before and after and its change recorded. The orchestrator's own files
 * live beside the project, not in it. Per-task overhead = (best (b) - best (a)) / tasks; the
 * ratio is best (b) / best (a). Rounds alternate (a) and (b), so drift of the machine hits both.
 *
 * Then one snapshot (GitWorkTree.snapshot, as a task's before-snapshot takes it) against a plain
 * `git status --porcelain` of the same repository, both through runGit, interleaved; medians.
 * One more snapshot, traced (GIT_TRACE2_EVENT), shows how many paths git looked at: a count near
 * the 7,000 files on disk would mean the ignored folder was read, and fails the bench. An extra
 * short session, traced the same way and untimed, counts the git processes one task starts.
 *
 * Alone: `node bin/run-ts.js bench/checkpoint-overhead.ts [tasks] [rounds] [samples]` prints JSON.
 */
import { execa } from "execa";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openApp } from "../src/app/open-app.js";
import type { Config } from "../src/config/config.js";
import { loadConfig } from "../src/config/load-config.js";
import { gitChildEnv } from "../src/git/git-child-env.js";
import { GitWorkTree } from "../src/git/git-work-tree.js";
import { DEFAULT_GIT_TIMEOUT_MS, runGit, type GitContext } from "../src/git/run-git.js";
import { isolatedEnv } from "../test/git/git-test-repo.js";
import { benchTasks, FAKE_CLAUDE } from "./orchestrate-once.js";

/** The project's shape: FOLDERS x SUBFOLDERS x FILES_PER_FOLDER tracked files of FILE_BYTES each. */
const FOLDERS = ["src", "lib", "test", "docs", "assets", "scripts", "config", "vendor"];
const SUBFOLDERS = 5;
const FILES_PER_FOLDER = 50;
const FILE_BYTES = 10_000;
/** The ignored folder: IGNORED_PACKAGES packages of IGNORED_FILES small files each. */
const IGNORED_PACKAGES = 100;
const IGNORED_FILES = 50;
/** Files written at once while building the project (bounded, so open files stay few). */
const WRITE_BATCH = 200;
/** Snapshots and statuses before the measured ones (page cache, git's own start-up). */
const WARM_UP = 3;
/** Tasks of the traced session that counts git processes per task. */
const TRACED_TASKS = 5;
/** A bound on one session, so a stuck orchestrator fails the bench instead of hanging it (ms). */
const SESSION_TIMEOUT_MS = 300_000;

export interface CheckpointOverhead {
  tasks: number;
  rounds: number;
  /** The project: tracked files, their total size, and the files of the ignored folder. */
  repoFiles: number;
  repoBytes: number;
  ignoredFiles: number;
  /** Best wall time of the session, git off (a) and snapshots on (b), ms. */
  gitOffMs: number;
  gitOnMs: number;
  /** (gitOnMs - gitOffMs) / tasks: what the checkpoints add to each task, ms. */
  perTaskOverheadMs: number;
  /** gitOnMs / gitOffMs. */
  ratio: number;
  /** Every round's wall times, for how stable the figure is. */
  gitOffRunsMs: number[];
  gitOnRunsMs: number[];
  /** Median of one snapshot and of one `git status --porcelain`, ms, over `samples` each. */
  snapshotMs: number;
  statusMs: number;
  /** snapshotMs / statusMs. */
  snapshotToStatus: number;
  samples: number;
  /** Paths git's directory walk looked at during one snapshot (trace2 read_directory paths-visited). */
  snapshotPathsVisited: number;
  /** git processes a task started, in an extra traced session with snapshots on (untimed). */
  gitProcessesPerTask: number;
}

export interface CheckpointOverheadOptions {
  /** Tasks in the session (default 30). */
  tasks?: number;
  /** Rounds of (a) then (b); the best of each counts (default 3). */
  rounds?: number;
  /** Snapshots and statuses timed (default 20 each). */
  samples?: number;
}

export async function measureCheckpointOverhead(opts: CheckpointOverheadOptions = {}): Promise<CheckpointOverhead> {
  const tasks = opts.tasks ?? 30;
  const rounds = opts.rounds ?? 3;
  const samples = opts.samples ?? 20;
  const base = await mkdtemp(path.join(os.tmpdir(), "orch-bench-checkpoints-"));
  try {
    const repo = path.join(base, "project");
    const env = isolatedEnv(base);
    const shape = await buildProject(repo, env);
    const gitOffRunsMs: number[] = [];
    const gitOnRunsMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      gitOffRunsMs.push((await session(base, repo, env, tasks, false, `off-${round}`)).ms);
      gitOnRunsMs.push((await session(base, repo, env, tasks, true, `on-${round}`)).ms);
    }
    const traced = await session(base, repo, env, TRACED_TASKS, true, "traced", path.join(base, "session-trace2.json"));
    const gitOffMs = Math.min(...gitOffRunsMs);
    const gitOnMs = Math.min(...gitOnRunsMs);
    const timing = await snapshotAgainstStatus(repo, env, samples);
    const snapshotPathsVisited = await pathsVisitedBySnapshot(base, repo, env, shape);
    return {
      tasks,
      rounds,
      ...shape,
      gitOffMs: round2(gitOffMs),
      gitOnMs: round2(gitOnMs),
      perTaskOverheadMs: round2((gitOnMs - gitOffMs) / tasks),
      ratio: Number((gitOnMs / gitOffMs).toFixed(3)),
      gitOffRunsMs: gitOffRunsMs.map(round2),
      gitOnRunsMs: gitOnRunsMs.map(round2),
      ...timing,
      samples,
      snapshotPathsVisited,
      gitProcessesPerTask: traced.gitProcesses / TRACED_TASKS,
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

interface ProjectShape {
  repoFiles: number;
  repoBytes: number;
  ignoredFiles: number;
}

/** The project in `repo`: committed, packed as a clone would be, with the ignored folder beside. */
async function buildProject(repo: string, env: Record<string, string>): Promise<ProjectShape> {
  const git = (args: string[]) => execa("git", args, { cwd: repo, env, extendEnv: false, stdin: "ignore" });
  await mkdir(repo, { recursive: true });
  await git(["init", "-q", "-b", "main"]);
  await git(["config", "user.name", "Bench Person"]);
  await git(["config", "user.email", "bench@example.com"]);
  const tracked: string[] = [];
  for (const folder of FOLDERS) {
    for (let s = 0; s < SUBFOLDERS; s++) {
      for (let f = 0; f < FILES_PER_FOLDER; f++) tracked.push(`${folder}/part-${s}/file-${f}.txt`);
    }
  }
  const ignored: string[] = [];
  for (let p = 0; p < IGNORED_PACKAGES; p++) {
    for (let f = 0; f < IGNORED_FILES; f++) ignored.push(`node_modules/pkg-${p}/${f % 5 === 0 ? "" : "lib/"}f-${f}.js`);
  }
  // An hour back: older than any index git writes from now on, so no entry is "racily clean".
  const past = new Date(Date.now() - 3_600_000);
  const write = async (rel: string, content: string) => {
    const abs = path.join(repo, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
    await utimes(abs, past, past);
  };
  for (let i = 0; i < tracked.length; i += WRITE_BATCH) {
    await Promise.all(tracked.slice(i, i + WRITE_BATCH).map((rel) => write(rel, textOf(FILE_BYTES))));
  }
  for (let i = 0; i < ignored.length; i += WRITE_BATCH) {
    await Promise.all(ignored.slice(i, i + WRITE_BATCH).map((rel) => write(rel, `module.exports = ${JSON.stringify(rel)};\n`)));
  }
  await write(".gitignore", "node_modules/\n");
  await git(["add", "-A"]);
  await git(["commit", "-q", "-m", "The project"]);
  await git(["gc", "-q"]);
  const listed = (await git(["ls-files"])).stdout.split("\n").filter(Boolean);
  if (listed.length !== tracked.length + 1) throw new Error(`the bench project tracks ${listed.length} files, not ${tracked.length + 1}: check its .gitignore`);
  return { repoFiles: tracked.length, repoBytes: tracked.length * FILE_BYTES, ignoredFiles: ignored.length };
}

/** `bytes` of random hex in 100-character lines (random, so git's compression does not shrink it away). */
function textOf(bytes: number): string {
  const hex = randomBytes(bytes / 2).toString("hex");
  return hex.replace(/(.{99})./g, "$1\n");
}

interface SessionRun {
  /** Wall time from the start command to the completed session, ms. */
  ms: number;
  /** git processes started during the session (traced sessions only, else 0). */
  gitProcesses: number;
}

/**
 * One session of `count` tasks through the real app on `repo`, git on or off. Each task writes
 * bench-out/task-<id>.txt, which is removed afterwards, so every session starts from the same
 * project. With `traceFile`, git's trace2 events go there and the git processes the session
 * started are counted (the app's opening calls left out); untimed, tracing costs time.
 */
async function session(base: string, repo: string, env: Record<string, string>, count: number, git: boolean, id: string, traceFile?: string): Promise<SessionRun> {
  const orch = await mkdtemp(path.join(base, "orch-"));
  const appEnv = { ...env, FAKE_CLAUDE_SCENARIO: "success", ...(traceFile ? { GIT_TRACE2_EVENT: traceFile } : {}) };
  try {
    const loaded = await loadConfig({ configPath: null, cwd: orch, env: { CLAUDE_CLI_PATH: FAKE_CLAUDE } });
    const config: Config = {
      ...loaded,
      claude: { ...loaded.claude, project_dir: repo },
      git: { ...loaded.git, enabled: git },
      orchestrator: { ...loaded.orchestrator, approval_mode: "auto", checkpoint_after: [] },
    };
    const tasks = benchTasks(count).map((t) => ({ ...t, instruction: `${t.instruction}\nFAKE_CLAUDE_WRITE: bench-out/task-${t.id}.txt output of step ${t.id}` }));
    const app = await openApp(config, { env: appEnv, console: null, problemStream: null });
    try {
      if ((app.orchestrator.workTree !== null) !== git) throw new Error(`the bench session with git ${git ? "on" : "off"} has ${git ? "no" : "a"} work tree: check the project`);
      const gitBefore = traceFile ? await gitStarts(traceFile) : 0;
      const started = performance.now();
      const reply = await app.orchestrator.dispatch({ type: "start", task_file: path.join(orch, "bench.md"), tasks, session_id: `bench-${id}` });
      if (!reply.ok) throw new Error(`bench session did not start: ${reply.message}`);
      await app.orchestrator.waitFor((s) => s.status !== "running", SESSION_TIMEOUT_MS);
      const ms = performance.now() - started;
      const gitProcesses = traceFile ? (await gitStarts(traceFile)) - gitBefore : 0;
      const { status, tasks: records } = app.orchestrator.state;
      if (status !== "completed") throw new Error(`bench session ended ${status}: ${records.find((t) => t.error)?.error}`);
      // Proof that (b) took its snapshots and (a) none: each task's change recorded, or nothing.
      const recorded = records.filter((t) => (t.files_changed ?? []).some((f) => f.path === `bench-out/task-${t.id}.txt`)).length;
      if (recorded !== (git ? count : 0)) throw new Error(`${recorded} of ${count} tasks recorded their change with git ${git ? "on" : "off"}`);
      return { ms, gitProcesses };
    } finally {
      await app.close();
    }
  } finally {
    await rm(path.join(repo, "bench-out"), { recursive: true, force: true });
    await rm(orch, { recursive: true, force: true });
  }
}

/** trace2 lines of `traceFile` (JSON, one event a line), or none when git has not written it yet. */
async function traceEvents(traceFile: string): Promise<Array<{ event: string; category?: string; key?: string; value?: string }>> {
  const text = await readFile(traceFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** How many git processes have written to `traceFile`: one "start" event each. */
const gitStarts = async (traceFile: string): Promise<number> => (await traceEvents(traceFile)).filter((e) => e.event === "start").length;

/** Medians of one snapshot and one `git status --porcelain` of `repo`, interleaved, after a warm-up. */
async function snapshotAgainstStatus(repo: string, env: Record<string, string>, samples: number): Promise<{ snapshotMs: number; statusMs: number; snapshotToStatus: number }> {
  const tree = await GitWorkTree.open(repo, { env });
  if (!tree) throw new Error(`${repo} is not a git work tree`);
  const ctx: GitContext = { dir: tree.root, env: gitChildEnv(env), timeoutMs: DEFAULT_GIT_TIMEOUT_MS };
  const snapshots: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < WARM_UP + samples; i++) {
    let t0 = performance.now();
    await tree.snapshot(`refs/orchestrator/bench-timing/task-1/s${i}`);
    const snap = performance.now() - t0;
    t0 = performance.now();
    const status = await runGit(ctx, ["status", "--porcelain"]);
    const plain = performance.now() - t0;
    if (status.stdout !== "") throw new Error(`the bench project is not clean: ${status.stdout.slice(0, 200)}`);
    if (i < WARM_UP) continue;
    snapshots.push(snap);
    statuses.push(plain);
  }
  const snapshotMs = median(snapshots);
  const statusMs = median(statuses);
  return { snapshotMs: round2(snapshotMs), statusMs: round2(statusMs), snapshotToStatus: Number((snapshotMs / statusMs).toFixed(2)) };
}

/**
 * One snapshot with git's trace2 events on: the paths its directory walk visited, and a check
 * that the snapshot holds the tracked files and nothing of node_modules/.
 */
async function pathsVisitedBySnapshot(base: string, repo: string, env: Record<string, string>, shape: ProjectShape): Promise<number> {
  const traceFile = path.join(base, "trace2.json");
  const tree = await GitWorkTree.open(repo, { env: { ...env, GIT_TRACE2_EVENT: traceFile } });
  if (!tree) throw new Error(`${repo} is not a git work tree`);
  const snap = await tree.snapshot("refs/orchestrator/bench-timing/task-1/traced");
  const ls = await execa("git", ["ls-tree", "-r", "--name-only", snap.tree], { cwd: repo, env, extendEnv: false, stdin: "ignore" });
  const paths = ls.stdout.split("\n").filter(Boolean);
  if (paths.length !== shape.repoFiles + 1 || paths.some((p) => p.startsWith("node_modules/"))) {
    throw new Error(`the snapshot holds ${paths.length} paths, not the ${shape.repoFiles + 1} tracked ones (node_modules/ must be left out)`);
  }
  const visited = (await traceEvents(traceFile)).filter((e) => e.category === "read_directory" && e.key === "paths-visited").reduce((sum, e) => sum + Number(e.value), 0);
  // Each tracked file, each folder, .gitignore, and node_modules/ itself: not its 5,000 files.
  if (visited === 0 || visited >= shape.repoFiles + shape.ignoredFiles / 2) {
    throw new Error(`one snapshot's directory walk visited ${visited} paths: ${visited === 0 ? "git printed no trace2 read_directory data" : "the ignored node_modules/ was read"}`);
  }
  return visited;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [tasks, rounds, samples] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await measureCheckpointOverhead({ tasks: tasks || undefined, rounds: rounds || undefined, samples: samples || undefined })));
}
