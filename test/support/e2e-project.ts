/**
 * A project for the end-to-end tests of git-aware runs: a temp folder holding `repo/` (a real git
 * repository, isolated from the machine's git configuration, see test/git/git-test-repo.ts) and
 * `orch/` beside it (the orchestrator's config.yaml, tasks, state and logs, with
 * claude.project_dir pointing at the repo), so the orchestrator's own files never show up in what
 * a task changed. The fake claude keeps its sessions and its call records inside the folder too,
 * so cleanup() leaves nothing behind.
 */
import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import path from "node:path";
import { makeRepo, type TestRepo } from "../git/git-test-repo.js";
import { orchestratorBin } from "./run-orchestrator-bin.js";

export interface E2eProject {
  repo: TestRepo;
  /** The orchestrator's folder (its cwd): config.yaml, orchestrator_tasks/, state.json, orchestrator_logs/. */
  orchDir: string;
  /** FAKE_CLAUDE_RECORD: calls.jsonl, grandchildren.jsonl, grandchildren-ready.txt. */
  recordDir: string;
  /** The environment for the orchestrator bin or service: git isolation and the fake claude's folders. */
  env: Record<string, string>;
  /** Writes files under the repo (content, or content and mode). */
  writeRepoFiles(files: Record<string, string | { content: string; mode: number }>): Promise<void>;
  /** git add -A and commit, as the person. */
  commitAll(message: string): Promise<void>;
  /**
   * Writes orch/config.yaml: claude.project_dir (the repo) with `claude` keys beside it, then
   * `extra` (YAML with top-level sections of its own, other than claude).
   */
  writeConfig(extra?: string, claude?: Record<string, string | number>): Promise<void>;
  /** Writes orch/orchestrator_tasks/<name> and returns its path relative to orch/. */
  writeTasks(name: string, text: string): Promise<string>;
  /** The fake claude's recorded calls, in order. */
  calls(): Promise<{ argv: string[]; prompt: string; pid: number; scenario: string; fix: boolean }[]>;
  cleanup(): Promise<void>;
}

export async function makeE2eProject(): Promise<E2eProject> {
  const repo = await makeRepo();
  const base = path.dirname(repo.dir);
  const orchDir = path.join(base, "orch");
  const recordDir = path.join(base, "claude-record");
  const sessionsDir = path.join(base, "claude-sessions");
  await mkdir(path.join(orchDir, "orchestrator_tasks"), { recursive: true });
  await mkdir(recordDir);
  const env = { ...repo.env, FAKE_CLAUDE_SESSIONS: sessionsDir, FAKE_CLAUDE_RECORD: recordDir };
  return {
    repo,
    orchDir,
    recordDir,
    env,
    async writeRepoFiles(files) {
      for (const [rel, spec] of Object.entries(files)) {
        const abs = path.join(repo.dir, rel);
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, typeof spec === "string" ? spec : spec.content);
        if (typeof spec !== "string") await chmod(abs, spec.mode);
      }
    },
    async commitAll(message) {
      await repo.git(["add", "-A"]);
      await repo.git(["commit", "-q", "--no-gpg-sign", "-m", message]);
    },
    async writeConfig(extra = "", claude = {}) {
      const keys = Object.entries({ project_dir: repo.dir, ...claude }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`);
      await writeFile(path.join(orchDir, "config.yaml"), `claude:\n${keys.join("")}${extra}`);
    },
    async writeTasks(name, text) {
      await writeFile(path.join(orchDir, "orchestrator_tasks", name), text);
      return path.join("orchestrator_tasks", name);
    },
    async calls() {
      const text = await readFile(path.join(recordDir, "calls.jsonl"), "utf8").catch(() => "");
      return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    },
    cleanup: () => repo.cleanup(),
  };
}

/**
 * `orchestrator <args>` in the project's orch/ folder with its environment, killed (SIGKILL) if it
 * has not exited within `timeoutMs`, so a hung run fails the test instead of the suite's timeout.
 */
export async function runInProject(project: E2eProject, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ exitCode: number | undefined; output: string; timedOut: boolean }> {
  const child = orchestratorBin(args, { cwd: project.orchDir, env: { ...project.env, ...opts.env } });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, opts.timeoutMs ?? 20_000);
  const r = await child;
  clearTimeout(timer);
  return { exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}`, timedOut };
}

/** `git status --porcelain --untracked-files=all` as {path: status}: "added" (??), "modified", "deleted". */
export async function gitStatusChanges(repo: TestRepo): Promise<Record<string, string>> {
  const out = await repo.git(["status", "--porcelain", "-z", "--untracked-files=all"]);
  const changes: Record<string, string> = {};
  for (const entry of out.split("\0").filter(Boolean)) {
    const code = entry.slice(0, 2);
    const file = entry.slice(3);
    changes[file] = code === "??" || code.includes("A") ? "added" : code.includes("D") ? "deleted" : "modified";
  }
  return changes;
}

/** POSTs JSON to the service's /webhook/<command> with the secret; bounded by `timeoutMs`. */
export async function postWebhook(url: string, command: string, body: Record<string, unknown>, secret: string, timeoutMs = 15_000): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/webhook/${command}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": secret },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, ms: performance.now() - started };
}
