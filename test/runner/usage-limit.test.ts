// Usage limits in the runner: the CLI's texts (the forms its pinned binary builds), the reset time
// in them, the rate_limit_event lines, and a run of the fake CLI stopped by a limit and resumed after it.
import { afterAll, describe, expect, it } from "@jest/globals";
import path from "node:path";
import { limitText, parseResetTime } from "../../src/runner/usage-limit-text.js";
import { parseRateLimit, parseStreamLine } from "../../src/runner/parse-stream-line.js";
import { buildOutcome, initialFacts, type RunFacts } from "../../src/runner/describe-failure.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import type { RateLimitInfo } from "../../src/core/run-outcome.js";
import type { ResultLine } from "../../src/runner/parse-stream-line.js";
import { calls, fakeConfig, removeDir, tempDir } from "./runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

// 2026-08-06 10:00 UTC, a Thursday (11:00 in London, summer time).
const NOW = Date.parse("2026-08-06T10:00:00Z");

describe("limitText: which error texts name a usage limit", () => {
  it.each([
    // Subscriptions: `You've hit your ${name}${resets}${progress saved}` (the CLI's q()).
    ["You've hit your limit · resets 3pm (UTC)", true],
    ["You've hit your 5-hour limit · resets 3:30pm (Europe/London) · progress saved", true],
    ["You've hit your weekly limit · resets Aug 8, 3pm (America/New_York)", true],
    ["You've hit your Opus limit · resets 11pm (UTC)", true],
    ["You've hit your session limit", true],
    ["You've hit your usage limit · resets 9am (UTC)", true],
    ["You've hit your monthly spend limit · ask your admin to raise it at https://claude.ai/admin", true],
    ["You’ve reached your usage limit", true],
    // Gateways and older CLIs.
    ["usage limit reached", true],
    ["5-hour limit reached ∙ resets 3pm", true],
    ["API Error: Request rejected (429) · spend limit reached · resets Aug 8 · request an increase at https://go.corp.example.com/claude-limits", true],
    ["spend limit reached · resets Aug 8", true],
    ["Claude AI usage limit reached|1786147200", true],
    // API keys: a 429 after the CLI's retries.
    ["API Error: Request rejected (429) · this may be a temporary capacity issue.", true],
    ["API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited", true],
    ['API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}', true],
    // Not limits.
    ["API Error: 401 invalid x-api-key", false],
    ["Not logged in · Please run /login", false],
    ["Tool execution failed: ENOSPC", false],
    ["API Error: 529 Overloaded", false],
    ["Reached maximum number of turns (3)", false],
  ])("%s -> %s", (text, isLimit) => {
    expect(limitText([text]) !== null).toBe(isLimit);
  });

  it("takes the line that names it, from the result text or the errors", () => {
    expect(limitText([null, "line one\nYou've hit your limit · resets 3pm (UTC)\nmore"])).toBe("You've hit your limit · resets 3pm (UTC)");
  });
});

describe("parseResetTime: the reset in the CLI's words, placed after now", () => {
  it.each([
    ["You've hit your limit · resets 3pm (UTC)", "2026-08-06T15:00:00.000Z"],
    // Already past today: the next one.
    ["You've hit your limit · resets 9am (UTC)", "2026-08-07T09:00:00.000Z"],
    ["You've hit your 5-hour limit · resets 3:30pm (Europe/London) · progress saved", "2026-08-06T14:30:00.000Z"],
    ["You've hit your weekly limit · resets Aug 8, 3pm (America/New_York)", "2026-08-08T19:00:00.000Z"],
    ["You've hit your weekly limit · resets Jan 2, 2027, 9am (UTC)", "2027-01-02T09:00:00.000Z"],
    ["spend limit reached · resets Aug 8 · request an increase at https://go.corp.example.com/claude-limits", "2026-08-08T00:00:00.000Z"],
    // Earlier in the year: next year's.
    ["spend limit reached · resets Feb 1", "2027-02-01T00:00:00.000Z"],
    ["5-hour limit reached ∙ resets 15:00", "2026-08-06T15:00:00.000Z"],
    // Said during its own minute (the CLI drops the seconds): the end of that minute, not tomorrow.
    ["You've hit your limit · resets 10am (UTC)", "2026-08-06T10:01:00.000Z"],
    ["API Error: Request rejected (429) · spend limit reached · resets in 5s · request an increase", "2026-08-06T10:00:05.000Z"],
    ["You've hit your fast limit · resets in 2h 14m", "2026-08-06T12:14:00.000Z"],
    ["Claude AI usage limit reached|1786147200", "2026-08-08T00:00:00.000Z"],
    ["API Error: Request rejected (429) · this may be a temporary capacity issue.", null],
    ["You've hit your limit · resets whenever", null],
    ["You've hit your limit · resets 15", null],
  ])("%s -> %s", (text, iso) => {
    expect(parseResetTime(text, NOW, "UTC")).toBe(iso);
  });

  it("reads a time without a zone in the injected one (else the process's own)", () => {
    expect(parseResetTime("5-hour limit reached ∙ resets 3pm", NOW, "Europe/London")).toBe("2026-08-06T14:00:00.000Z");
    expect(parseResetTime("resets Aug 8, 3pm", NOW, "Asia/Tokyo")).toBe("2026-08-08T06:00:00.000Z");
    // An unknown zone in the text falls back to the injected one.
    expect(parseResetTime("resets 3pm (Mars/Olympus)", NOW, "UTC")).toBe("2026-08-06T15:00:00.000Z");
  });
});

describe("rate_limit_event lines", () => {
  it("parses the CLI's shape (resetsAt in epoch seconds) and tolerates missing fields", () => {
    const line = JSON.stringify({ type: "rate_limit_event", rate_limit_info: { status: "allowed_warning", resetsAt: 1786147200, rateLimitType: "five_hour", utilization: 0.82, isUsingOverage: false }, uuid: "u", session_id: "s" });
    expect(parseStreamLine(line)).toEqual({ type: "rate_limit", info: { status: "allowed_warning", type: "five_hour", resets_at: "2026-08-08T00:00:00.000Z", utilization: 0.82 } });
    expect(parseRateLimit({ status: "rejected" })).toEqual({ status: "rejected", type: null, resets_at: null, utilization: null });
    expect(parseRateLimit("junk")).toEqual({ status: "unknown", type: null, resets_at: null, utilization: null });
    expect(parseRateLimit({ status: "allowed", resetsAt: 1e15 }).resets_at).toBeNull();
  });
});

describe("classification: an error result that names a limit is a usage_limit outcome", () => {
  const cfg = fakeConfig("/tmp");
  const result = (over: Partial<ResultLine>): ResultLine => ({ subtype: "success", is_error: true, result: null, errors: [], num_turns: 1, total_cost_usd: 0, usage: null, session_id: "sess", permission_denials: [], ...over });
  const facts = (r: ResultLine, rateLimits: RateLimitInfo[] = [], over: Partial<RunFacts> = {}): RunFacts => ({ ...initialFacts("claude"), exitCode: 1, result: r, rateLimits, endedAtMs: NOW, timeZone: "UTC", ...over });
  const rejected: RateLimitInfo = { status: "rejected", type: "five_hour", resets_at: "2026-08-06T13:47:00.000Z", utilization: 1 };

  it("resets_at from the last rejected rate_limit_event first", () => {
    const o = buildOutcome(facts(result({ result: "You've hit your limit · resets 3pm (UTC)" }), [{ ...rejected, status: "allowed_warning", resets_at: "2026-08-06T12:00:00.000Z" }, rejected]), cfg);
    expect(o).toMatchObject({ ok: false, kind: "usage_limit", reason: "usage limit reached: You've hit your limit · resets 3pm (UTC)", limit: { type: "five_hour", resets_at: "2026-08-06T13:47:00.000Z", message: "You've hit your limit · resets 3pm (UTC)" }, session_id: "sess" });
  });

  it("else from the text, else from the last event of any status, else null", () => {
    expect(buildOutcome(facts(result({ result: "You've hit your limit · resets 3pm (UTC)" })), cfg).limit).toEqual({ type: null, resets_at: "2026-08-06T15:00:00.000Z", message: "You've hit your limit · resets 3pm (UTC)" });
    const warned = { ...rejected, status: "allowed_warning" };
    expect(buildOutcome(facts(result({ result: "usage limit reached" }), [warned]), cfg).limit).toEqual({ type: "five_hour", resets_at: "2026-08-06T13:47:00.000Z", message: "usage limit reached" });
    expect(buildOutcome(facts(result({ result: "API Error: Request rejected (429) · this may be a temporary capacity issue." })), cfg).limit).toEqual({ type: null, resets_at: null, message: "API Error: Request rejected (429) · this may be a temporary capacity issue." });
  });

  it("also in an error subtype's errors; never in a success, the turn limit or the budget", () => {
    expect(buildOutcome(facts(result({ subtype: "error_during_execution", errors: ["API Error: Request rejected (429) · rate limited"] })), cfg).kind).toBe("usage_limit");
    // Claude's own work may well talk about usage limits.
    expect(buildOutcome(facts(result({ is_error: false, result: "I added a usage limit reached banner." }), [], { exitCode: 0 }), cfg).kind).toBe("success");
    expect(buildOutcome(facts(result({ subtype: "error_max_turns", errors: ["usage limit reached"] })), cfg).kind).toBe("max_turns");
    expect(buildOutcome(facts(result({ subtype: "error_max_budget_usd", errors: ["spend limit reached"] })), cfg).kind).toBe("budget");
    expect(buildOutcome(facts(result({ result: "API Error: 401 invalid x-api-key" })), cfg).kind).toBe("error_result");
  });

  it("the runner's own decisions win: a timeout is a timeout", () => {
    expect(buildOutcome(facts(result({ result: "usage limit reached" }), [], { endedBy: "timeout", endedAfterResult: false }), cfg).kind).toBe("timeout");
  });
});

describe("the fake CLI at a usage limit, through the runner", () => {
  it("prints a rejected rate_limit_event: the outcome's reset is it, the hook hears it, and --resume after the reset succeeds", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), FAKE_CLAUDE_RESET_IN_S: "2" };
    const runner = new ClaudeRunner(fakeConfig(dir), { env, dropEnv: [], timeZone: "UTC" });
    const heard: RateLimitInfo[] = [];
    const first = await runner.run({ prompt: "Do it.\nFAKE_CLAUDE: usage_limit\n", logFile: path.join(dir, "task.log") }, { onRateLimit: (i) => heard.push(i) });
    expect(first).toMatchObject({ ok: false, kind: "usage_limit", limit: { type: "five_hour", message: expect.stringMatching(/^You've hit your 5-hour limit · resets \d{1,2}(:\d\d)?[ap]m \(UTC\)$/) } });
    expect(heard).toEqual([{ status: "rejected", type: "five_hour", resets_at: first.limit?.resets_at, utilization: 1 }]);
    const resetMs = Date.parse(first.limit?.resets_at ?? "");
    expect(resetMs).toBeGreaterThan(Date.now() - 1000);
    // Before the reset: the same limit again, with the same reset.
    const early = await runner.run({ prompt: "continue", logFile: path.join(dir, "task.log"), resumeSessionId: first.session_id });
    expect(Date.now()).toBeLessThan(resetMs); // the reset is at least 2 s after the first run's start
    expect(early).toMatchObject({ kind: "usage_limit", limit: { resets_at: first.limit?.resets_at } });
    await new Promise((r) => setTimeout(r, Math.max(0, resetMs - Date.now() + 50)));
    const after = await runner.run({ prompt: "continue", logFile: path.join(dir, "task.log"), resumeSessionId: first.session_id });
    expect(after).toMatchObject({ ok: true, kind: "success", summary: "Continued after the usage limit reset.", session_id: first.session_id });
    expect(calls(dir).map((c) => c.argv.includes("--resume"))).toEqual([false, true, true]);
  });

  it("an allowed_warning reaches the hook, and the run succeeds", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH, FAKE_CLAUDE_RATE_LIMIT_WARNING: "0.82", FAKE_CLAUDE_WARNING_RESET_AT: "1786147200" }, dropEnv: [] });
    const heard: RateLimitInfo[] = [];
    const o = await runner.run({ prompt: "FAKE_CLAUDE: success", logFile: path.join(dir, "task.log") }, { onRateLimit: (i) => heard.push(i) });
    expect(o.kind).toBe("success");
    expect(heard).toEqual([{ status: "allowed_warning", type: "five_hour", resets_at: "2026-08-08T00:00:00.000Z", utilization: 0.82 }]);
  });
});
