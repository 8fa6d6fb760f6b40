// A table of bad configs and the whole message each gives: the origin, the key, what it must be
// and what it got (never a secret), and "did you mean" for a near-miss name.
import { afterAll, describe, expect, it } from "@jest/globals";

import { errorIn, loadIn, removeTempDirs } from "./load-config-fixtures.js";

afterAll(removeTempDirs);

describe("config messages", () => {
  // [config.yaml, env, the ConfigError's key, its whole message]
  const cases: [string, NodeJS.ProcessEnv, string | null, string][] = [
    ["claude:\n  timeout: abc\n", {}, "claude.timeout", 'config.yaml: claude.timeout must be a number of seconds > 0 (got "abc")'],
    ["claude:\n  kill_grace: -0.5\n", {}, "claude.kill_grace", "config.yaml: claude.kill_grace must be a number of seconds >= 0 (got -0.5)"],
    ["claude:\n  timout: 5\n", {}, "claude.timout",
      "config.yaml: unknown key claude.timout (known: command, flags, timeout, idle_timeout, kill_grace, result_grace, model, max_turns, allowed_tools, permission_mode, permissions, always_allow, permission_timeout, project_dir, max_continuations); did you mean claude.timeout?"],
    ["servr:\n  port: 1\n", {}, "servr",
      'config.yaml: unknown section "servr" (known: server, orchestrator, webhooks, claude, git, paths, logging, telegram, metrics, dashboard); did you mean server?'],
    ["paths:\n  tasks: a\n  stat_file: b\n", {}, "paths.tasks",
      "config.yaml: unknown keys paths.tasks, paths.stat_file (known: tasks_dir, logs_dir, daily_dir, results_dir, state_file, feedback_dir); did you mean paths.state_file for paths.stat_file?"],
    ["logging:\n  colour: true\n", {}, "logging.colour", "config.yaml: unknown key logging.colour (known: level, task_logs, retention_days)"],
    ["orchestrator:\n  approval_mode: Sometimes\n", {}, "orchestrator.approval_mode",
      'config.yaml: orchestrator.approval_mode must be one of required, auto, manual (got "Sometimes")'],
    ["orchestrator:\n  auto_approve: [docs, '']\n", {}, "orchestrator.auto_approve",
      'config.yaml: orchestrator.auto_approve must be a list of non-empty strings (YAML `- item` lines or [a, b]) (got ["docs",""])'],
    ["claude:\n  permission_mode: 4\n", {}, "claude.permission_mode", "config.yaml: claude.permission_mode must be a string (quote it in YAML) (got 4)"],
    ["claude:\n  command: [claude, 1]\n", {}, "claude.command", 'config.yaml: claude.command must be a string or a list of strings (got ["claude",1])'],
    ["claude:\n  max_turns: 2.5\n", {}, "claude.max_turns", "config.yaml: claude.max_turns must be a whole number >= 1, or null (got 2.5)"],
    ["webhooks:\n  n8n_notify_url: n8n.local/hook?token=XYZ\n", {}, "webhooks.n8n_notify_url",
      "config.yaml: webhooks.n8n_notify_url must be an http:// or https:// URL (got a string, not shown)"],
    ["", { TELEGRAM_CHAT_ID: "42,@ok,me,you" }, "telegram.chat_id",
      'TELEGRAM_CHAT_ID from the environment: telegram.chat_id holds "me", "you", not a numeric chat id or @channel (got "42,@ok,me,you")'],
    ["telegram:\n  chat_id: [1, {a: 1}]\n", {}, "telegram.chat_id",
      'config.yaml: telegram.chat_id must be a chat id, a comma-separated string of ids, or a list of ids (got [1,{"a":1}])'],
    ["server: [5000]\n", {}, "server", "config.yaml: server must be a mapping (got [5000])"],
    ["git:\n  commit: yes\n", {}, "git.commit", 'config.yaml: git.commit must be one of none, task (got "yes")'],
    ["git:\n  enabled: maybe\n", {}, "git.enabled", 'config.yaml: git.enabled must be auto, true or false (got "maybe")'],
    ["git:\n  enabled: 1\n", {}, "git.enabled", "config.yaml: git.enabled must be auto, true or false (got 1)"],
    ["git:\n  branch: orchestrator/{session} today\n", {}, "git.branch",
      'config.yaml: git.branch must be a git branch name ({session} becomes the session id): it has a space; use - or / instead (got "orchestrator/{session} today")'],
    ["git:\n  branch: orchestrator..{session}\n", {}, "git.branch",
      'config.yaml: git.branch must be a git branch name ({session} becomes the session id): it has ".." (got "orchestrator..{session}")'],
    ["git:\n  branch: -{session}\n", {}, "git.branch",
      'config.yaml: git.branch must be a git branch name ({session} becomes the session id): it starts with "-" (got "-{session}")'],
    ["git:\n  branch: 'fix:{session}'\n", {}, "git.branch",
      'config.yaml: git.branch must be a git branch name ({session} becomes the session id): it has ":"; git refuses ~ ^ : ? * [ and \\ in a branch name (got "fix:{session}")'],
    ["git:\n  branch: orchestrator/{task}\n", {}, "git.branch",
      'config.yaml: git.branch must be a git branch name ({session} becomes the session id): it has "{task}", and only {session} is replaced (by the session id) (got "orchestrator/{task}")'],
    ["git:\n  branch: 5\n", {}, "git.branch", "config.yaml: git.branch must be a string (quote it in YAML) (got 5)"],
    ["git:\n  comit: task\n", {}, "git.comit", "config.yaml: unknown key git.comit (known: enabled, commit, branch); did you mean git.commit?"],
    ["gti:\n  commit: task\n", {}, "gti",
      'config.yaml: unknown section "gti" (known: server, orchestrator, webhooks, claude, git, paths, logging, telegram, metrics, dashboard); did you mean git?'],
    ["orchestrator:\n  verify_retrys: 2\n", {}, "orchestrator.verify_retrys",
      "config.yaml: unknown key orchestrator.verify_retrys (known: approval_mode, checkpoint_after, auto_approve, verify, verify_timeout, verify_retries, daily_budget_usd, budget_warn_ratio, learnings_file); did you mean orchestrator.verify_retries?"],
    ["orchestrator:\n  verifiy: npm test\n", {}, "orchestrator.verifiy",
      "config.yaml: unknown key orchestrator.verifiy (known: approval_mode, checkpoint_after, auto_approve, verify, verify_timeout, verify_retries, daily_budget_usd, budget_warn_ratio, learnings_file); did you mean orchestrator.verify?"],
    ["orchestrator:\n  verify_timeout: 0\n", {}, "orchestrator.verify_timeout", "config.yaml: orchestrator.verify_timeout must be a number of seconds > 0 (got 0)"],
    ["orchestrator:\n  verify_retries: 0.5\n", {}, "orchestrator.verify_retries", "config.yaml: orchestrator.verify_retries must be a whole number >= 0 (got 0.5)"],
    ["orchestrator:\n  verify: [npm test, 3]\n", {}, "orchestrator.verify",
      'config.yaml: orchestrator.verify must be a command (a string) or a list of commands (YAML `- item` lines) (got ["npm test",3])'],
    ["orchestrator:\n  verify: [npm test && npm run lint]\n", {}, "orchestrator.verify",
      'config.yaml: orchestrator.verify has "npm test && npm run lint", which cannot run: it has the shell operator "&&", and no shell runs this command: put it in quotes (\'...\') to pass it as an argument, or write sh -c \'…\' yourself, or give each command its own list item (got ["npm test && npm run lint"])'],
    ["orchestrator:\n  verify: {npm: test}\n", {}, "orchestrator.verify",
      'config.yaml: orchestrator.verify must be a command (a string) or a list of commands (YAML `- item` lines) (got {"npm":"test"})'],
    ["orchestrator:\n  verify: [npm test, ' ']\n", {}, "orchestrator.verify",
      'config.yaml: orchestrator.verify must not hold an empty command (got ["npm test"," "])'],
    ["server:\n  port: 80.5\nlogging:\n  level: loud\n", {}, null,
      "2 configuration problems:\n  - config.yaml: server.port must be a port number 0-65535 (0: any free port) (got 80.5)\n" +
        '  - config.yaml: logging.level must be one of debug, info, warn, error (or DEBUG, INFO, WARNING, ERROR) (got "loud")'],
  ];
  it.each(cases)("%j %j", async (yaml, env, key, message) => {
    const error = await errorIn(yaml === "" ? {} : { "config.yaml": yaml }, env);
    expect({ key: error.key, message: error.message }).toEqual({ key, message });
  });

  it("takes null as the default for a key that needs a value, and as none for a list or a nullable key", async () => {
    const { config } = await loadIn({ "config.yaml": "claude:\n  timeout: ~\n  flags:\n  model: ~\norchestrator:\n  auto_approve:\n" });
    expect(config.claude).toMatchObject({ timeout: 300, flags: [], model: null });
    expect(config.orchestrator.auto_approve).toEqual([]);
  });
});
