import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import { CHAT, buttonData, startBotHarness, taskFileText, type BotHarness } from "./bot-harness.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

const staleAnswers = (h: BotHarness) => h.fake.calls("answerCallbackQuery").filter((c) => c.params.text === "This button is out of date").length;

describe("Telegram conversations", () => {
  it("/skip asks first: No keeps the task, Yes skips it", async () => {
    h = await startBotHarness();
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    let question = await h.sentContaining("Skip Task 1/3?", h.say("/skip"));
    expect(question.text).toContain("It will be marked skipped and will not run.");
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "No"));
    await h.fake.waitFor((e) => e.method === "editMessageText" && e.text.includes("Not skipped."), 2000);
    expect(h.orchestrator.state.tasks[0]?.status).toBe("pending");

    question = await h.sentContaining("Skip Task 1/3?", h.say("/skip"));
    // Other commands still work while the question is open.
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    const mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Yes"));
    const skipped = await h.sentContaining("Skipped Task 1/3", mark);
    expect(skipped.text).toContain("Next: Task 2/3");
    expect(h.orchestrator.state.tasks[0]?.status).toBe("skipped");
    expect(h.fake.calls("answerCallbackQuery").map((c) => c.params.text)).toEqual(["OK, not skipped", "Skipping"]);
  });

  it("a Yes pressed after the session moved on is out of date and skips nothing", async () => {
    h = await startBotHarness({ scripts: [{ hold: true }] });
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const question = await h.sentContaining("Skip Task 1/3?", h.say("/skip"));
    await h.sentContaining("Executing Task 1/3", h.say("/approve"));
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Yes"));
    await h.fake.waitUntil(() => staleAnswers(h) === 1, 2000);
    expect(h.orchestrator.state.tasks[0]?.status).toBe("running");
    expect(h.orchestrator.state.tasks[0]?.skip_requested).toBe(false);
  });

  it("keeps an open question across a restart and acts on the answer after it", async () => {
    h = await startBotHarness();
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const question = await h.sentContaining("Skip Task 1/3?", h.say("/skip"));
    // Updates are handled one at a time: once /status is answered, /skip's handling (and its save) is over.
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    const saved = JSON.parse(await readFile(h.conversationFile, "utf8")) as Record<string, unknown>;
    expect(Object.keys(saved)).toEqual([String(CHAT)]);

    await h.restartBot();
    const mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Yes"));
    await h.sentContaining("Skipped Task 1/3", mark);
    expect(h.orchestrator.state.tasks[0]?.status).toBe("skipped");
    // The replay after the restart did not ask again (side effects run once, in conversation.external).
    expect(h.fake.sent.filter((e) => e.method === "sendMessage" && e.text.includes("Skip Task 1/3?"))).toHaveLength(1);
    // The finished conversation is gone from the file (once the press's handling is over).
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    const after = JSON.parse(await readFile(h.conversationFile, "utf8")) as Record<string, unknown>;
    expect(after).toEqual({});
  });

  it("/start without today's file asks which file to load, one button per file", async () => {
    h = await startBotHarness({ todayFile: null, otherFiles: { "2025-11-20-tasks.md": taskFileText(2), "2025-11-21-tasks.md": taskFileText(4), "notes.txt": "x" } });
    const question = await h.sentContaining("No task file for today", h.say("/start"));
    expect(question.text).toContain(`(<code>${h.today}-tasks.md</code>)`);
    expect(question.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["📋 2025-11-21-tasks.md", "📋 2025-11-20-tasks.md", "✖️ Cancel"]);

    // Restart in the middle of this one too; then pick the older file.
    await h.restartBot();
    const mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "2025-11-20"));
    const started = await h.sentContaining("Orchestrator Starting", mark);
    expect(started.text).toContain("orchestrator_tasks/2025-11-20-tasks.md");
    expect(started.text).toContain("Found 2 tasks:");
    expect(h.orchestrator.state.tasks).toHaveLength(2);

    // The picker is closed: its buttons are out of date now.
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "2025-11-21"));
    await h.fake.waitUntil(() => staleAnswers(h) === 1, 2000);
    expect(h.orchestrator.state.tasks).toHaveLength(2);
  });

  it("Cancel closes the picker without starting anything", async () => {
    h = await startBotHarness({ todayFile: null, otherFiles: { "old-tasks.md": taskFileText(1) } });
    const question = await h.sentContaining("No task file for today", h.say("/start"));
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Cancel"));
    await h.fake.waitFor((e) => e.method === "editMessageText" && e.text.includes("Cancelled."), 2000);
    expect(h.orchestrator.state.status).toBe("idle");
  });
});
