import { afterEach, describe, expect, it } from "@jest/globals";
import { CHAT, buttonData, startBotHarness, type BotHarness } from "./bot-harness.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

const STRANGER = 999;

describe("Telegram checkpoint buttons", () => {
  it("Approve runs the waiting task, removes the buttons, and a second press is out of date", async () => {
    h = await startBotHarness();
    const started = await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const approve = buttonData(started, "Approve");
    expect(Buffer.byteLength(approve)).toBeLessThanOrEqual(64);

    let mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, started.message_id, approve);
    await h.sentContaining("Task 1/3 Complete!", mark);
    const answers = h.fake.calls("answerCallbackQuery");
    expect(answers.at(-1)?.params.text).toBe("✅ Approved");
    const edit = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === started.message_id, 2000, mark);
    expect(edit.reply_markup).toBeNull();
    expect(edit.text).toContain("✅ Approved by Tester");
    expect(h.runner).toMatchObject({ calls: [expect.anything()] });

    // The same button again: task 1 is done; nothing runs, the press is refused as stale.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, started.message_id, approve);
    await h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery").find((c) => c.params.text === "This button is out of date"), 2000);
    expect((h.runner as unknown as { calls: unknown[] }).calls).toHaveLength(1);
    expect(h.orchestrator.state.current_task_index).toBe(1);
    expect(h.fake.sent.slice(mark)).toEqual([]);
  });

  it("Skip and Pause buttons act on the task they were made for, and older buttons are stale", async () => {
    h = await startBotHarness();
    const started = await h.sentContaining("Orchestrator Starting", h.say("/start"));
    let mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, started.message_id, buttonData(started, "Skip"));
    const skipped = await h.sentContaining("Skipped Task 1/3", mark);
    expect(skipped.text).toContain("📊 Progress: 1/3 (33%)");
    expect(skipped.text).toContain("Next: Task 2/3");

    // Pause from task 1's message: out of date now that task 2 waits.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, started.message_id, buttonData(started, "Pause"));
    await h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery").find((c) => c.params.text === "This button is out of date"), 2000);
    expect(h.orchestrator.state.status).toBe("waiting_approval");

    h.fake.pushCallback(CHAT, skipped.message_id, buttonData(skipped, "Pause"));
    const paused = await h.sentContaining("Orchestrator Paused", mark);
    expect(paused.text).toContain("Current: Task 2/3");
    expect(h.orchestrator.state.status).toBe("paused");

    // Forged or foreign data is stale too, and answered (the spinner must stop).
    h.fake.pushCallback(CHAT, skipped.message_id, "cp:a:deadbeef:1:0");
    h.fake.pushCallback(CHAT, skipped.message_id, "whatever");
    await h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery").filter((c) => c.params.text === "This button is out of date").length >= 3, 2000);
    expect(h.orchestrator.state.status).toBe("paused");
  });
});

describe("Telegram allow-list", () => {
  it("ignores other chats completely and rate-limits the log about them", async () => {
    h = await startBotHarness();
    for (let i = 0; i < 5; i++) h.fake.pushMessage(STRANGER, "/start");
    h.fake.pushCallback(STRANGER, 1, "cp:a:00000000:0:0");
    // A message from the allowed chat after them: once it is answered, the others were processed.
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    expect(h.orchestrator.state.status).toBe("idle");
    expect(h.fake.sent.filter((e) => e.chat_id === STRANGER)).toEqual([]);
    expect(h.fake.calls("answerCallbackQuery")).toEqual([]);
    const warnings = h.logLines.filter((l) => l.includes("not in telegram.chat_ids"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({ module: "telegram", chat_id: String(STRANGER) });

    // A minute later the next one is logged again, with the count of those left out.
    h.clock.advance(61_000);
    h.fake.pushMessage(STRANGER, "/status");
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    const again = h.logLines.filter((l) => l.includes("not in telegram.chat_ids"));
    expect(again).toHaveLength(2);
    expect(JSON.parse(again[1] as string)).toMatchObject({ suppressed: 5 });
  });
});
