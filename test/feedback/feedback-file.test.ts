import { describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import { applyFeedback, parseFeedback, sameTask, sectionId, type FeedbackChange } from "../../src/feedback/feedback-file.js";
import { parseRating, ratingText } from "../../src/feedback/feedback-rating.js";

// The feedback file's text in the Outward Sign seed's shape (test/fixtures/feedback/seed-feedback.md):
// "## task-<id>: <title>", "Rating: …" right under it, then the notes, a line each.

const base = { date: "2026-12-01", taskId: 3, title: "Add pagination", rating: null, note: null, by: "Telegram 111 @ana", time: "18:42" } satisfies FeedbackChange;
const change = (over: Partial<FeedbackChange>): FeedbackChange => ({ ...base, ...over });

describe("a new feedback file", () => {
  it("👍: the title, the task's heading and its Rating line", () => {
    expect(applyFeedback(null, change({ rating: "up" }))).toBe("# Feedback - 2026-12-01\n\n## task-3: Add pagination\nRating: 👍\n");
  });

  it("👎", () => {
    expect(applyFeedback("", change({ rating: "down" }))).toBe("# Feedback - 2026-12-01\n\n## task-3: Add pagination\nRating: 👎\n");
  });

  it("4/5 with a note: a blank line, then the note with who and when", () => {
    expect(applyFeedback(null, change({ rating: 4, note: "Good, but no tests" }))).toBe(
      "# Feedback - 2026-12-01\n\n## task-3: Add pagination\nRating: 4/5\n\n- Good, but no tests (Telegram 111 @ana, 18:42)\n",
    );
  });

  it("a note alone has no Rating line; a note over several lines becomes one", () => {
    expect(applyFeedback(null, change({ note: "wrong table\nuse baptisms", by: null }))).toBe("# Feedback - 2026-12-01\n\n## task-3: Add pagination\n\n- wrong table use baptisms (18:42)\n");
  });
});

describe("a second feedback on the same day", () => {
  it("a second rating replaces the Rating line; notes are appended in order", () => {
    let text = applyFeedback(null, change({ rating: "up", note: "first" }));
    text = applyFeedback(text, change({ rating: 2, note: "second", by: "the CLI", time: "19:05" }));
    text = applyFeedback(text, change({ note: "third" }));
    expect(text).toBe(
      "# Feedback - 2026-12-01\n\n## task-3: Add pagination\nRating: 2/5\n\n- first (Telegram 111 @ana, 18:42)\n- second (the CLI, 19:05)\n- third (Telegram 111 @ana, 18:42)\n",
    );
    expect(parseFeedback(text)).toEqual([{ id: "task-3", title: "Add pagination", rating: 2, notes: ["first (Telegram 111 @ana, 18:42)", "second (the CLI, 19:05)", "third (Telegram 111 @ana, 18:42)"] }]);
  });

  it("a rating after a note goes right under the heading", () => {
    const text = applyFeedback(applyFeedback(null, change({ note: "meh" })), change({ rating: "down" }));
    expect(text).toBe("# Feedback - 2026-12-01\n\n## task-3: Add pagination\nRating: 👎\n\n- meh (Telegram 111 @ana, 18:42)\n");
  });

  it("two tasks: one section each, in the order they were rated; each keeps its own", () => {
    let text = applyFeedback(null, change({ taskId: 1, title: "Create migration", rating: 5 }));
    text = applyFeedback(text, change({ rating: "down", note: "forgot tests" }));
    text = applyFeedback(text, change({ taskId: 1, title: "Create migration", note: "perfect" }));
    expect(text).toBe(
      [
        "# Feedback - 2026-12-01",
        "",
        "## task-1: Create migration",
        "Rating: 5/5",
        "",
        "- perfect (Telegram 111 @ana, 18:42)",
        "",
        "## task-3: Add pagination",
        "Rating: 👎",
        "",
        "- forgot tests (Telegram 111 @ana, 18:42)",
        "",
      ].join("\n"),
    );
    expect(parseFeedback(text).map((s) => [s.id, s.rating, s.notes.length])).toEqual([["task-1", 5, 1], ["task-3", "down", 1]]);
  });
});

describe("the seed's own file", () => {
  it("is read as the seed means it: each task's rating and its lines, the person's other sections left out", async () => {
    const seed = await readFile(new URL("../fixtures/feedback/seed-feedback.md", import.meta.url), "utf8");
    expect(parseFeedback(seed)).toEqual([
      { id: "task-001", title: "Documentation Task", rating: 5, notes: ["✅ Perfect structure", "✅ Great examples"] },
      {
        id: "task-002",
        title: "Pagination Implementation",
        rating: 3,
        notes: ["⚠️  Forgot to write tests", "⚠️  Didn't follow PAGINATION.md exactly", "Action: Make testing mandatory in agent instructions", "Action: Add PAGINATION.md to default context for pagination tasks"],
      },
    ]);
  });

  it("written into: the task's section changes, every other line is kept; a new task goes after the last task section", async () => {
    const seed = await readFile(new URL("../fixtures/feedback/seed-feedback.md", import.meta.url), "utf8");
    let text = applyFeedback(seed, change({ taskId: "task-002", title: "Pagination Implementation", rating: 4, note: "tests added after all" }));
    text = applyFeedback(text, change({ taskId: "task-003", title: "Docs", rating: "up" }));
    const lines = text.split("\n");
    expect(lines.slice(0, 18)).toEqual([
      "# Feedback - 2025-11-18",
      "",
      "## task-001: Documentation Task",
      "Rating: 5/5",
      "",
      "✅ Perfect structure",
      "✅ Great examples",
      "",
      "## task-002: Pagination Implementation",
      "Rating: 4/5",
      "",
      "⚠️  Forgot to write tests",
      "⚠️  Didn't follow PAGINATION.md exactly",
      "",
      "Action: Make testing mandatory in agent instructions",
      "Action: Add PAGINATION.md to default context for pagination tasks",
      "- tests added after all (Telegram 111 @ana, 18:42)",
      "",
    ]);
    expect(lines.slice(18, 21)).toEqual(["## task-003: Docs", "Rating: 👍", ""]);
    expect(text).toContain("## Orchestrator Performance\n- Good: Cost tracking worked well\n- Improve: Question notifications were delayed\n\n## Tomorrow's Adjustments\n1. Reduce question poll interval to 30 seconds\n2. Add automated test running to quality checks\n");
    expect(parseFeedback(text).map((s) => [s.id, s.rating])).toEqual([["task-001", 5], ["task-002", 4], ["task-003", "up"]]);
  });

  it("a heading inside a code block is no section", () => {
    const text = "# Feedback - 2026-12-01\n\n## task-1: A\nRating: 👍\n\n```\n## task-2: not a heading\n```\n";
    expect(parseFeedback(text).map((s) => s.id)).toEqual(["task-1"]);
  });
});

describe("ids and ratings", () => {
  it("task-<id>; an id that reads task-… is kept; 3, task-3 and task-003 are one task", () => {
    expect(sectionId(3)).toBe("task-3");
    expect(sectionId("task-001")).toBe("task-001");
    expect(sameTask("task-003", sectionId(3))).toBe(true);
    expect(sameTask("TASK-3", "task-3")).toBe(true);
    expect(sameTask("task-3", "task-30")).toBe(false);
  });

  it("reads what people type, refuses the rest", () => {
    expect(["up", "👍", "+1", "UP"].map(parseRating)).toEqual(["up", "up", "up", "up"]);
    expect(["down", "👎", "-1", "DOWN"].map(parseRating)).toEqual(["down", "down", "down", "down"]);
    // A note often starts with such a word: never a rating.
    expect(["good", "bad", "yes", "no", "-", "+"].map(parseRating)).toEqual([null, null, null, null, null, null]);
    expect(["4", "4/5", " 1 ", 5].map(parseRating)).toEqual([4, 4, 1, 5]);
    expect(["0", "6", "4.5", "", "meh", 3.5, null].map(parseRating)).toEqual([null, null, null, null, null, null, null]);
    expect(["up", "down", 4].map((r) => ratingText(parseRating(r) as NonNullable<ReturnType<typeof parseRating>>))).toEqual(["👍", "👎", "4/5"]);
  });
});
