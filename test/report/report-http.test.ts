import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { DayReport } from "../../src/report/day-report-types.js";
import { startHarness, type Harness } from "../http/http-harness.js";

// POST /webhook/report on the real HTTP app and a real orchestrator (scripted runs, a manual
// clock): a session with three checkpoints, then the report's numbers against the state.

describe("POST /webhook/report", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("writes results/<date>-report.md and answers {file, summary, report} whose numbers are the state's", async () => {
    h = await startHarness();
    expect((await h.post("/webhook/start")).status).toBe(200);
    // Checkpoints of 5 min, 2 min and 1 min before the three tasks (each run ends at once).
    for (const minutes of [5, 2, 1]) {
      h.clock.advance(minutes * 60_000);
      expect((await h.post("/webhook/approve")).status).toBe(200);
      await h.until((s) => s.status !== "running");
    }
    const state = await h.until((s) => s.status === "completed");

    const r = await h.post("/webhook/report", {});
    expect(r.status).toBe(200);
    const file = path.join(h.dir, "results", `${h.today}-report.md`);
    expect(r.json).toMatchObject({ status: "ok", file, summary: expect.stringMatching(/^📊 Day report /), session: { status: "completed" } });
    expect(r.json.message).toBe(`${r.json.summary as string}\n\nReport: ${file}`);
    const report = r.json.report as DayReport;
    expect(report).toMatchObject({ date: h.today, session_id: state.session_id, session_status: "completed" });
    expect(report.totals).toMatchObject({ tasks: 3, completed: 3, failed: 0, skipped: 0, success_rate: 1 });
    expect(report.totals.cost_usd).toBeCloseTo(state.tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0), 10);
    expect(report.totals.claude_s).toBe(state.tasks.reduce((sum, t) => sum + (t.duration_s ?? 0), 0));
    expect(report.totals.num_turns).toBe(state.tasks.reduce((sum, t) => sum + (t.num_turns ?? 0), 0));
    expect(report.tasks.map((t) => [t.task, t.status, t.attempts, t.cost_usd, t.waited_for_person_s])).toEqual(state.tasks.map((t, i) => [i + 1, t.status, t.attempts, t.cost_usd, [300, 120, 60][i]]));
    expect(report.checkpoints).toMatchObject({ count: 3, median_s: 120, longest_s: 300, longest_task: 1, total_s: 480 });
    // The file holds the same report.
    const markdown = await readFile(file, "utf8");
    expect(markdown).toContain(`# Day report ${h.today}`);
    expect(markdown).toContain("| Waiting for you at checkpoints | 3 waits: median 2 min, longest 5 min (Task 1), 8 min in all |");

    // Also through /webhook/command, with the date given.
    const again = await h.post("/webhook/command", { command: "report", date: h.today });
    expect(again.status).toBe(200);
    expect(again.json.file).toBe(file);
    expect((await h.post("/webhook/command", { command: `/report ${h.today}` })).status).toBe(200);
  });

  it("another date: 404 naming the session's date; a bad date: 400; no session: 404", async () => {
    h = await startHarness();
    const none = await h.post("/webhook/report", {});
    expect(none.status).toBe(404);
    expect(none.json).toMatchObject({ status: "error", error: "not_found", message: `No session today (${h.today}): the state holds none yet, nothing to report.` });

    await h.post("/webhook/start");
    const other = await h.post("/webhook/report", { date: "2000-01-01" });
    expect(other.status).toBe(404);
    expect(other.json.message).toMatch(new RegExp(`^No session on 2000-01-01: the state holds session \\S+ of ${h.today} \\(waiting_approval\\)\\. Ask for ${h.today}`));

    const bad = await h.post("/webhook/report", { date: "11/20/2025" });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('A report\'s date is YYYY-MM-DD, e.g. 2025-11-20 (got "11/20/2025"). Without one it is today\'s.');
    expect((await h.post("/webhook/report", { date: 20251120 })).status).toBe(400);
  });
});
