import { describe, expect, it } from "@jest/globals";
import { buildDayReport } from "../../src/report/build-day-report.js";
import { formatSpan, formatUsd, renderDayReport, summarizeDayReport, REPORT_MARKER } from "../../src/report/render-day-report.js";
import { DATE, at, sessionState } from "./report-fixtures.js";

// What a person reads: the markdown of results/<date>-report.md and the chat's short summary,
// from the constructed session of report-fixtures.ts.

const report = buildDayReport({ ...sessionState(), spend: { date: DATE, usd: 2.5 } }, { date: DATE, now: new Date(at(9, 40)), budgetUsd: 10, events: null });
const markdown = renderDayReport(report);
const lines = markdown.split("\n");

describe("renderDayReport", () => {
  it("starts with the session marker, then the title and the session", () => {
    expect(lines[0]).toBe(`${REPORT_MARKER}20260310-090000 -->`);
    expect(lines[1]).toBe(`# Day report ${DATE}`);
    expect(markdown).toContain("Session `20260310-090000` · task file `/work/orchestrator_tasks/2026-03-10-tasks.md` · status **waiting_approval**");
    expect(markdown).toContain("Started 09:00 · report made 09:40");
  });

  it.each([
    ["Tasks", "5: 2 done, 1 failed, 1 skipped, 1 not run"],
    ["Success rate", "67 % (2 of 3 that ran to an end)"],
    ["Cost", "$1.75; $2.50 spent today in all, budget $10.00 (25 % used)"],
    ["Claude worked", "4 min"],
    ["Waiting for you at checkpoints", "2 waits: median 7 min 30 s, longest 10 min (Task 5), 15 min in all"],
    ["Waiting for usage limits", "none"],
    ["Tokens", "5,850 (1,510 in, 310 out, 4,000 cache read, 30 cache written)"],
    ["Turns", "7"],
    ["Files changed", "2 (+42 −1)"],
  ])("the day's %s: %s", (label, value) => {
    expect(lines).toContain(`| ${label} | ${value} |`);
  });

  it("has a row per task, with the pipe in a title escaped", () => {
    const rows = lines.filter((l) => /^\| \d \| /.test(l));
    expect(rows).toEqual([
      "| 1 | Create \\| baptisms migration | ✅ completed | 1 | 1 min | $0.5000 | 5,230 | 4 | 2 (+42 −1) | ✅ passed (2 runs) | `0123456` | 5 min |",
      "| 2 | Task title 2 | ✅ completed | 1 | 2 min | $0.2500 | 600 | 2 | 0 (+0 −0) | — | — | — |",
      "| 3 | Task title 3 | ❌ failed | 2 | 1 min | $1.00 | 20 | 1 | — | ❌ failed | — | — |",
      "| 4 | Task title 4 | ⏭️ skipped | 0 | — | — | — | — | — | — | — | — |",
      "| 5 | Task title 5 | ⏳ pending | 0 | — | — | — | — | — | — | — | 10 min |",
    ]);
  });

  it("details a task's error on one line, its verification, its files and its commit", () => {
    const details = markdown.slice(markdown.indexOf("## Details"));
    expect(details).toContain("### Task 3: Task title 3\n\n❌ failed · backend · 2 attempts\n\n- Error: verification failed: npm test exited 1: 2 failing\n- Verification: ❌ npm test failed (exit 1) (npm test exited 1: 2 failing)");
    expect(details).toContain("- Changes: 2 files changed (+42 −1): supabase/migrations/001_baptisms.sql, src/older.ts → src/old.ts\n  - `supabase/migrations/001_baptisms.sql`\n  - `src/older.ts → src/old.ts`\n- Commit: `0123456789abcdef0123456789abcdef01234567`");
    expect(details).not.toContain("### Task 4");
  });

  it("lists each wait, and the notes on how it was measured", () => {
    expect(markdown).toContain("| 1. Create \\| baptisms migration | approval | 09:00 | 09:05 | 5 min |");
    expect(markdown).toContain("| 5. Task title 5 | approval | 09:30 | still waiting | 10 min |");
    expect(markdown).toMatch(/## Notes\n\n- Waits for a person are estimated from the state file/);
    expect(markdown.endsWith("\n")).toBe(true);
  });
});

describe("usage limits in the report", () => {
  it("shows the time, the count, the wait going on now and each task's share", () => {
    const s = { ...sessionState(), status: "waiting_limit" as const, resume_at: at(15, 0), limit: { type: "five_hour", resets_at: at(15, 0), message: "limit", index: 1, since: at(9, 30), hits: 1 } };
    s.tasks[1] = { ...(s.tasks[1] as (typeof s.tasks)[number]), limit_wait_s: 300, limit_resumes: 1 };
    const r = buildDayReport(s, { date: DATE, now: new Date(at(9, 40)), budgetUsd: null, events: null });
    const md = renderDayReport(r);
    expect(md).toContain("| Waiting for usage limits | 15 min (2 times); waiting now, until 15:00 |");
    expect(md).toContain("### Task 2: Task title 2\n\n✅ completed · backend\n\n- Changes: no files changed\n- Waited for usage limits: 5 min (in its duration, not in Claude's time)");
    expect(summarizeDayReport(r)).toContain("\nUsage limits: 15 min (2 times); waiting now, until 15:00");
  });
});

describe("summarizeDayReport", () => {
  it("says the day in six lines", () => {
    expect(summarizeDayReport(report)).toBe(
      [
        "📊 Day report 2026-03-10 (session 20260310-090000, waiting_approval)",
        "Tasks: 2 done, 1 failed, 1 skipped, 1 not run of 5 · 67 % success",
        "Cost: $1.75; $2.50 spent today in all, budget $10.00 (25 % used)",
        "Claude worked: 4 min",
        "Waiting for you: 2 waits: median 7 min 30 s, longest 10 min (Task 5), 15 min in all",
        "Usage limits: none",
      ].join("\n"),
    );
  });

  it("with no budget, and no task that ran, says so", () => {
    const idle = buildDayReport({ ...sessionState(), tasks: sessionState().tasks.slice(3), status: "waiting_approval", current_task_index: 1 }, { date: DATE, now: new Date(at(9, 40)), budgetUsd: null, events: null });
    const summary = summarizeDayReport(idle);
    expect(summary).toContain("Tasks: 1 skipped, 1 not run of 2\n");
    expect(summary).toContain("Cost: $0.0000 (no daily budget)");
    expect(idle.totals).toMatchObject({ files_changed: null, insertions: null, deletions: null });
    expect(renderDayReport(idle)).toContain("| Files changed | — (not known: git is off) |");
  });
});

describe("formats", () => {
  it.each([
    [0, "0 s"],
    [59.4, "59 s"],
    [60, "1 min"],
    [605, "10 min 5 s"],
    [3600, "1 h"],
    [3600 + 14 * 60 + 20, "1 h 14 min"],
    [2 * 3600 + 59 * 60 + 50, "3 h"],
  ])("formatSpan(%p) is %p", (s, text) => {
    expect(formatSpan(s)).toBe(text);
  });

  it.each([
    [0.0123, "$0.0123"],
    [1, "$1.00"],
    [12.345, "$12.35"],
  ])("formatUsd(%p) is %p", (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });
});
