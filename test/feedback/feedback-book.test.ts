import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FeedbackBook, feedbackFile } from "../../src/feedback/feedback-book.js";
import { FeedbackError } from "../../src/feedback/feedback-error.js";
import { parseFeedback } from "../../src/feedback/feedback-file.js";

// The book on real files: a write is whole or not at all, writes to one file never lose each
// other, and a failure names the file and the setting.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orch-feedback-book-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const change = (taskId: number, note: string) => ({ date: "2026-12-01", taskId, title: `Task ${taskId}`, rating: null, note, by: "the CLI", time: "18:00" });

describe("FeedbackBook", () => {
  it("makes the folder and the file; leaves no temp file behind", async () => {
    const book = new FeedbackBook(path.join(dir, "feedback"));
    const file = await book.record({ ...change(2, "fine"), rating: "up" });
    expect(file).toBe(path.join(dir, "feedback", "2026-12-01.md"));
    expect(await readFile(file, "utf8")).toBe("# Feedback - 2026-12-01\n\n## task-2: Task 2\nRating: 👍\n\n- fine (the CLI, 18:00)\n");
    expect(await readdir(path.join(dir, "feedback"))).toEqual(["2026-12-01.md"]);
  });

  it("30 feedbacks at once on 3 tasks: every note is in the file, each task has one section", async () => {
    const book = new FeedbackBook(dir);
    // Two books on one folder (two Controls in one process) share the per-file queue too.
    const other = new FeedbackBook(dir);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? book : other).record(change((i % 3) + 1, `note ${i}`))));
    const sections = parseFeedback(await readFile(feedbackFile(dir, "2026-12-01"), "utf8"));
    expect(sections.map((s) => s.id).sort()).toEqual(["task-1", "task-2", "task-3"]);
    const notes = sections.flatMap((s) => s.notes);
    expect(notes).toHaveLength(30);
    for (let i = 0; i < 30; i++) expect(notes).toContain(`note ${i} (the CLI, 18:00)`);
  });

  it("a folder that is a file: FeedbackError naming the file and paths.feedback_dir; the next write still works elsewhere", async () => {
    const blocked = path.join(dir, "feedback");
    await writeFile(blocked, "not a folder");
    const error = await new FeedbackBook(blocked).record(change(1, "x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedbackError);
    expect((error as FeedbackError).message).toBe(`could not write the feedback file ${path.join(blocked, "2026-12-01.md")}: ${blocked} is not a folder. Check paths.feedback_dir (${blocked}).`);
    expect(await readFile(blocked, "utf8")).toBe("not a folder");
    await expect(new FeedbackBook(path.join(dir, "ok")).record(change(1, "x"))).resolves.toContain("2026-12-01.md");
  });

  it("forTasks: the latest rating and every note of a task over several days; a task without feedback is absent", async () => {
    const book = new FeedbackBook(dir);
    await book.record({ ...change(1, "day one"), rating: 2 });
    await book.record({ ...change(1, "day two"), date: "2026-12-02", rating: 4 });
    await book.record({ ...change(1, "only a note"), date: "2026-12-03" });
    const { feedback, problems } = await book.forTasks([1, 2], ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]);
    expect(problems).toEqual([]);
    expect(feedback.get("task-1")).toEqual({
      rating: 4,
      notes: ["day one (the CLI, 18:00)", "day two (the CLI, 18:00)", "only a note (the CLI, 18:00)"],
      files: ["2026-12-01", "2026-12-02", "2026-12-03"].map((d) => feedbackFile(dir, d)),
    });
    expect(feedback.has("task-2")).toBe(false);
  });
});
