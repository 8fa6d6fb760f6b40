// validateConfig's checks, end to end through loadConfig: each bad value names its key and origin.
import { afterAll, describe, expect, it } from "@jest/globals";

import { errorIn, removeTempDirs } from "./load-config-fixtures.js";

afterAll(removeTempDirs);

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
    ["port too big", "server:\n  port: 70000\n", {}, "server.port", "server.port must be a port number 0-65535 (0: any free port) (got 70000)"],
    ["port negative", "server:\n  port: -1\n", {}, "server.port", "server.port must be a port number 0-65535"],
    ["PORT env", "", { PORT: "http" }, "server.port", 'PORT from the environment: server.port must be a port number 0-65535 (0: any free port) (got "http")'],
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
    expect(error.message).toContain("server.port must be a port number 0-65535 (0: any free port) (got -5)");
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
