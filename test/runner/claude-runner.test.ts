// ClaudeRunner against the fake CLI: one real child process per scenario.
import { describe, it, expect, afterAll } from "@jest/globals";
import { readFileSync, writeFileSync, chmodSync } from "node:fs";
import path from "node:path";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { calls, fakeConfig, removeDir, runScenario, tempDir, FAKE_CLAUDE } from "./runner-test-helpers.js";

const dirs: string[] = [];
const run = async (...args: Parameters<typeof runScenario>) => {
  const r = await runScenario(...args);
  dirs.push(r.dir);
  return r;
};
afterAll(() => dirs.forEach(removeDir));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("ClaudeRunner scenarios", () => {
  it("success: outcome fields, progress, spawn hook, and the stream in the log file", async () => {
    const r = await run("success", { model: "claude-test", max_turns: 5, allowed_tools: ["Bash", "Edit"], permission_mode: "acceptEdits" });
    expect(r.outcome).toMatchObject({
      ok: true, kind: "success", reason: null, summary: "Done. All tests pass.", cost_usd: 0.0123, num_turns: 2,
      exit_code: 0, signal: null, permission_denials: [],
      tokens: { input_tokens: 1200, output_tokens: 340, cache_creation_input_tokens: 500, cache_read_input_tokens: 8000 },
    });
    expect(r.outcome.session_id).toMatch(UUID);
    expect(r.outcome.duration_ms).toBeGreaterThanOrEqual(0);
    expect(r.progress).toEqual([
      { kind: "init", text: "claude-test" },
      { kind: "text", text: "I'll look at the project first." },
      { kind: "tool_use", text: "Bash: npm test", tool: "Bash" },
      { kind: "text", text: "All 12 tests pass." },
    ]);
    const [call] = calls(r.dir);
    expect(r.spawned).toEqual([expect.objectContaining({ pid: call.pid, pgid: call.pid, log_error: null })]);
    expect(r.outcome.output_log).toEqual({ created: true, error: null });
    expect(r.outcome.stderr_tail).toBeNull();
    expect(call.argv).toEqual([
      "-p", "--output-format", "stream-json", "--verbose", "--model", "claude-test", "--max-turns", "5",
      "--allowedTools", "Bash,Edit", "--permission-mode", "acceptEdits",
    ]);
    expect(call.prompt).toBe("Do the task.\nFAKE_CLAUDE: success\n");
    expect(call.cwd).toBe(r.dir);
    const lines = readFileSync(r.logFile, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["system", "assistant", "assistant", "user", "assistant", "result"]);
  });

  it("appends to an existing log file", async () => {
    const r = await run("success");
    const first = readFileSync(r.logFile, "utf8");
    const runner = new ClaudeRunner(fakeConfig(r.dir), { env: { PATH: process.env.PATH }, dropEnv: [] });
    await runner.run({ prompt: "FAKE_CLAUDE: no_result", logFile: r.logFile });
    const both = readFileSync(r.logFile, "utf8");
    expect(both.startsWith(first)).toBe(true);
    expect(both.length).toBeGreaterThan(first.length);
  });

  it.each([
    ["is_error", "error_result", `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "API Error: 401 invalid x-api-key")`, 1],
    ["usage_limit", "usage_limit", "usage limit reached: You've hit your limit · resets 3pm (UTC)", 1],
    ["max_turns", "max_turns", "Claude reached its turn limit (3)", 1],
    ["error_during_execution", "error_subtype", "Claude reported an error (error_during_execution): Tool execution failed: ENOSPC", 1],
    ["crash", "exit_error", expect.stringMatching(/^exited 3: fatal: something broke \(stderr is at the end of \/.*task\.log\)$/), 3],
    ["stderr_exit", "exit_error", `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "Error: Invalid API key · Please run /login")`, 1],
    ["no_result", "no_result", "ended without a result line (exit 0)", 0],
  ])("%s -> %s", async (scenario, kind, reason, exitCode) => {
    const r = await run(scenario);
    expect(r.outcome).toMatchObject({ ok: false, kind, reason, exit_code: exitCode });
  });

  it("max_turns prefers the configured limit and has no summary", async () => {
    const r = await run("max_turns", { max_turns: 7 });
    expect(r.outcome).toMatchObject({ kind: "max_turns", reason: "Claude reached its turn limit (7)", summary: null, num_turns: 3 });
    expect(r.outcome.session_id).toMatch(UUID);
  });

  it("crash: the stderr tail goes to the end of the log, prefixed", async () => {
    const r = await run("crash");
    expect(readFileSync(r.logFile, "utf8")).toMatch(/"te\n\[stderr\] fatal: something broke\n$/);
  });

  it("denied: a success that reports the refused tools", async () => {
    const r = await run("denied");
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", permission_denials: ["Bash"] });
  });

  it("malformed: a non-JSON line is skipped and the run still succeeds", async () => {
    const r = await run("malformed");
    expect(r.outcome.kind).toBe("success");
    expect(readFileSync(r.logFile, "utf8")).toContain("this is not JSON {\n");
  });

  it("slow: steady progress keeps the idle watchdog quiet", async () => {
    const r = await run("slow", { idle_timeout: 0.8 }); // the fake prints every 250 ms
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", num_turns: 6 });
    expect(r.progress.filter((p) => p.kind === "text").map((p) => p.text)).toHaveLength(6);
  });

  it("resume: passes --resume and keeps the session id", async () => {
    const r = await run("success", {}, { resumeSessionId: "11111111-2222-3333-4444-555555555555" });
    expect(calls(r.dir)[0].argv.slice(-2)).toEqual(["--resume", "11111111-2222-3333-4444-555555555555"]);
    expect(r.outcome.session_id).toBe("11111111-2222-3333-4444-555555555555");
  });

  it("resume of an unknown session fails with the CLI's message", async () => {
    const r = await run("resume_not_found", {}, { resumeSessionId: "dead" });
    expect(r.outcome).toMatchObject({ kind: "exit_error", reason: `exited 1: No conversation found with session ID: dead (stderr is at the end of ${r.logFile})` });
  });

  it("scrubs the child's environment", async () => {
    const secrets = { TELEGRAM_BOT_TOKEN: "123:abc", WEBHOOK_SECRET: "s3cret", N8N_NOTIFY_URL: "https://n8n.local/hook" };
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), {
      env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, CLAUDECODE: "1", CLAUDE_CODE_ENTRYPOINT: "cli", KEEP_ME: "yes", ...secrets },
      dropEnv: Object.keys(secrets),
    });
    const outcome = await runner.run({ prompt: "hello", logFile: path.join(dir, "t.log") });
    expect(outcome.kind).toBe("success");
    const { env } = calls(dir)[0];
    expect(env.KEEP_ME).toBe("yes");
    for (const name of ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", ...Object.keys(secrets)]) expect(env).not.toHaveProperty(name);
    expect(JSON.stringify(env)).not.toMatch(/123:abc|s3cret|n8n\.local/);
  });

  it("a throwing hook does not break the run", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH }, dropEnv: [] });
    const boom = () => {
      throw new Error("hook bug");
    };
    const outcome = await runner.run({ prompt: "x", logFile: path.join(dir, "t.log") }, { onSpawn: boom, onProgress: boom });
    expect(outcome.kind).toBe("success");
  });

  it("uses FAKE_CLAUDE_SCENARIO when the prompt names none, and runs the fixture directly (shebang)", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir, { command: [FAKE_CLAUDE] }), {
      env: { PATH: process.env.PATH, FAKE_CLAUDE_SCENARIO: "is_error" },
      dropEnv: [],
    });
    expect((await runner.run({ prompt: "plain prompt", logFile: path.join(dir, "t.log") })).kind).toBe("error_result");
  });
});

describe("ClaudeRunner start failures", () => {
  const runWith = async (command: string[], projectDir?: string) => {
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(projectDir ?? dir, { command }), { env: { PATH: process.env.PATH }, dropEnv: [] });
    return runner.run({ prompt: "x", logFile: path.join(dir, "t.log") });
  };

  it("not found", async () => {
    expect(await runWith(["/nonexistent/bin/claude"])).toMatchObject({
      ok: false, kind: "not_found", exit_code: null,
      reason: "claude not found: set CLAUDE_CLI_PATH or claude.command (tried '/nonexistent/bin/claude')",
    });
    expect((await runWith(["claude-definitely-not-on-path-xyz"])).kind).toBe("not_found");
  });

  it("not executable", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "claude");
    writeFileSync(file, "#!/bin/sh\necho hi\n");
    chmodSync(file, 0o644);
    const outcome = await runWith([file]);
    expect(outcome.kind).toBe("not_found");
    expect(outcome.reason).toContain("permission denied");
  });

  it("missing project dir", async () => {
    expect(await runWith([process.execPath, FAKE_CLAUDE], "/nonexistent/project")).toMatchObject({
      kind: "not_found", reason: "project directory not found: '/nonexistent/project' (set claude.project_dir)",
    });
  });

  it("an empty command is an outcome, not a rejection", async () => {
    expect(await runWith([])).toMatchObject({ ok: false, kind: "exit_error", reason: expect.stringContaining("claude.command is empty") });
  });

  it("a child that exits without reading a large prompt, with lots of stderr", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const script = path.join(dir, "early-exit.mjs");
    writeFileSync(script, "process.stderr.write('e'.repeat(200000) + '\\nlast words\\n'); process.exit(2);\n");
    const runner = new ClaudeRunner(fakeConfig(dir, { command: [process.execPath, script] }), { env: { PATH: process.env.PATH }, dropEnv: [] });
    const logFile = path.join(dir, "t.log");
    const outcome = await runner.run({ prompt: "p".repeat(4 * 1024 * 1024), logFile });
    expect(outcome).toMatchObject({ kind: "exit_error", reason: `exited 2: last words (stderr is at the end of ${logFile})`, exit_code: 2 });
    const log = readFileSync(logFile, "utf8");
    expect(log).toContain("[stderr] (only the last 64 KB of stderr kept)\n");
    expect(log.length).toBeLessThan(70 * 1024);
  });

  it("never rejects, even when the log file cannot be written", async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, "file"), "");
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH }, dropEnv: [] });
    const logFile = path.join(dir, "file", "sub", "t.log");
    const spawned: unknown[] = [];
    const outcome = await runner.run({ prompt: "x", logFile }, { onSpawn: (info) => spawned.push(info) });
    expect(outcome.kind).toBe("success");
    // Said, not swallowed: at spawn (so the path is never recorded) and in the outcome.
    expect(spawned).toEqual([expect.objectContaining({ log_error: expect.stringMatching(/^could not open the output log: ENOTDIR: not a directory, mkdir '.*file\/sub'$/) })]);
    expect(outcome.output_log).toEqual({ created: false, error: expect.stringContaining("ENOTDIR") });
  });

  it("a crash whose log cannot be written: the end of stderr is kept in the outcome, and the reason says so", async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, "file"), "");
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH }, dropEnv: [] });
    const outcome = await runner.run({ prompt: "FAKE_CLAUDE: crash", logFile: path.join(dir, "file", "t.log") });
    expect(outcome).toMatchObject({
      kind: "exit_error",
      reason: "exited 3: fatal: something broke (the output log could not be written: the end of stderr is kept in the state, in the task's stderr_tail)",
      output_log: { created: false, error: expect.stringContaining("could not open the output log") },
      stderr_tail: "fatal: something broke",
    });
  });

  it("a log cut short by a failing write says after how much (a real full disk is in test/faults/full-disk.test.ts)", async () => {
    const dir = tempDir();
    dirs.push(dir);
    // /dev/full: every write fails with ENOSPC, as on a full disk.
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH }, dropEnv: [] });
    const outcome = await runner.run({ prompt: "FAKE_CLAUDE: crash", logFile: "/dev/full" });
    expect(outcome.output_log).toEqual({ created: true, error: expect.stringMatching(/^the output log was cut short after 0 B: ENOSPC: no space left on device, write$/) });
    expect(outcome.stderr_tail).toBe("fatal: something broke");
    expect(outcome.reason).toMatch(/kept in the state, in the task's stderr_tail\)$/);
  });
});
