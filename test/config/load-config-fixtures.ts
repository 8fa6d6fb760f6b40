/** Shared helpers and fixtures for the loadConfig tests (not a test file itself). */
import { expect } from "@jest/globals";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { Config } from "../../src/config/config.js";
import { loadConfig, type LoadConfigOptions } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/core/errors.js";

const dirs: string[] = [];

/** Remove every temp dir made so far; call from afterAll. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A fresh temp dir holding `files` (path -> text). */
export async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orch-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

export async function loadIn(
  files: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  extra: Partial<LoadConfigOptions> = {},
): Promise<{ dir: string; config: Config }> {
  const dir = await tempDir(files);
  return { dir, config: await loadConfig({ cwd: dir, env, ...extra }) };
}

export async function errorIn(
  files: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  extra: Partial<LoadConfigOptions> = {},
): Promise<ConfigError> {
  const dir = await tempDir(files);
  try {
    await loadConfig({ cwd: dir, env, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

// The design's example config.yaml and .env, verbatim (tests must not read ../shared).
export const SEED_CONFIG = `# Orchestrator Configuration

server:
  host: "0.0.0.0"
  port: 5000
  debug: false

orchestrator:
  # How to handle approvals: 'required' | 'auto' | 'manual'
  approval_mode: 'required'

  # Checkpoint after each task or after task types
  checkpoint_after:
    - database  # Always pause after database tasks
    - deployment  # Always pause after deployments

  # Auto-approve these task types
  auto_approve:
    - documentation
    - testing

webhooks:
  # Webhook secret for authentication
  secret: "\${WEBHOOK_SECRET}"  # From .env

  # n8n webhook URL to send notifications
  n8n_notify_url: "https://your-n8n.com/webhook/orchestrator-notify"

  # Enable/disable webhook server
  enabled: true

claude:
  # Claude CLI command
  command: "claude -p"

  # Additional flags
  flags: "--dangerously-skip-permissions"

  # Timeout per task (seconds)
  timeout: 300

paths:
  # Where to find/store files
  tasks_dir: "orchestrator_tasks"
  logs_dir: "orchestrator_logs"
  daily_dir: "daily_logs"
  state_file: "state.json"

logging:
  # Log level: DEBUG | INFO | WARNING | ERROR
  level: "INFO"

  # Log format
  format: "[%(asctime)s] %(levelname)s: %(message)s"

  # Separate log file per task
  task_logs: true

telegram:
  # Your Telegram chat ID (for notifications)
  chat_id: "\${TELEGRAM_CHAT_ID}"  # From .env

  # Commands enabled
  commands:
    - start
    - status
    - approve
    - pause
    - resume
    - skip
    - logs
    - help
`;

export const SEED_ENV = `# Webhook secret (generate with: openssl rand -hex 32)
WEBHOOK_SECRET=your-secret-key-here

# Your Telegram chat ID
TELEGRAM_CHAT_ID=123456789

# n8n webhook URL
N8N_NOTIFY_URL=https://your-n8n-instance.com/webhook/orchestrator-notify

# Optional: Claude CLI path if not in PATH
CLAUDE_CLI_PATH=/usr/local/bin/claude
`;

export function expectedDefaults(dir: string): Config {
  return {
    source: null,
    server: { host: "127.0.0.1", port: 5000 },
    orchestrator: {
      approval_mode: "required",
      checkpoint_after: ["database", "deployment"],
      auto_approve: ["documentation", "testing"],
      verify: [],
      verify_timeout: 600,
      verify_retries: 1,
      daily_budget_usd: null,
      budget_warn_ratio: 0.75,
      learnings_file: path.join(dir, "orchestrator_learnings.md"),
    },
    webhooks: { secret: null, n8n_notify_url: null, enabled: true },
    claude: {
      command: ["claude"],
      flags: [],
      timeout: 300,
      idle_timeout: 120,
      kill_grace: 5,
      result_grace: 5,
      model: null,
      max_turns: null,
      allowed_tools: [],
      permission_mode: null,
      permissions: "ask",
      always_allow: [],
      permission_timeout: 1800,
      project_dir: dir,
      max_continuations: 2,
    },
    git: { enabled: "auto", commit: "none", branch: null },
    paths: {
      tasks_dir: path.join(dir, "orchestrator_tasks"),
      logs_dir: path.join(dir, "orchestrator_logs"),
      daily_dir: path.join(dir, "daily_logs"),
      results_dir: path.join(dir, "results"),
      state_file: path.join(dir, "state.json"),
      feedback_dir: path.join(dir, "feedback"),
    },
    logging: { level: "info", task_logs: true, retention_days: 30 },
    telegram: { bot_token: null, chat_ids: [], api_root: null, webhook_url: null, inbound: "bot" },
    metrics: { enabled: true, public: false },
    dashboard: { enabled: "auto", url: null, session_hours: 12, secure_cookie: false },
    secret_env_names: ["TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "N8N_NOTIFY_URL", "TELEGRAM_CHAT_ID"],
  };
}
