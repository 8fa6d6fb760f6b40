import { describe, expect, it } from "@jest/globals";
import { buildDayReport, median, sessionDate } from "../../src/report/build-day-report.js";
import { parseEventLines } from "../../src/report/report-events.js";
import { DATE, at, historyLine, sessionState } from "./report-fixtures.js";

// The report's numbers, checked against a constructed state (report-fixtures.ts) whose every
// figure is known: counts, rate, cost against the budget, time Claude worked, the waits.

const NOW = new Date(at(9, 40));

describe("buildDayReport from the state alone", () => {
  const report = buildDayReport(sessionState(), { date: DATE, now: NOW, budgetUsd: 10, events: null });

  it("has the session's date (the local date it started)", () => {
    expect(sessionDate(sessionState())).toBe(DATE);
    expect(report).toMatchObject({ date: DATE, session_id: "20260310-090000", session_status: "waiting_approval", started_at: at(9, 0), generated_at: NOW.toISOString() });
  });

  it.each([
    ["tasks", 5],
    ["completed", 2],
    ["failed", 1],
    ["interrupted", 0],
    ["skipped", 1],
    ["rolled_back", 0],
    ["pending", 1],
    ["running", 0],
    // completed / (completed + failed): skipped and not-run tasks do not count
    ["success_rate", 2 / 3],
    ["cost_usd", 1.75],
    ["spent_today_usd", null],
    ["budget_usd", 10],
    ["budget_used", 0.175],
    ["claude_s", 240],
    ["tokens_total", 1000 + 200 + 30 + 4000 + 500 + 100 + 20],
    ["num_turns", 7],
    ["files_changed", 2],
    ["insertions", 42],
    ["deletions", 1],
  ] as const)("totals.%s is %p", (key, value) => {
    if (typeof value === "number" && !Number.isInteger(value)) expect(report.totals[key]).toBeCloseTo(value, 10);
    else expect(report.totals[key]).toBe(value);
  });

  it("sums the tokens by kind", () => {
    expect(report.totals.tokens).toEqual({ input_tokens: 1510, output_tokens: 310, cache_creation_input_tokens: 30, cache_read_input_tokens: 4000 });
  });

  it.each([
    // task, status, attempts, duration, cost, tokens, turns, files, verification passed, commit, error, waited for a person
    [1, "completed", 1, 60, 0.5, 5230, 4, 2, true, "0123456789abcdef0123456789abcdef01234567", null, 300],
    [2, "completed", 1, 120, 0.25, 600, 2, 0, null, null, null, null],
    [3, "failed", 2, 60, 1, 20, 1, null, false, null, "verification failed: npm test exited 1:\n2 failing", null],
    [4, "skipped", 0, null, null, null, null, null, null, null, null, null],
    [5, "pending", 0, null, null, null, null, null, null, null, null, 600],
  ] as const)("task %i: %s, %i attempts, %p s, $%p, %p tokens, %p turns, %p files, verified %p, commit %p, error %p, waited %p s", (n, status, attempts, duration, cost, tokens, turns, files, passed, commit, error, waited) => {
    const t = report.tasks[n - 1];
    expect(t).toMatchObject({ task: n, status, attempts, duration_s: duration, cost_usd: cost, tokens_total: tokens, num_turns: turns, files_changed: files, commit, error, waited_for_person_s: waited });
    expect(t?.verification?.passed ?? null).toBe(passed);
  });

  it("names a renamed file old → new, and says what a task changed", () => {
    expect(report.tasks[0]?.files).toEqual(["supabase/migrations/001_baptisms.sql", "src/older.ts → src/old.ts"]);
    expect(report.tasks[0]?.changes).toBe("2 files changed (+42 −1): supabase/migrations/001_baptisms.sql, src/older.ts → src/old.ts");
    expect(report.tasks[1]?.changes).toBe("no files changed");
    expect(report.tasks[2]?.changes).toBeNull(); // no snapshot: unknown, not "none"
  });

  it("estimates the waits for a person from the gaps: 300 s before task 1, none before task 2, 600 s for task 5 so far; the retried task 3 is left out and said so", () => {
    const c = report.checkpoints;
    expect(c.source).toBe("state");
    expect(c.waits.map((w) => [w.task, w.kind, w.waited_s, w.until])).toEqual([
      [1, "approval", 300, at(9, 5)],
      [5, "approval", 600, null],
    ]);
    expect(c).toMatchObject({ count: 2, total_s: 900, median_s: 450, longest_s: 600, longest_task: 5 });
    expect(report.notes.join("\n")).toMatch(/estimated from the state file.*1 retried task is left out/);
  });

  it("has no usage-limit waits when no task hit one", () => {
    expect(report.limits).toEqual({ waited_s: 0, count: 0, waiting_until: null });
    expect(report.notes.join("\n")).not.toMatch(/usage limits/);
  });

  it("counts a failed task's wait for /retry while the session waits for it", () => {
    const s = sessionState();
    Object.assign(s, { status: "task_failed", current_task_index: 2 });
    const r = buildDayReport(s, { date: DATE, now: new Date(at(9, 31)), budgetUsd: null, events: null });
    expect(r.checkpoints.waits.find((w) => w.task === 3)).toMatchObject({ kind: "after_failure", waited_s: 600, until: null });
  });

  it("counts a running task's time up to now, and says so", () => {
    const s = sessionState();
    s.tasks[4] = { ...(s.tasks[4] as (typeof s.tasks)[number]), status: "running", attempts: 1, started_at: at(9, 35) };
    Object.assign(s, { status: "running" });
    const r = buildDayReport(s, { date: DATE, now: NOW, budgetUsd: null, events: null });
    expect(r.tasks[4]?.duration_s).toBe(300);
    expect(r.totals.claude_s).toBe(540);
    expect(r.notes).toContain("Task 5 is still running: its time counts up to now.");
  });
});

describe("the budget", () => {
  it.each([
    // config budget, state.spend, state.budget_override, expected budget, spent today, used
    [null, null, null, null, null, null],
    [10, null, null, 10, null, 0.175],
    [10, { date: DATE, usd: 2.5 }, null, 10, 2.5, 0.25],
    [10, { date: DATE, usd: 2.5 }, { date: DATE, usd: 5, by: "Telegram @ana" }, 5, 2.5, 0.5],
    // another day's records do not count for this date
    [10, { date: "2026-03-09", usd: 9 }, { date: "2026-03-09", usd: 50, by: "x" }, 10, null, 0.175],
    [null, { date: DATE, usd: 3 }, null, null, 3, null],
  ] as const)("config %p, spend %j, override %j: budget %p, spent today %p, used %p", (config, spend, override, budget, spent, used) => {
    const s = { ...sessionState(), spend, budget_override: override };
    const t = buildDayReport(s, { date: DATE, now: NOW, budgetUsd: config, events: null }).totals;
    expect(t.budget_usd).toBe(budget);
    expect(t.spent_today_usd).toBe(spent);
    if (used === null) expect(t.budget_used).toBeNull();
    else expect(t.budget_used).toBeCloseTo(used, 10);
  });
});

describe("buildDayReport with the event history", () => {
  const lines = [
    historyLine(at(9, 0), "start", { by: "the CLI", status: "waiting_approval", notifications: [{ event: "session_started", task: null }, { event: "approval_needed", task: 1 }] }),
    historyLine(at(9, 4), "approve", { by: "Telegram 42 @ana", task: 1, notifications: [{ event: "task_started", task: 1 }] }),
    historyLine(at(9, 6), "task_finished", { task: 1, notifications: [{ event: "task_completed", task: 1 }, { event: "task_started", task: 2 }] }),
    historyLine(at(9, 8), "task_finished", { task: 2, status: "task_failed", notifications: [{ event: "task_failed", task: 2 }] }),
    historyLine(at(9, 10), "retry", { by: "HTTP 127.0.0.1", task: 2, notifications: [{ event: "task_started", task: 2 }] }),
    // a usage limit: 15 minutes in waiting_limit, then on
    historyLine(at(9, 11), "task_finished", { task: 2, status: "waiting_limit" }),
    historyLine(at(9, 26), "limit_reset", { task: 2, status: "running" }),
    "not json at all",
    historyLine(at(9, 27), "task_finished", { task: 2, status: "waiting_limit" }),
    historyLine(at(9, 29), "limit_reset", { task: 2, status: "running" }),
    // another session's line is not this session's
    historyLine(at(9, 30), "approve", { by: "x", task: 3, session: "20260310-000000", notifications: [{ event: "task_started", task: 3 }] }),
    JSON.stringify({ ts: "garbage", event: "approve" }),
  ];
  const events = parseEventLines(lines.join("\n"));

  it("takes the waits for a person from the history, with who let each task go on", () => {
    const r = buildDayReport(sessionState(), { date: DATE, now: NOW, budgetUsd: null, events });
    expect(r.checkpoints.source).toBe("events");
    expect(r.checkpoints.waits.map((w) => [w.task, w.kind, w.waited_s, w.by])).toEqual([
      [1, "approval", 240, "Telegram 42 @ana"],
      [2, "after_failure", 120, "HTTP 127.0.0.1"],
    ]);
    expect(r.checkpoints).toMatchObject({ count: 2, median_s: 180, longest_s: 240, longest_task: 1 });
    expect(r.tasks[0]?.waited_for_person_s).toBe(240);
    expect(r.notes.join("\n")).not.toMatch(/estimated/);
  });

  it("falls back to the state when the history did not see the session start (it began before the history existed)", () => {
    const partial = parseEventLines(lines.slice(1).join("\n"));
    const r = buildDayReport(sessionState(), { date: DATE, now: NOW, budgetUsd: null, events: partial });
    expect(r.checkpoints.source).toBe("state");
  });
});

describe("waits for usage limits (the state's limit_wait_s and limit_resumes)", () => {
  it("adds up the tasks' waits, and leaves them out of the time Claude worked", () => {
    const s = sessionState();
    s.tasks[1] = { ...(s.tasks[1] as (typeof s.tasks)[number]), duration_s: 120 + 900, limit_wait_s: 900, limit_resumes: 2 };
    s.tasks[2] = { ...(s.tasks[2] as (typeof s.tasks)[number]), limit_wait_s: 30, limit_resumes: 1 };
    const r = buildDayReport(s, { date: DATE, now: NOW, budgetUsd: null, events: null });
    expect(r.limits).toEqual({ waited_s: 930, count: 3, waiting_until: null });
    expect(r.totals.claude_s).toBe(60 + 120 + 30);
    expect(r.tasks.map((t) => t.limit_wait_s)).toEqual([0, 900, 30, 0, 0]);
    expect(r.notes).toContain("Claude worked leaves out the 15 min 30 s the tasks waited for usage limits (their durations include them).");
  });

  it("counts the wait going on now, since the limit stopped the run, until resume_at", () => {
    const s = sessionState();
    s.tasks[4] = { ...(s.tasks[4] as (typeof s.tasks)[number]), status: "interrupted", attempts: 1, started_at: at(9, 31), completed_at: at(9, 32), duration_s: 60, limit_wait_s: 120, limit_resumes: 1 };
    Object.assign(s, { status: "waiting_limit", resume_at: at(10, 0), limit: { type: "five_hour", resets_at: at(10, 0), message: "limit", index: 4, since: at(9, 32), hits: 1 } });
    const r = buildDayReport(s, { date: DATE, now: NOW, budgetUsd: null, events: null });
    expect(r.limits).toEqual({ waited_s: 120 + 8 * 60, count: 2, waiting_until: at(10, 0) });
  });
});

describe("median", () => {
  it.each([
    [[], null],
    [[5], 5],
    [[1, 3], 2],
    [[1, 2, 10], 2],
    [[1, 2, 3, 100], 2.5],
  ])("of %j is %p", (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});
