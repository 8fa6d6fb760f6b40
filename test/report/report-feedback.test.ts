import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { FeedbackBook, feedbackFile } from "../../src/feedback/feedback-book.js";
import { DayReporter } from "../../src/report/day-reporter.js";
import { DATE, at, sessionState } from "./report-fixtures.js";

// The feedback in the day report: read from feedback/<date>.md of the session's date on, per
// task the latest rating and every note, in the markdown and in the data (--json, HTTP).

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orch-report-feedback-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NEXT_DAY = "2026-03-11";

function reporter(clock: ManualClock, feedbackDir: string | null = path.join(dir, "feedback")): DayReporter {
  return new DayReporter({ resultsDir: path.join(dir, "results"), logsDir: path.join(dir, "logs"), budgetUsd: null, clock, feedbackDir });
}

describe("the day report's feedback", () => {
  it("per task, the rating and the notes, from the session's date and the days after; tasks without feedback have none", async () => {
    const book = new FeedbackBook(path.join(dir, "feedback"));
    await book.record({ date: DATE, taskId: 1, title: "Create | baptisms migration", rating: 5, note: "Perfect structure", by: "Telegram 111 @ana", time: "18:40" });
    await book.record({ date: DATE, taskId: 3, title: "Task 3", rating: "down", note: null, by: "the CLI", time: "18:41" });
    await book.record({ date: NEXT_DAY, taskId: 3, title: "Task 3", rating: 2, note: "Forgot to write tests", by: "the CLI", time: "08:05" });
    const { report, markdown } = await reporter(new ManualClock(new Date(2026, 2, 11, 9, 0))).make(sessionState(), DATE);
    expect(report.tasks.map((t) => t.feedback)).toEqual([
      { rating: 5, rating_text: "5/5", notes: ["Perfect structure (Telegram 111 @ana, 18:40)"], files: [feedbackFile(path.join(dir, "feedback"), DATE)] },
      null,
      { rating: 2, rating_text: "2/5", notes: ["Forgot to write tests (the CLI, 08:05)"], files: [DATE, NEXT_DAY].map((d) => feedbackFile(path.join(dir, "feedback"), d)) },
      null,
      null,
    ]);
    expect(markdown).toContain(
      "## Feedback\n\n### Task 1: Create | baptisms migration\n\nRating: 5/5\n\n- Perfect structure (Telegram 111 @ana, 18:40)\n\n### Task 3: Task title 3\n\nRating: 2/5\n\n- Forgot to write tests (the CLI, 08:05)\n",
    );
  });

  it("a hand-written file in the seed's shape counts too (task-003 is task 3)", async () => {
    const folder = path.join(dir, "feedback");
    await mkdir(folder);
    await writeFile(feedbackFile(folder, DATE), "# Feedback - 2026-03-10\n\n## task-003: Pagination\nRating: 3/5\n\n⚠️  Forgot to write tests\n");
    const { report, markdown } = await reporter(new ManualClock(at(20, 0))).make(sessionState(), DATE);
    expect(report.tasks[2]?.feedback).toMatchObject({ rating: 3, notes: ["⚠️  Forgot to write tests"] });
    expect(markdown).toContain("## Feedback\n\n### Task 3: Task title 3\n\nRating: 3/5\n\n- ⚠️  Forgot to write tests\n\n## Waiting for you");
  });

  it("no feedback at all (or no feedback folder set): no section, nothing in the data", async () => {
    for (const folder of [path.join(dir, "none-yet"), null]) {
      const { report, markdown } = await reporter(new ManualClock(at(20, 0)), folder).make(sessionState(), DATE);
      expect(report.tasks.every((t) => t.feedback === null)).toBe(true);
      expect(markdown).not.toContain("## Feedback");
    }
  });

  it("a feedback file that cannot be read: the report is still made, and its notes say which file it left out", async () => {
    const folder = path.join(dir, "feedback");
    await new FeedbackBook(folder).record({ date: DATE, taskId: 1, title: "x", rating: "up", note: null, by: null, time: "10:00" });
    await rm(feedbackFile(folder, DATE));
    await mkdir(feedbackFile(folder, DATE)); // a folder where the file should be
    const { report } = await reporter(new ManualClock(at(20, 0))).make(sessionState(), DATE);
    expect(report.tasks[0]?.feedback).toBeNull();
    expect(report.notes.some((n) => n.startsWith(`The feedback file ${feedbackFile(folder, DATE)} could not be read (`) && n.endsWith("; the report leaves it out."))).toBe(true);
  });
});
