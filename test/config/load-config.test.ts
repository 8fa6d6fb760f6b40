import { afterAll, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { loadConfig } from "../../src/config/load-config.js";
import {
  errorIn,
  expectedDefaults,
  loadIn,
  removeTempDirs,
  SEED_CONFIG,
  SEED_ENV,
  tempDir,
} from "./load-config-fixtures.js";

afterAll(removeTempDirs);

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

  it("refuses shell syntax in claude.command and claude.flags, naming the key", async () => {
    const error = await errorIn({
      "config.yaml": 'claude:\n  command: "claude -p ; rm -rf /"\n  flags: "--add-dir $HOME"\n',
    });
    expect(error.message).toContain('config.yaml: claude.command cannot be split into arguments: it has the shell operator ";"');
    expect(error.message).toContain('config.yaml: claude.flags cannot be split into arguments: it has the shell expansion "$HOME"');
    expect(error.message).toContain("put it in quotes");
  });

  it("takes a .env value holding $ as written when it expands into config.yaml", async () => {
    const { config } = await loadIn({
      "config.yaml": 'webhooks:\n  secret: "${WEBHOOK_SECRET}"\n',
      ".env": "WEBHOOK_SECRET='pa$word${HOME}'\n",
    }, { HOME: "/home/u" });
    expect(config.webhooks.secret).toBe("pa$word${HOME}");
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

  it.each<[string, unknown]>([
    ["auto", "auto"],
    ["Auto", "auto"],
    ["true", true],
    ["false", false],
    ["'true'", true],
    ["' FALSE '", false],
    ["~", "auto"],
  ])("git.enabled %s -> %p", async (written, expected) => {
    const { config } = await loadIn({ "config.yaml": `git:\n  enabled: ${written}\n` });
    expect(config.git.enabled).toBe(expected);
  });

  it("reads the git section", async () => {
    const { config } = await loadIn({ "config.yaml": "git:\n  enabled: true\n  commit: TASK\n  branch: ' orchestrator/{session} '\n" });
    expect(config.git).toEqual({ enabled: true, commit: "task", branch: "orchestrator/{session}" });
    const off = await loadIn({ "config.yaml": "git:\n  branch: ''\n  commit: ~\n" });
    expect(off.config.git).toEqual({ enabled: "auto", commit: "none", branch: null });
  });

  it.each<[string, string, string[]]>([
    ["one command", "verify: npm test", ["npm test"]],
    ["a list, trimmed", "verify:\n    - ' npm test '\n    - npm run lint -- --max-warnings 0", ["npm test", "npm run lint -- --max-warnings 0"]],
    ["a multi-line string: a command per line", "verify: |\n    npm test\n\n    npm run build", ["npm test", "npm run build"]],
    ["an empty string: none", "verify: ''", []],
    ["null: none", "verify:", []],
    ["a ${VAR} with a default", 'verify: "${VERIFY_CMD:-npm test}"', ["npm test"]],
  ])("orchestrator.verify as %s", async (_name, yaml, expected) => {
    const { config } = await loadIn({ "config.yaml": `orchestrator:\n  ${yaml}\n` });
    expect(config.orchestrator.verify).toEqual(expected);
  });

  it("reads verify_timeout and verify_retries, numbers also as text", async () => {
    const { config } = await loadIn({ "config.yaml": "orchestrator:\n  verify_timeout: '90.5'\n  verify_retries: 0\n" });
    expect(config.orchestrator).toMatchObject({ verify_timeout: 90.5, verify_retries: 0 });
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
      results_dir: path.join(dir, "conf/results"),
      state_file: "/var/lib/orch/state.json",
      feedback_dir: path.join(dir, "conf/feedback"),
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
