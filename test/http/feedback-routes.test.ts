import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { startHarness, type Harness } from "./http-harness.js";

// POST /webhook/feedback and /webhook/learn over real HTTP: what they write and answer, and the
// 400s that say what to send.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.post("/webhook/start");
  await h.post("/webhook/approve");
  await h.until((s) => s.tasks[0]?.status === "completed" && s.status === "waiting_approval");
});
afterAll(async () => {
  await h.close();
});

describe("POST /webhook/feedback", () => {
  it("rates the last finished task: 200 with the file, the task, the rating and the note, and the session", async () => {
    const r = await h.post("/webhook/feedback", { rating: "up", note: "Clean work" });
    const file = path.join(h.dir, "feedback", `${h.today}.md`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: "ok", message: `Thanks: 👍 and your note for Task 1: Task number 1 (feedback/${h.today}.md)`, file, task: 1, rating: "up", note: "Clean work" });
    expect((r.json.session as { status: string }).status).toBe("waiting_approval");
    expect(await readFile(file, "utf8")).toMatch(/^## task-1: Task number 1\nRating: 👍\n\n- Clean work \(HTTP [^,]*127\.0\.0\.1, \d\d:\d\d\)$/m);
  });

  it('as a command line ({"command": "/feedback 1 4 solid"}), and with "task" as text', async () => {
    const r = await h.post("/webhook/command", { command: "/feedback 1 4 solid" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ task: 1, rating: 4, note: "solid" });
    const again = await h.post("/webhook/feedback", { task: "1", rating: 2 });
    expect(again.json).toMatchObject({ status: "ok", task: 1, rating: 2, note: null });
    expect(await readFile(path.join(h.dir, "feedback", `${h.today}.md`), "utf8")).toContain("Rating: 2/5\n");
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["nothing to record", {}, 'Send "rating" ("up", "down" or 1-5), "note", or both; "task" (its position, default: the last finished task) is optional.'],
    ["a rating that is none", { rating: "sideways" }, '"rating" must be up, down, or a score from 1 to 5 (👍, 👎 and "4/5" work too) (got "sideways").'],
    ["a score out of range", { rating: 6 }, '"rating" must be up, down, or a score from 1 to 5 (👍, 👎 and "4/5" work too) (got 6).'],
    ["a note that is no text", { rating: "up", note: 5 }, '"note" must be a string.'],
    ["a task that is no position", { task: "first", rating: "up" }, '"task" must be a task\'s position in the session, a whole number from 1 (got "first").'],
    ["task 0", { task: 0, rating: "up" }, '"task" must be a task\'s position in the session, a whole number from 1 (got 0).'],
  ];
  it.each(bad)("400 for %s, saying what to send", async (_what, body, message) => {
    const r = await h.post("/webhook/feedback", body);
    expect(r.status).toBe(400);
    expect(r.json.status).toBe("error");
    expect(r.json.error).toBe("bad_request");
    expect(String(r.json.message)).toContain(message);
  });

  it("404 for a task the session does not have; 409 for one that has not run", async () => {
    const none = await h.post("/webhook/feedback", { task: 9, rating: "up" });
    expect(none.status).toBe(404);
    expect(none.json.message).toBe("No Task 9 in this session: it has 3 tasks (1-3).");
    const later = await h.post("/webhook/feedback", { task: 3, rating: "up" });
    expect(later.status).toBe(409);
    expect(later.json.message).toBe("Task 3: Task number 3 has not run yet: there is nothing to give feedback on.");
  });
});

describe("POST /webhook/learn", () => {
  it("appends the lesson, 200 with the file and the line", async () => {
    const r = await h.post("/webhook/learn", { text: "Plural table names" });
    const file = path.join(h.dir, "orchestrator_learnings.md");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: "ok", message: "📝 Learned: every task's prompt from now on has it (orchestrator_learnings.md).", file, text: "Plural table names" });
    expect(await readFile(file, "utf8")).toMatch(/^# Learnings\n\n- Plural table names \(\d{4}-\d\d-\d\d, HTTP [^)]*127\.0\.0\.1\)\n$/);
  });

  it.each([
    [{}, 'Send "text": the lesson every later task\'s prompt should carry.'],
    [{ text: "   " }, 'Send "text": the lesson every later task\'s prompt should carry.'],
    [{ text: 42 }, '"text" must be a string.'],
  ])("400 for %j, saying what to send", async (body, message) => {
    const r = await h.post("/webhook/learn", body);
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(message);
  });
});
