// Shared by the runner tests: a config that runs the fake CLI, temp dirs, and process checks.
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ClaudeConfig } from "../../src/config/config.js";
import type { Progress } from "../../src/core/run-outcome.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import type { RunRequest } from "../../src/runner/runner.js";

export const FAKE_CLAUDE = fileURLToPath(new URL("../fixtures/fake-claude.mjs", import.meta.url));

export function tempDir(prefix = "runner-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Short limits so a stuck test fails fast; node runs the fake (no PATH lookup). */
export function fakeConfig(projectDir: string, over: Partial<ClaudeConfig> = {}): ClaudeConfig {
  return {
    command: [process.execPath, FAKE_CLAUDE],
    flags: [],
    timeout: 10,
    idle_timeout: 10,
    kill_grace: 0.5,
    result_grace: 0.5,
    model: null,
    max_turns: null,
    allowed_tools: [],
    permission_mode: null,
    // The old channel (prompt on stdin, then closed) unless a test asks for the permission channel.
    permissions: "preapproved",
    always_allow: [],
    permission_timeout: 1800,
    project_dir: projectDir,
    max_continuations: 2,
    ...over,
  };
}

export interface FakeRun {
  dir: string;
  recordDir: string;
  logFile: string;
  progress: Progress[];
  spawned: { pid: number; pgid: number }[];
}

/** Runs one scenario of the fake in a fresh temp dir, recording its calls. */
export async function runScenario(
  scenario: string,
  over: Partial<ClaudeConfig> = {},
  req: Partial<RunRequest> = {},
  env: NodeJS.ProcessEnv = {},
) {
  const dir = tempDir();
  const run: FakeRun = {
    dir,
    recordDir: dir,
    logFile: path.join(dir, "logs", "nested", "task.log"),
    progress: [],
    spawned: [],
  };
  const runner = new ClaudeRunner(fakeConfig(dir, over), {
    env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, ...env },
    dropEnv: [],
  });
  const outcome = await runner.run(
    { prompt: `Do the task.\nFAKE_CLAUDE: ${scenario}\n`, logFile: run.logFile, ...req },
    { onSpawn: (info) => run.spawned.push(info), onProgress: (p) => run.progress.push(p) },
  );
  return { outcome, ...run };
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
}

export interface Call {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  prompt: string;
  pid: number;
  scenario: string;
}
export const calls = (dir: string) => readJsonl<Call>(path.join(dir, "calls.jsonl"));
export const grandchildren = (dir: string) =>
  readJsonl<{ pid: number; grandchild_pid: number }>(path.join(dir, "grandchildren.jsonl"));

/** Alive = exists and is not a zombie (an exited child nobody reaped yet is dead for us). */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** SIGKILL is delivered at once, but the exit can take a few ms to show. */
export async function waitGone(pid: number, ms = 1000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !isAlive(pid);
}
