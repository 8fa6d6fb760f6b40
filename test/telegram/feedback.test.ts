import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sessionTag } from "../../src/telegram/callback-data.js";
import { encodeFeedback } from "../../src/telegram/feedback/feedback-buttons.js";
import { EARLIER_SESSION } from "../../src/telegram/feedback/feedback-handlers.js";
import { buttonData, CHAT, startBotHarness, type BotHarness } from "./bot-harness.js";
import type { SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";

// Feedback from the phone, the real bot against the fake Bot API: 👍 / 👎 under a task's end,
// a reply to that message as a note, /feedback and /learn, and presses from an earlier session.

const ANA = { id: 501, is_bot: false, first_name: "Ana", username: "ana" };

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** /start, Approve pressed: task 1 completes; resolves with its completion message. */
async function firstTaskDone(harness: BotHarness): Promise<SentEntry> {
  let mark = harness.say("/start");
  const started = await harness.sentContaining("Orchestrator Starting", mark);
  mark = harness.fake.sent.length;
  harness.fake.pushCallback(CHAT, started.message_id, buttonData(started, "Approve"), ANA);
  return harness.sentContaining("Task 1/3 Complete!", mark);
}

const feedbackText = (harness: BotHarness) => readFile(path.join(harness.dir, "feedback", `${harness.today}.md`), "utf8");

/** The answerCallbackQuery texts, in order. */
const toasts = (harness: BotHarness) => harness.fake.calls("answerCallbackQuery").map((c) => c.params.text);

describe("👍 / 👎 under a task's end", () => {
  it("a completion has them, bound to the session and the task; a press records it, answers and edits the message (buttons kept)", async () => {
    h = await startBotHarness();
    expect(h.fake.world.commands.map((c) => c.command)).toEqual(expect.arrayContaining(["feedback", "learn"]));
    const done = await firstTaskDone(h);
    const tag = sessionTag(h.orchestrator.state.session_id);
    expect(done.reply_markup?.inline_keyboard.at(-1)).toEqual([
      { text: "👍", callback_data: `fb:u:${tag}:0` },
      { text: "👎", callback_data: `fb:d:${tag}:0` },
    ]);
    // Task 2 waits for approval: its Approve row is on the same message, above.
    expect(buttonData(done, "Approve")).toMatch(/^cp:a:/);

    let mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "👍"), ANA);
    const edited = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === done.message_id, 5000, mark);
    expect(edited.text).toContain("<i>👍 noted for Task 1 by Ana</i>");
    expect(edited.reply_markup).toEqual(done.reply_markup);
    expect(toasts(h)).toContain("👍 noted for Task 1");
    expect(await feedbackText(h)).toBe(`# Feedback - ${h.today}\n\n## task-1: Task number 1\nRating: 👍\n`);

    // A change of mind: the rating is replaced, and so is the message's line.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "👎"), ANA);
    const again = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === done.message_id, 5000, mark);
    expect(again.text).toContain("👎 noted for Task 1 by Ana");
    expect(again.text).not.toContain("👍 noted");
    expect(await feedbackText(h)).toBe(`# Feedback - ${h.today}\n\n## task-1: Task number 1\nRating: 👎\n`);
    // The session is untouched: task 2 still waits for its approval.
    expect(h.orchestrator.state.status).toBe("waiting_approval");
  });

  it("a failed task's message has them too", async () => {
    h = await startBotHarness({ scripts: [{ outcome: { ok: false, kind: "exit_error", reason: "exited 1", summary: null } }] });
    const mark = h.say("/start");
    const started = await h.sentContaining("Orchestrator Starting", mark);
    h.fake.pushCallback(CHAT, started.message_id, buttonData(started, "Approve"));
    const failed = await h.sentContaining("Task 1/3 Failed", mark);
    expect(buttonData(failed, "👎")).toBe(encodeFeedback("down", sessionTag(h.orchestrator.state.session_id), 0));
  });

  it("a press from an earlier session says so and records nothing", async () => {
    h = await startBotHarness();
    const done = await firstTaskDone(h);
    h.fake.pushCallback(CHAT, done.message_id, encodeFeedback("up", "0badc0de", 0), ANA);
    await h.fake.waitUntil(() => toasts(h as BotHarness).includes(EARLIER_SESSION), 5000, "the earlier-session toast");
    await expect(feedbackText(h)).rejects.toThrow(/ENOENT/);
  });
});

describe("a reply to a task's end", () => {
  it("is a note on that task, answered in the thread, with who wrote it", async () => {
    h = await startBotHarness();
    const done = await firstTaskDone(h);
    h.clock.advance(8 * 3600_000); // 17:30
    const mark = h.fake.sent.length;
    const update = h.fake.pushReply(CHAT, done.message_id, "Forgot the docs", ANA);
    const answer = await h.sentContaining("📝", mark);
    expect(answer.text).toBe(`📝 Thanks: your note for Task 1: Task number 1 (feedback/${h.today}.md)`);
    expect(answer.reply_to_message_id).toBe(update.message?.message_id);
    expect(await feedbackText(h)).toBe(`# Feedback - ${h.today}\n\n## task-1: Task number 1\n\n- Forgot the docs (Telegram ${CHAT} @ana, 17:30)\n`);
  });

  it("to a message of an earlier session: told so, nothing recorded; to another message: the usual hint", async () => {
    h = await startBotHarness();
    const done = await firstTaskDone(h);
    // The same message as an earlier session's would carry it: its buttons name another session.
    const old = h.fake.world.message(CHAT, done.message_id);
    if (!old?.reply_markup) throw new Error("no keyboard");
    old.reply_markup = { inline_keyboard: [[{ text: "👍", callback_data: encodeFeedback("up", "0badc0de", 0) }]] };
    let mark = h.fake.sent.length;
    h.fake.pushReply(CHAT, done.message_id, "old news");
    const told = await h.sentContaining("earlier session", mark);
    expect(told.text).toBe(`⚠️ ${EARLIER_SESSION}`);
    await expect(feedbackText(h)).rejects.toThrow(/ENOENT/);

    const started = h.fake.sent.find((e) => e.text.includes("Orchestrator Starting")) as SentEntry;
    mark = h.fake.sent.length;
    h.fake.pushReply(CHAT, started.message_id, "hello there");
    await h.sentContaining("I only understand commands", mark);
  });
});

describe("/feedback and /learn", () => {
  it("/feedback 1 4 solid work: recorded and answered; a bad one says what to send", async () => {
    h = await startBotHarness();
    await firstTaskDone(h);
    let mark = h.say("/feedback 1 4 solid work");
    const ok = await h.sentContaining("Thanks", mark);
    expect(ok.text.split("\n")[0]).toBe(`✅ Thanks: 4/5 and your note for Task 1: Task number 1 (feedback/${h.today}.md)`);
    expect(await feedbackText(h)).toMatch(/^## task-1: Task number 1\nRating: 4\/5\n\n- solid work \(Telegram 111 @tester111, \d\d:\d\d\)$/m);
    mark = h.say("/feedback #2");
    const bad = await h.sentContaining("Send a rating", mark);
    expect(bad.text.startsWith("❌ Send a rating, a note, or both: /feedback [task] up|down|1-5 [note]")).toBe(true);
    mark = h.say("/feedback 3 up");
    const notYet = await h.sentContaining("has not run yet", mark);
    expect(notYet.text.split("\n")[0]).toBe("⚠️ Task 3: Task number 3 has not run yet: there is nothing to give feedback on.");
  });

  it("/learn <text>: appended to the learnings file, by who sent it; /help lists both", async () => {
    h = await startBotHarness();
    let mark = h.say("/learn Use plural table names");
    const ok = await h.sentContaining("Learned", mark);
    expect(ok.text.split("\n")[0]).toBe("✅ 📝 Learned: every task's prompt from now on has it (orchestrator_learnings.md).");
    expect(await readFile(path.join(h.dir, "orchestrator_learnings.md"), "utf8")).toBe(`# Learnings\n\n- Use plural table names (${h.today}, Telegram ${CHAT} @tester${CHAT})\n`);
    mark = h.say("/help");
    const help = await h.sentContaining("Orchestrator commands", mark);
    expect(help.text).toContain("/feedback [n] up|down|1-5 [note]");
    expect(help.text).toContain("/learn &lt;text&gt;");
  });
});
