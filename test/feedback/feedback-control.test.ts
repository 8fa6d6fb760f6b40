import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HistoryEntry } from "../../src/history/history-entry.js";
import { startHistoryHarness, type HistoryHarness } from "../history/history-harness.js";

// Control's feedback over a real orchestrator (scripted runs) and a real event history:
// the feedback file's section, the refusals, and /history answering "who rated task 1".

let h: HistoryHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Starts the session and runs task 1 to completion (task 2 then waits for approval). */
async function oneTaskDone(harness: HistoryHarness): Promise<void> {
  await harness.control.execute({ command: "start", by: "the CLI" });
  await harness.control.execute({ command: "approve", by: "the CLI" });
  await harness.orchestrator.waitFor((s) => s.tasks[0]?.status === "completed" && s.status === "waiting_approval");
}

describe("feedback", () => {
  it("rates the last finished task by default, writes its section, answers with the file, and the history says who", async () => {
    h = await startHistoryHarness();
    await oneTaskDone(h);
    h.clock.advance(9 * 3600_000 + 12 * 60_000); // 18:42
    const r = await h.control.execute({ command: "feedback", rating: "up", note: "Nice and small", by: "Telegram 111 @ana" });
    const file = path.join(h.dir, "feedback", `${h.today}.md`);
    expect(r).toEqual({ ok: true, code: "ok", message: `Thanks: 👍 and your note for Task 1: Task number 1 (feedback/${h.today}.md)`, data: { file, task: 1, title: "Task number 1", rating: "up", note: "Nice and small", date: h.today } });
    expect(await readFile(file, "utf8")).toBe(`# Feedback - ${h.today}\n\n## task-1: Task number 1\nRating: 👍\n\n- Nice and small (Telegram 111 @ana, 18:42)\n`);

    const second = await h.control.execute({ command: "feedback", task: 1, rating: 3, by: "HTTP 127.0.0.1" });
    expect(second.message).toBe(`Thanks: 3/5 for Task 1: Task number 1 (feedback/${h.today}.md)`);
    expect(await readFile(file, "utf8")).toBe(`# Feedback - ${h.today}\n\n## task-1: Task number 1\nRating: 3/5\n\n- Nice and small (Telegram 111 @ana, 18:42)\n`);

    const found = await h.control.execute({ command: "history", grep: "feedback", task: 1 });
    const entries = found.data.entries as HistoryEntry[];
    expect(entries.map((e) => [e.event, e.by, e.task, e.ok, e.fields.rating])).toEqual([
      ["feedback", "Telegram 111 @ana", 1, true, "up"],
      ["feedback", "HTTP 127.0.0.1", 1, true, 3],
    ]);
    expect(entries[0]?.fields.note).toBe("Nice and small");
    expect(entries[0]?.session).toBe(h.orchestrator.state.session_id);
    expect(found.message).toContain(`feedback by Telegram 111 @ana: Thanks: 👍 and your note for Task 1`);
    // The session itself is untouched: task 2 still waits for approval.
    expect(h.orchestrator.state.status).toBe("waiting_approval");
  });

  it("refuses, saying why and what to send, and the refusal is in the history too", async () => {
    h = await startHistoryHarness();
    const none = await h.control.execute({ command: "feedback", rating: "up", by: "the CLI" });
    expect(none).toMatchObject({ ok: false, code: "refused", message: "No session: there is no task to give feedback on. Send /start to load a task file." });
    await h.control.execute({ command: "start", by: "the CLI" });
    expect(await h.control.execute({ command: "feedback", rating: "up" })).toMatchObject({ ok: false, code: "refused", message: "No task of this session has finished yet: nothing to give feedback on. Name one: /feedback <n> up|down|1-5 [note]." });
    await h.control.execute({ command: "approve" });
    await h.orchestrator.waitFor((s) => s.tasks[0]?.status === "completed");
    expect(await h.control.execute({ command: "feedback", task: 2, rating: "down" })).toMatchObject({ ok: false, code: "refused", message: "Task 2: Task number 2 has not run yet: there is nothing to give feedback on." });
    expect(await h.control.execute({ command: "feedback", task: 9, rating: "down" })).toMatchObject({ ok: false, code: "not_found", message: "No Task 9 in this session: it has 3 tasks (1-3)." });
    expect(await h.control.execute({ command: "feedback", task: 1 })).toMatchObject({ ok: false, code: "bad_request", message: expect.stringContaining("Send a rating (up, down or 1-5), a note, or both") });
    expect(await h.control.execute({ command: "feedback", task: 1, rating: 7 })).toMatchObject({ ok: false, code: "bad_request", message: 'A rating is up, down, or a score from 1 to 5 (👍, 👎 and "4/5" work too) (got 7).' });
    expect(await h.control.execute({ command: "feedback", task: 1, note: "x".repeat(4001) })).toMatchObject({ ok: false, code: "bad_request", message: expect.stringContaining("at most 4000 characters") });
    await expect(readFile(path.join(h.dir, "feedback", `${h.today}.md`), "utf8")).rejects.toThrow(/ENOENT/);
    const lines = (await h.lines()).filter((l) => l.event === "feedback");
    expect(lines.map((l) => [l.ok, l.task])).toEqual([[false, null], [false, null], [false, 2], [false, 9], [false, 1], [false, 1], [false, 1]]);
    expect(lines[0]?.by).toBe("the CLI");
  });

  it("a feedback folder that cannot be written: unavailable, naming the file; nothing else changes", async () => {
    h = await startHistoryHarness();
    await oneTaskDone(h);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(h.dir, "feedback"), "a file where the folder should be");
    const r = await h.control.execute({ command: "feedback", rating: "up" });
    expect(r.ok).toBe(false);
    expect(r.code).toBe("unavailable");
    expect(r.message).toBe(`Feedback not recorded: could not write the feedback file ${path.join(h.dir, "feedback", `${h.today}.md`)}: ${path.join(h.dir, "feedback")} is not a folder. Check paths.feedback_dir (${path.join(h.dir, "feedback")}).`);
  });
});
