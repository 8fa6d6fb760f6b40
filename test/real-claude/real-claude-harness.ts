/**
 * Shared by the real Claude Code CLI suite: a temp project (a git repo for Claude to work in, a
 * HOME of its own, config.yaml and a task file beside the repo) and a mock Messages API the
 * real CLI talks to instead of Anthropic. No network: ANTHROPIC_BASE_URL is 127.0.0.1.
 */
import { execa } from "execa";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { MockMessagesApi } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { REPO, tempDir } from "../support/run-orchestrator-bin.js";

/** The pinned devDependency, by absolute path (given as CLAUDE_CLI_PATH). */
export const CLAUDE = path.join(REPO, "node_modules/.bin/claude");

/** Our secrets: in the orchestrator's environment, never in Claude's. */
export const SECRETS = {
  WEBHOOK_SECRET: "whsec-real-claude-7f3a9c",
  TELEGRAM_BOT_TOKEN: "987654:real-claude-bot-token-x1y2",
  N8N_NOTIFY_URL: "http://n8n.invalid/webhook/real-claude-notify-5d1e",
} as const;

export interface RealProject {
  /** Holds config.yaml, tasks.md, state.json and orchestrator_logs/. */
  work: string;
  /** The git repository Claude works in (claude.project_dir). */
  repo: string;
  /** Claude Code's HOME (its settings and session transcripts). */
  home: string;
  api: MockMessagesApi;
  /** Environment for the orchestrator (the claude child inherits it, minus our secrets). */
  env: Record<string, string | undefined>;
  readRepo(file: string): Promise<string>;
  gitStatus(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ProjectOptions {
  /** Keys of config.yaml's `claude:` section, over the suite's defaults (YAML values); null leaves a default key out (e.g. allowed_tools). */
  claude?: Record<string, string | number | null>;
  /** The `orchestrator:` section lines (default: approval required, --yes approves). */
  orchestrator?: string[];
  /** Leave ANTHROPIC_API_KEY out (nothing to log in with). */
  noApiKey?: boolean;
  /** Keys of config.yaml's `paths:` section (YAML values; relative to the work folder). Default: none, the defaults (all in the work folder, beside the repo). */
  paths?: Record<string, string>;
  /** More files of the repo's first commit, beside README.md (path relative to the repo: content). */
  files?: Record<string, string>;
}

/** A task in the markdown format; `fields` are more lines before the instruction (e.g. "**Verify:** node check.mjs"). */
export function taskMd(n: number, title: string, instruction: string, criteria: string[], type = "backend", fields: string[] = []): string {
  return [
    `## Task ${n}: ${title}`,
    `**Type:** ${type}`,
    `**Priority:** medium`,
    `**Description:** ${title}`,
    ...fields,
    `**Acceptance Criteria:**`,
    ...criteria.map((c) => `- ${c}`),
    "",
    `**Claude Instruction:**`,
    instruction,
    "",
    "---",
    "",
  ].join("\n");
}

export async function realProject(tasks: string, opts: ProjectOptions = {}): Promise<RealProject> {
  const work = await tempDir("real-claude-");
  const repo = path.join(work, "repo");
  const home = path.join(work, "home");
  await mkdir(repo);
  await mkdir(home);
  const git = (...args: string[]) =>
    execa("git", args, {
      cwd: repo,
      env: { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" },
    });
  await git("init", "-q");
  await writeFile(path.join(repo, "README.md"), "# Greeter\n");
  for (const [file, content] of Object.entries(opts.files ?? {})) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), content);
  }
  await git("add", ".");
  await git("commit", "-q", "-m", "initial");

  const claude: Record<string, string | number | null> = {
    project_dir: "repo",
    allowed_tools: "[Bash, Write, Edit]",
    permission_mode: "acceptEdits",
    timeout: 60,
    idle_timeout: 60,
    kill_grace: 2,
    result_grace: 3,
    ...opts.claude,
  };
  const config = [
    "orchestrator:",
    ...(opts.orchestrator ?? ["  approval_mode: required", "  auto_approve: []"]),
    "claude:",
    ...Object.entries(claude)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => `  ${key}: ${value}`),
    ...(opts.paths ? ["paths:", ...Object.entries(opts.paths).map(([key, value]) => `  ${key}: ${value}`)] : []),
    "",
  ].join("\n");
  await writeFile(path.join(work, "config.yaml"), config);
  await writeFile(path.join(work, "tasks.md"), `# Tasks\n\n${tasks}`);

  const api = await MockMessagesApi.start();
  const env: Record<string, string | undefined> = {
    CLAUDE_CLI_PATH: CLAUDE,
    HOME: home,
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: opts.noApiKey ? undefined : "sk-ant-mock-placeholder",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    ...SECRETS,
    // Nothing from the machine running the suite may steer the CLI elsewhere.
    ANTHROPIC_AUTH_TOKEN: undefined,
    ANTHROPIC_MODEL: undefined,
    ANTHROPIC_SMALL_FAST_MODEL: undefined,
    CLAUDE_CONFIG_DIR: undefined,
    CLAUDE_CODE_USE_BEDROCK: undefined,
    CLAUDE_CODE_USE_VERTEX: undefined,
    CLAUDECODE: undefined,
    CLAUDE_CODE_ENTRYPOINT: undefined,
    TELEGRAM_CHAT_ID: undefined,
    LOG_LEVEL: undefined,
  };
  return {
    work,
    repo,
    home,
    api,
    env,
    readRepo: (file) => readFile(path.join(repo, file), "utf8"),
    gitStatus: async () => (await git("status", "--porcelain", "--untracked-files=all")).stdout.split("\n").filter(Boolean).sort(),
    close: async () => {
      await api.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** The environment for an in-process orchestrator: ours plus the project's (unset names removed). */
export function processEnv(p: RealProject): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(p.env)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The stream-json lines of a task log (the runner's `[stderr]` / `[runner]` notes left out). */
export async function logLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The result lines of a task log, in order (one per run: continuations append to the same log). */
export async function resultLines(file: string): Promise<Record<string, unknown>[]> {
  return (await logLines(file)).filter((l) => l.type === "result");
}

/** /proc/<pid>/stat fields after the command name: [state, ppid, pgrp, ...]. */
function statFields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Alive = exists and is not a zombie (a container without an init may never reap one). */
export function alive(pid: number): boolean {
  const f = statFields(String(pid));
  return f !== null && f[0] !== "Z" && f[0] !== "X";
}

/** Live (non-zombie) processes of a process group. */
export function groupMembers(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      const f = statFields(e);
      return f !== null && Number(f[2]) === pgid && f[0] !== "Z" && f[0] !== "X";
    })
    .map(Number);
}
