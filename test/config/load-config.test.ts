import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { Config } from "../../src/config/config.js";
import { loadConfig, type LoadConfigOptions } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/core/errors.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp dir holding `files` (path -> text). */
async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orch-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function loadIn(
  files: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  extra: Partial<LoadConfigOptions> = {},
): Promise<{ dir: string; config: Config }> {
  const dir = await tempDir(files);
  return { dir, config: await loadConfig({ cwd: dir, env, ...extra }) };
}

async function errorIn(
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
const SEED_CONFIG = `# Orchestrator Configuration

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

const SEED_ENV = `# Webhook secret (generate with: openssl rand -hex 32)
WEBHOOK_SECRET=your-secret-key-here

# Your Telegram chat ID
TELEGRAM_CHAT_ID=123456789

# n8n webhook URL
N8N_NOTIFY_URL=https://your-n8n-instance.com/webhook/orchestrator-notify

# Optional: Claude CLI path if not in PATH
CLAUDE_CLI_PATH=/usr/local/bin/claude
`;

function expectedDefaults(dir: string): Config {
  return {
    source: null,
    server: { host: "127.0.0.1", port: 5000 },
    orchestrator: {
      approval_mode: "required",
      checkpoint_after: ["database", "deployment"],
      auto_approve: ["documentation", "testing"],
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
      project_dir: dir,
      max_continuations: 2,
    },
    paths: {
      tasks_dir: path.join(dir, "orchestrator_tasks"),
      logs_dir: path.join(dir, "orchestrator_logs"),
      daily_dir: path.join(dir, "daily_logs"),
      state_file: path.join(dir, "state.json"),
    },
    logging: { level: "info", task_logs: true },
    telegram: { bot_token: null, chat_ids: [], api_root: null, webhook_url: null, inbound: "bot" },
    secret_env_names: ["TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "N8N_NOTIFY_URL", "TELEGRAM_CHAT_ID"],
  };
}

describe("loadConfig: sources", () => {
  it("runs on the defaults when there is no config file", async () => {
    const { dir, config } = await loadIn({});
    expect(config).toEqual(expectedDefaults(dir));
  });

  it("reads only opts.env, never process.env", async () => {
    const saved = process.env.PORT;
    process.env.PORT = "1234";
    try {
      const { config } = await loadIn({});
      expect(config.server.port).toBe(5000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it("loads the design's example config.yaml", async () => {
    const { dir, config } = await loadIn({ "config.yaml": SEED_CONFIG });
    expect(config).toEqual({
      ...expectedDefaults(dir),
      source: path.join(dir, "config.yaml"),
      server: { host: "0.0.0.0", port: 5000 },
      webhooks: { secret: null, n8n_notify_url: "https://your-n8n.com/webhook/orchestrator-notify", enabled: true },
      claude: { ...expectedDefaults(dir).claude, command: ["claude", "-p"], flags: ["--dangerously-skip-permissions"] },
    });
  });

  it("loads the design's example config.yaml with its .env", async () => {
    const { config } = await loadIn({ "config.yaml": SEED_CONFIG, ".env": SEED_ENV });
    expect(config.webhooks.secret).toBe("your-secret-key-here");
    expect(config.webhooks.n8n_notify_url).toBe("https://your-n8n-instance.com/webhook/orchestrator-notify");
    expect(config.telegram.chat_ids).toEqual(["123456789"]);
    expect(config.claude.command).toEqual(["/usr/local/bin/claude"]);
  });

  it("loads config.example.yaml from the repository root, with and without the environment", async () => {
    const example = await readFile(new URL("../../config.example.yaml", import.meta.url), "utf8");
    const bare = await loadIn({ "config.yaml": example });
    expect(bare.config).toEqual({
      ...expectedDefaults(bare.dir),
      source: path.join(bare.dir, "config.yaml"),
      claude: { ...expectedDefaults(bare.dir).claude, permission_mode: "acceptEdits" },
    });

    const envExample = await readFile(new URL("../../.env.example", import.meta.url), "utf8");
    const withEmptyEnv = await loadIn({ "config.yaml": example, ".env": envExample });
    expect(withEmptyEnv.config.webhooks.secret).toBeNull();

    const full = await loadIn(
      { "config.yaml": example },
      {
        WEBHOOK_SECRET: "s3cret",
        N8N_NOTIFY_URL: "https://n8n.example/webhook/x",
        TELEGRAM_BOT_TOKEN: "123:abc",
        TELEGRAM_CHAT_ID: "42,-100123",
      },
    );
    expect(full.config.webhooks).toEqual({ secret: "s3cret", n8n_notify_url: "https://n8n.example/webhook/x", enabled: true });
    expect(full.config.telegram.bot_token).toBe("123:abc");
    expect(full.config.telegram.chat_ids).toEqual(["42", "-100123"]);
  });

  it("treats a config file of comments only as all defaults", async () => {
    const { dir, config } = await loadIn({ "config.yaml": "# nothing yet\n\n" });
    expect(config).toEqual({ ...expectedDefaults(dir), source: path.join(dir, "config.yaml") });
  });

  it("accepts empty sections", async () => {
    const { dir, config } = await loadIn({ "config.yaml": "server:\nclaude:\n" });
    expect(config.server).toEqual(expectedDefaults(dir).server);
  });

  it("fails when an explicit config file is missing", async () => {
    const dir = await tempDir({ "config.yaml": "server: {port: 1}\n" });
    await expect(loadConfig({ cwd: dir, env: {}, configPath: "other.yaml" })).rejects.toThrow(
      `config file not found: ${path.join(dir, "other.yaml")}`,
    );
  });

  it("uses an explicit config file over <cwd>/config.yaml", async () => {
    const { dir, config } = await loadIn(
      { "config.yaml": "server: {port: 1111}\n", "alt.yaml": "server: {port: 2222}\n" },
      {},
      { configPath: "alt.yaml" },
    );
    expect(config.server.port).toBe(2222);
    expect(config.source).toBe(path.join(dir, "alt.yaml"));
  });
});

describe("loadConfig: environment", () => {
  it("expands ${VAR} from .env and the environment; the environment wins", async () => {
    const { config } = await loadIn(
      {
        "config.yaml": [
          "webhooks:",
          '  secret: "${WEBHOOK_SECRET}"',
          "claude:",
          '  model: "${MODEL:-sonnet}"',
          '  allowed_tools: ["Read", "Bash(${TEST_CMD}:*)", "${EXTRA_TOOL}"]',
          "server:",
          '  port: "${APP_PORT:-7000}"',
          "",
        ].join("\n"),
        ".env": "WEBHOOK_SECRET=from-dotenv\nTEST_CMD=from-dotenv\nMODEL=from-dotenv\n",
      },
      { TEST_CMD: "npm test", MODEL: "" },
    );
    expect(config.webhooks.secret).toBe("from-dotenv");
    expect(config.claude.allowed_tools).toEqual(["Read", "Bash(npm test:*)"]);
    // An empty environment variable does not hide the .env value.
    expect(config.claude.model).toBe("from-dotenv");
    expect(config.server.port).toBe(7000);
  });

  it("turns a value that is only an unset ${VAR} into 'not given'", async () => {
    const { config } = await loadIn({
      "config.yaml": 'webhooks:\n  secret: "${WEBHOOK_SECRET}"\nserver:\n  port: "${NO_SUCH_PORT}"\n',
    });
    expect(config.webhooks.secret).toBeNull();
    expect(config.server.port).toBe(5000);
  });

  it("applies environment overrides over the file", async () => {
    const { dir, config } = await loadIn(
      {
        "config.yaml": [
          "server: {host: 0.0.0.0, port: 5000}",
          "webhooks: {secret: file-secret, n8n_notify_url: 'http://file/x'}",
          "logging: {level: error}",
          "telegram: {bot_token: file-token, chat_id: 1, api_root: 'http://file', webhook_url: 'https://file/hook'}",
          "claude: {command: claude -p}",
          "",
        ].join("\n"),
      },
      {
        PORT: "6001",
        HOST: "10.0.0.1",
        WEBHOOK_SECRET: "env-secret",
        N8N_NOTIFY_URL: "https://env/x",
        LOG_LEVEL: "WARNING",
        TELEGRAM_BOT_TOKEN: "env-token",
        TELEGRAM_CHAT_ID: " 5 , -1001, @my_channel ,",
        TELEGRAM_API_ROOT: "http://127.0.0.1:8081",
        TELEGRAM_WEBHOOK_URL: "https://env/hook",
        CLAUDE_CLI_PATH: "tools/claude",
      },
    );
    expect(config.server).toEqual({ host: "10.0.0.1", port: 6001 });
    expect(config.webhooks).toEqual({ secret: "env-secret", n8n_notify_url: "https://env/x", enabled: true });
    expect(config.logging.level).toBe("warn");
    expect(config.telegram).toEqual({
      bot_token: "env-token",
      chat_ids: ["5", "-1001", "@my_channel"],
      api_root: "http://127.0.0.1:8081",
      webhook_url: "https://env/hook",
      inbound: "bot",
    });
    // CLAUDE_CLI_PATH replaces the whole command; a relative path resolves against cwd.
    expect(config.claude.command).toEqual([path.join(dir, "tools/claude")]);
  });

  it("takes the real environment over .env for overrides", async () => {
    const { config } = await loadIn({ ".env": "PORT=6000\nCLAUDE_CLI_PATH=/from/dotenv\n" }, { PORT: "6500" });
    expect(config.server.port).toBe(6500);
    expect(config.claude.command).toEqual(["/from/dotenv"]);
  });

  it.each<[string, unknown, string[]]>([
    ["a number", 123456789, ["123456789"]],
    ["a negative group id", -1001234567890, ["-1001234567890"]],
    ["a string", "42", ["42"]],
    ["a comma-separated string", "42, 43", ["42", "43"]],
    ["a list of numbers and strings", [1, "2", "@chan"], ["1", "2", "@chan"]],
    ["duplicates", [1, "1"], ["1"]],
    ["null", null, []],
  ])("accepts telegram.chat_id as %s", async (_name, chatId, expected) => {
    const { config } = await loadIn({ "config.yaml": `telegram:\n  chat_id: ${JSON.stringify(chatId)}\n` });
    expect(config.telegram.chat_ids).toEqual(expected);
  });

  it("reports a bad .env line with its number and keeps going", async () => {
    const error = await errorIn({ ".env": "A=1\nnot a pair\n", "config.yaml": "claude: {timeout: 0}\n" });
    expect(error.message).toContain(".env:2: expected KEY=VALUE");
    expect(error.message).toContain("claude.timeout");
  });
});

describe("loadConfig: values", () => {
  it.each<[string, string, unknown]>([
    ["DEBUG", "debug", "debug"],
    ["INFO", "info", "info"],
    ["WARNING", "warn", "warn"],
    ["ERROR", "error", "error"],
    ["warn", "warn", "warn"],
    ["Info", "info", "info"],
  ])("logging.level %s -> %s", async (level, expected) => {
    const { config } = await loadIn({ "config.yaml": `logging:\n  level: ${level}\n` });
    expect(config.logging.level).toBe(expected);
  });

  it("gives null the meaning of each key", async () => {
    const { config } = await loadIn({
      "config.yaml": "orchestrator:\n  checkpoint_after:\nclaude:\n  timeout:\n  model: ~\n  flags:\n",
    });
    expect(config.orchestrator.checkpoint_after).toEqual([]); // list: none
    expect(config.claude.timeout).toBe(300); // value: the default
    expect(config.claude.model).toBeNull(); // nullable: null
    expect(config.claude.flags).toEqual([]);
  });

  it("accepts commands and flags as strings or lists, and lower-cases task types", async () => {
    const { config } = await loadIn({
      "config.yaml": [
        "orchestrator:",
        "  approval_mode: auto",
        "  checkpoint_after: [Database, DEPLOYMENT, database]",
        "claude:",
        "  command: ['/opt/my tools/claude', '-p']",
        "  flags: --permission-mode acceptEdits --append-system-prompt \"be brief\"",
        "  allowed_tools: [Read, 'Bash(git diff:*)']",
        "  permission_mode: acceptEdits",
        "  max_turns: 30",
        "  timeout: 0.5",
        "  kill_grace: 0",
        "  max_continuations: 0",
        "",
      ].join("\n"),
    });
    expect(config.orchestrator.approval_mode).toBe("auto");
    expect(config.orchestrator.checkpoint_after).toEqual(["database", "deployment"]);
    expect(config.claude).toMatchObject({
      command: ["/opt/my tools/claude", "-p"],
      flags: ["--permission-mode", "acceptEdits", "--append-system-prompt", "be brief"],
      allowed_tools: ["Read", "Bash(git diff:*)"],
      permission_mode: "acceptEdits",
      max_turns: 30,
      timeout: 0.5,
      kill_grace: 0,
      max_continuations: 0,
    });
  });

  it("resolves relative paths against the config file's folder", async () => {
    const dir = await tempDir({
      "conf/config.yaml": [
        "paths:",
        "  tasks_dir: tasks",
        "  logs_dir: ../logs",
        "  state_file: /var/lib/orch/state.json",
        "claude:",
        "  project_dir: ../project",
        "  command: ./bin/claude -p",
        "",
      ].join("\n"),
      "conf/.env": "WEBHOOK_SECRET=beside-the-config\n",
      ".env": "WEBHOOK_SECRET=in-cwd\n",
    });
    const config = await loadConfig({ cwd: dir, env: {}, configPath: "conf/config.yaml" });
    expect(config.source).toBe(path.join(dir, "conf/config.yaml"));
    expect(config.paths).toEqual({
      tasks_dir: path.join(dir, "conf/tasks"),
      logs_dir: path.join(dir, "logs"),
      daily_dir: path.join(dir, "conf/daily_logs"),
      state_file: "/var/lib/orch/state.json",
    });
    expect(config.claude.project_dir).toBe(path.join(dir, "project"));
    expect(config.claude.command).toEqual([path.join(dir, "conf/bin/claude"), "-p"]);
    expect(config.webhooks.secret).toBe("beside-the-config");
  });

  it("resolves --state and --logs against cwd, over the file", async () => {
    const dir = await tempDir({ "conf/config.yaml": "paths:\n  state_file: s.json\n  logs_dir: l\n" });
    const config = await loadConfig({
      cwd: dir,
      env: {},
      configPath: path.join(dir, "conf/config.yaml"),
      overrides: { stateFile: "run/other-state.json", logsDir: "/tmp/abs-logs" },
    });
    expect(config.paths.state_file).toBe(path.join(dir, "run/other-state.json"));
    expect(config.paths.logs_dir).toBe("/tmp/abs-logs");
    expect(config.paths.tasks_dir).toBe(path.join(dir, "conf/orchestrator_tasks"));
  });
});

describe("loadConfig: validation", () => {
  // [what, config.yaml, env, key, message]
  const cases: [string, string, NodeJS.ProcessEnv, string, string][] = [
    ["timeout text", "claude:\n  timeout: abc\n", {}, "claude.timeout",
      'config.yaml: claude.timeout must be a number of seconds > 0 (got "abc")'],
    ["timeout zero", "claude:\n  timeout: 0\n", {}, "claude.timeout", "claude.timeout must be a number of seconds > 0 (got 0)"],
    ["idle_timeout negative", "claude:\n  idle_timeout: -1\n", {}, "claude.idle_timeout", "claude.idle_timeout must be a number of seconds > 0"],
    ["kill_grace negative", "claude:\n  kill_grace: -1\n", {}, "claude.kill_grace", "claude.kill_grace must be a number of seconds >= 0"],
    ["result_grace text", "claude:\n  result_grace: soon\n", {}, "claude.result_grace", "claude.result_grace must be a number"],
    ["max_turns zero", "claude:\n  max_turns: 0\n", {}, "claude.max_turns", "claude.max_turns must be a whole number >= 1"],
    ["max_continuations fraction", "claude:\n  max_continuations: 1.5\n", {}, "claude.max_continuations",
      "claude.max_continuations must be a whole number >= 0 (got 1.5)"],
    ["approval_mode", "orchestrator:\n  approval_mode: sometimes\n", {}, "orchestrator.approval_mode",
      'config.yaml: orchestrator.approval_mode must be one of required, auto, manual (got "sometimes")'],
    ["port too big", "server:\n  port: 70000\n", {}, "server.port", "server.port must be a port number 1-65535 (got 70000)"],
    ["port zero", "server:\n  port: 0\n", {}, "server.port", "server.port must be a port number 1-65535"],
    ["PORT env", "", { PORT: "http" }, "server.port", 'PORT from the environment: server.port must be a port number 1-65535 (got "http")'],
    ["host empty", 'server:\n  host: ""\n', {}, "server.host", "server.host must be a non-empty string"],
    ["list as a string", "orchestrator:\n  auto_approve: testing\n", {}, "orchestrator.auto_approve",
      "orchestrator.auto_approve must be a list of non-empty strings"],
    ["list of numbers", "claude:\n  allowed_tools: [1, 2]\n", {}, "claude.allowed_tools", "claude.allowed_tools must be a list"],
    ["list as a mapping", "orchestrator:\n  checkpoint_after: {a: 1}\n", {}, "orchestrator.checkpoint_after",
      "orchestrator.checkpoint_after must be a list"],
    ["enabled text", "webhooks:\n  enabled: sure\n", {}, "webhooks.enabled", 'webhooks.enabled must be true or false (got "sure")'],
    ["task_logs number", "logging:\n  task_logs: 1\n", {}, "logging.task_logs", "logging.task_logs must be true or false"],
    ["log level", "logging:\n  level: LOUD\n", {}, "logging.level", 'logging.level must be one of debug, info, warn, error'],
    ["LOG_LEVEL env", "", { LOG_LEVEL: "trace" }, "logging.level", "LOG_LEVEL from the environment: logging.level"],
    ["inbound", "telegram:\n  inbound: email\n", {}, "telegram.inbound", 'telegram.inbound must be one of bot, n8n (got "email")'],
    ["chat id text", "telegram:\n  chat_id: me\n", {}, "telegram.chat_id", 'telegram.chat_id holds "me", not a numeric chat id'],
    ["chat id mapping", "telegram:\n  chat_id: {a: 1}\n", {}, "telegram.chat_id", "telegram.chat_id must be a chat id"],
    ["TELEGRAM_CHAT_ID env", "", { TELEGRAM_CHAT_ID: "1,abc" }, "telegram.chat_id", "TELEGRAM_CHAT_ID from the environment: telegram.chat_id holds \"abc\""],
    ["api_root", "telegram:\n  api_root: localhost:8081\n", {}, "telegram.api_root", "telegram.api_root must be an http:// or https:// URL"],
    ["webhook_url", "telegram:\n  webhook_url: ftp://x\n", {}, "telegram.webhook_url", "telegram.webhook_url must be an http:// or https:// URL"],
    ["permission_mode", "claude:\n  permission_mode: yolo\n", {}, "claude.permission_mode", "claude.permission_mode must be one of default, acceptEdits"],
    ["model number", "claude:\n  model: 4\n", {}, "claude.model", "claude.model must be a string"],
    ["command empty", 'claude:\n  command: ""\n', {}, "claude.command", "claude.command must name the claude executable"],
    ["command quote", "claude:\n  command: claude \"-p\n", {}, "claude.command", "claude.command cannot be split into arguments: unterminated double quote"],
    ["flags mapping", "claude:\n  flags: {a: 1}\n", {}, "claude.flags", "claude.flags must be a string or a list of strings"],
    ["path empty", 'paths:\n  tasks_dir: ""\n', {}, "paths.tasks_dir", "paths.tasks_dir must be a non-empty path"],
    ["section not a mapping", "claude: fast\n", {}, "claude", 'config.yaml: claude must be a mapping (got "fast")'],
    ["unknown section", "servr:\n  port: 1\n", {}, "servr", 'config.yaml: unknown section "servr" (known: server, orchestrator'],
    ["unknown key", "claude:\n  timout: 5\n", {}, "claude.timout", "config.yaml: unknown key claude.timout (known: command, flags, timeout"],
    ["bad reference", 'claude:\n  model: "${MODEL"\n', {}, "claude.model", 'config.yaml: claude.model: unclosed "${"'],
  ];
  it.each(cases)("%s", async (_what, yaml, env, key, message) => {
    const error = await errorIn(yaml === "" ? {} : { "config.yaml": yaml }, env);
    expect(error.key).toBe(key);
    expect(error.message).toContain(message);
    expect(error.message).toContain(key);
  });

  it("never quotes a secret in a message", async () => {
    const error = await errorIn({}, { N8N_NOTIFY_URL: "not-a-url-with-token-XYZ" });
    expect(error.key).toBe("webhooks.n8n_notify_url");
    expect(error.message).toContain("N8N_NOTIFY_URL from the environment: webhooks.n8n_notify_url must be an http");
    expect(error.message).not.toContain("XYZ");
  });

  it("collects every problem into one error", async () => {
    const error = await errorIn({
      "config.yaml": "extra: 1\nbogus: 2\nserver:\n  port: -5\nclaude:\n  timeout: abc\n  idle: 3\n",
    });
    expect(error.key).toBeNull();
    expect(error.message).toMatch(/^4 configuration problems:\n/);
    expect(error.message).toContain('unknown sections "extra", "bogus"');
    expect(error.message).toContain("unknown key claude.idle");
    expect(error.message).toContain("server.port must be a port number 1-65535 (got -5)");
    expect(error.message).toContain('claude.timeout must be a number of seconds > 0 (got "abc")');
  });

  it.each<[string, string, string]>([
    ["a bad indent", "server:\n  host: a\n port: 5\n", "config.yaml:3:"],
    ["an unclosed flow list", "claude:\n  allowed_tools: [Read,\n", "config.yaml:"],
    ["a duplicated key", "server:\n  port: 1\n  port: 2\n", "config.yaml:3:"],
  ])("reports a YAML syntax error (%s) with file:line", async (_what, yaml, where) => {
    const error = await errorIn({ "config.yaml": yaml });
    expect(error.message).toContain(where);
    expect(error.message).toContain("YAML syntax error");
  });

  it("names the config file by its path relative to cwd", async () => {
    const error = await errorIn({ "conf/orch.yaml": "claude:\n  timeout: abc\n" }, {}, { configPath: "conf/orch.yaml" });
    expect(error.message).toBe('conf/orch.yaml: claude.timeout must be a number of seconds > 0 (got "abc")');
  });

  it("rejects a config file that is not a mapping", async () => {
    const error = await errorIn({ "config.yaml": "- a\n- b\n" });
    expect(error.message).toContain("config.yaml: must be a mapping of sections");
  });
});
