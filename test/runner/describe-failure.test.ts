import { describe, it, expect } from "@jest/globals";
import { buildOutcome, describeFailure, formatSeconds, type RunFacts } from "../../src/runner/describe-failure.js";
import type { ResultLine } from "../../src/runner/parse-stream-line.js";
import { fakeConfig } from "./runner-test-helpers.js";

const cfg = fakeConfig("/tmp", { timeout: 300, idle_timeout: 120 });
const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  file: "claude", spawnError: null, missingCwd: null, exitCode: 0, signal: null, endedBy: null, endedAfterResult: false,
  result: null, initSessionId: null, stderrTail: "", lastMalformedLine: null, tooLongLines: 0, durationMs: 1234, ...over,
});
const result = (over: Partial<ResultLine> = {}): ResultLine => ({
  subtype: "success", is_error: false, result: "Done", errors: [], num_turns: 2, total_cost_usd: 0.5,
  usage: null, session_id: "s1", permission_denials: [], ...over,
});
const verdict = (f: Partial<RunFacts>, c = cfg) => {
  const v = describeFailure(facts(f), c);
  return [v.kind, v.reason, v.ok];
};

describe("describeFailure", () => {
  it.each<[string, Partial<RunFacts>, [string, string | null, boolean]]>([
    ["success", { result: result() }, ["success", null, true]],
    ["success killed after result_grace", { exitCode: null, signal: "SIGTERM", endedBy: "result_grace", endedAfterResult: true, result: result() }, ["success", null, true]],
    ["cancel after a successful result", { exitCode: 143, endedBy: "cancelled", endedAfterResult: true, result: result() }, ["success", null, true]],
    ["timeout", { exitCode: null, signal: "SIGTERM", endedBy: "timeout" }, ["timeout", "timed out after 300 s", false]],
    ["idle", { exitCode: null, signal: "SIGKILL", endedBy: "idle_timeout" }, ["idle_timeout", "no output for 120 s (idle timeout)", false]],
    ["cancelled", { exitCode: 143, endedBy: "cancelled" }, ["cancelled", "cancelled", false]],
    ["result arriving after our kill does not count", { exitCode: 143, endedBy: "timeout", endedAfterResult: false, result: result() }, ["timeout", "timed out after 300 s", false]],
    ["is_error", { exitCode: 1, result: result({ is_error: true, result: "API Error: 401 invalid x-api-key" }) },
      ["error_result", `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "API Error: 401 invalid x-api-key")`, false]],
    ["is_error, not about credentials", { exitCode: 1, result: result({ is_error: true, result: "API Error: 400 prompt is too long" }) },
      ["error_result", "Claude reported an error: API Error: 400 prompt is too long", false]],
    ["max turns from config", { exitCode: 1, result: result({ subtype: "error_max_turns", is_error: true, result: null, num_turns: 11 }) },
      ["max_turns", "Claude reached its turn limit (10)", false]],
    ["other error subtype", { exitCode: 1, result: result({ subtype: "error_during_execution", is_error: true, result: null, errors: ["a", "b"] }) },
      ["error_subtype", "Claude reported an error (error_during_execution): a; b", false]],
    ["not found", { exitCode: null, spawnError: { code: "ENOENT", message: "spawn claude ENOENT" } },
      ["not_found", "claude not found: install Claude Code (npm install -g @anthropic-ai/claude-code), or set CLAUDE_CLI_PATH or claude.command (tried 'claude')", false]],
    ["not found, a configured path", { file: "/opt/claude", exitCode: null, spawnError: { code: "ENOENT", message: "spawn /opt/claude ENOENT" } },
      ["not_found", "claude not found: set CLAUDE_CLI_PATH or claude.command (tried '/opt/claude')", false]],
    ["not executable", { exitCode: null, spawnError: { code: "EACCES", message: "x" } },
      ["not_found", "claude is not executable (permission denied): set CLAUDE_CLI_PATH or claude.command (tried 'claude')", false]],
    ["missing project dir", { exitCode: null, missingCwd: "/nope" }, ["not_found", "project directory not found: '/nope' (set claude.project_dir)", false]],
    ["exit with stderr", { exitCode: 1, stderrTail: "warn: x\nError: Invalid API key · Please run /login\n\n" },
      ["exit_error", `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "Error: Invalid API key · Please run /login")`, false]],
    ["exit without stderr uses a non-JSON stdout line", { exitCode: 2, lastMalformedLine: "Usage: claude [options]" },
      ["exit_error", "exited 2: Usage: claude [options]", false]],
    ["exit with nothing", { exitCode: 2 }, ["exit_error", "exited 2 (no error output)", false]],
    ["signal", { exitCode: null, signal: "SIGKILL" }, ["exit_error", "killed by SIGKILL", false]],
    ["success result but exit 1", { exitCode: 1, result: result(), stderrTail: "boom" }, ["exit_error", "exited 1: boom (after a successful result line)", false]],
    ["no result", {}, ["no_result", "ended without a result line (exit 0)", false]],
    ["no result, too long lines", { tooLongLines: 2 }, ["no_result", "ended without a result line (exit 0); 2 stream line(s) over the line cap were skipped as too long", false]],
  ])("%s", (_name, f, expected) => {
    expect(verdict(f, { ...cfg, max_turns: 10 })).toEqual(expected);
  });

  it("uses the result's num_turns when max_turns is not configured", () => {
    expect(verdict({ exitCode: 1, result: result({ subtype: "error_max_turns", is_error: true, num_turns: 3 }) })[1]).toBe(
      "Claude reached its turn limit (3)",
    );
  });

  it.each<[string, Partial<RunFacts>, string]>([
    ["no credentials at all (real CLI 2.1.330)", { exitCode: 1, result: result({ is_error: true, result: "Not logged in · Please run /login" }) },
      "Not logged in · Please run /login"],
    ["the API refused the key (real CLI 2.1.330)", { exitCode: 1, result: result({ is_error: true, result: "Invalid API key · Fix external API key" }) },
      "Invalid API key · Fix external API key"],
    ["an expired login", { exitCode: 1, result: result({ is_error: true, result: "OAuth token has expired. Please obtain a new token or refresh your existing token." }) },
      "OAuth token has expired. Please obtain a new token or refresh your existing token."],
    ["said on stderr, no result", { exitCode: 1, stderrTail: "starting\nError: Not logged in\n" }, "Error: Not logged in"],
    ["said on stdout as plain text", { exitCode: 1, lastMalformedLine: "Invalid API key · Please run /login" }, "Invalid API key · Please run /login"],
  ])("says when Claude Code is not logged in: %s", (_name, f, said) => {
    const v = describeFailure(facts(f), cfg);
    expect(v.ok).toBe(false);
    expect(v.reason).toBe(`Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "${said}")`);
  });

  it("leaves successes, timeouts and a missing claude alone even when the text mentions a login", () => {
    expect(describeFailure(facts({ result: result({ result: "Added a /login page; Please run /login to try it" }) }), cfg).ok).toBe(true);
    expect(describeFailure(facts({ exitCode: 1, result: result({ result: "Added a /login page; Please run /login to try it" }), stderrTail: "boom" }), cfg).reason).toBe(
      "exited 1: boom (after a successful result line)",
    );
    expect(describeFailure(facts({ exitCode: null, signal: "SIGTERM", endedBy: "timeout", stderrTail: "Not logged in" }), cfg).reason).toBe(
      "timed out after 300 s",
    );
    expect(describeFailure(facts({ exitCode: null, spawnError: { code: "ENOENT", message: "x" }, stderrTail: "Not logged in" }), cfg).kind).toBe("not_found");
  });

  it("formats fractional seconds", () => {
    expect(formatSeconds(0.5)).toBe("0.5 s");
    expect(formatSeconds(300)).toBe("300 s");
    expect(formatSeconds(1 / 3)).toBe("0.333 s");
  });
});

describe("buildOutcome", () => {
  it("carries the result's numbers and trims the summary", () => {
    const usage = { input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 3, cache_read_input_tokens: 4 };
    const o = buildOutcome(
      facts({ result: result({ result: ` ${"z".repeat(10_000)} `, usage, permission_denials: ["Bash"] }), initSessionId: "init" }),
      cfg,
    );
    expect(o).toMatchObject({
      ok: true, kind: "success", reason: null, session_id: "s1", cost_usd: 0.5, tokens: usage, num_turns: 2,
      duration_ms: 1234, exit_code: 0, signal: null, permission_denials: ["Bash"],
    });
    expect(o.summary).toHaveLength(4000);
  });

  it("counts a resumed run's own cost, not the session total the CLI reports", () => {
    const r = result({ total_cost_usd: 0.0192, run_cost_usd: 0.0064 });
    expect(buildOutcome(facts({ result: r, resumed: true }), cfg).cost_usd).toBe(0.0064);
    expect(buildOutcome(facts({ result: r }), cfg).cost_usd).toBe(0.0192);
    expect(buildOutcome(facts({ result: result({ total_cost_usd: 0.3 }), resumed: true }), cfg).cost_usd).toBe(0.3);
  });

  it("falls back to the init session id and nulls without a result", () => {
    expect(buildOutcome(facts({ initSessionId: "init", exitCode: 3 }), cfg)).toMatchObject({
      ok: false, kind: "exit_error", summary: null, session_id: "init", cost_usd: null, tokens: null, num_turns: null, permission_denials: [],
    });
  });
});

describe("lastLine", () => {
  it("takes the error line of a Node.js crash, not its stack or the 'Node.js v20' line", async () => {
    const { lastLine } = await import("../../src/runner/describe-failure.js");
    const crash = [
      "/x/claude.js:3",
      "  throw new Error('boom: the config is broken');",
      "  ^",
      "",
      "Error: boom: the config is broken",
      "    at Object.<anonymous> (/x/claude.js:3:9)",
      "    at node:internal/main/run_main_module:28:49",
      "",
      "Node.js v20.20.2",
      "",
    ].join("\n");
    expect(lastLine(crash)).toBe("Error: boom: the config is broken");
    expect(lastLine("plain failure\n")).toBe("plain failure");
    expect(lastLine("Node.js v20.20.2")).toBe("Node.js v20.20.2");
  });
});
