import { afterEach, describe, expect, it } from "@jest/globals";
import { Control } from "../../src/control/control.js";
import { EventHistory } from "../../src/history/event-history.js";
import { openTestControl } from "../support/open-test-control.js";
import { buttonData, CHAT, startBotHarness, type BotHarness } from "../telegram/bot-harness.js";

// /history in Telegram: the real bot against the fake Bot API, a real orchestrator whose history
// is written as openApp wires it, and Control flushing it before a search. Who pressed a button
// or sent a command is recorded as "Telegram <chat> @user", and /history answers who approved.

const ANA = { id: 501, is_bot: false, first_name: "Ana", username: "ana" };
const BOB = { id: 502, is_bot: false, first_name: "Bob" };

let h: BotHarness | undefined;
let history: EventHistory | undefined;
afterEach(async () => {
  await history?.close(); // before the harness removes its folder
  await h?.close();
  h = history = undefined;
});

async function start(): Promise<BotHarness> {
  return startBotHarness({
    open: async (opts) => {
      const opened = await openTestControl(opts);
      history = new EventHistory({ dir: opened.logsDir, clock: opts.clock, flushMs: 60_000 });
      history.attach(opened.orchestrator);
      return { ...opened, control: new Control({ orchestrator: opened.orchestrator, config: opened.config, clock: opts.clock, history }) };
    },
  });
}

describe("/history", () => {
  it("answers who approved task 1 (a button) and task 2 (a command), and when", async () => {
    h = await start();
    expect(h.fake.world.commands.map((c) => c.command)).toContain("history");
    let mark = h.say("/start");
    const started = await h.sentContaining("Orchestrator Starting", mark);
    h.clock.advance(2 * 60_000); // 09:32:15
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, started.message_id, buttonData(started, "Approve"), ANA);
    await h.sentContaining("Task 1/3 Complete!", mark);
    h.clock.advance(60_000); // 09:33:15
    mark = h.fake.sent.length;
    h.fake.pushMessage(CHAT, "/approve", BOB);
    await h.sentContaining("Task 2/3 Complete!", mark);

    mark = h.say("/history approve task 1");
    const one = await h.sentContaining("History", mark);
    expect(one.parse_mode).toBe("HTML");
    expect(one.text).toContain(`📜 <b>History</b> ("approve", task 1):`);
    expect(one.text).toContain(`<code>09:32</code> <b>approve</b> · Telegram ${CHAT} @ana\n   Executing Task 1/3: Task number 1`);
    expect(one.text).not.toContain("Bob");

    mark = h.say("/history approve");
    const both = await h.sentContaining("History", mark);
    const approvals = both.text.split("\n").filter((l) => l.includes("<b>approve</b>"));
    expect(approvals).toEqual([`<code>09:32</code> <b>approve</b> · Telegram ${CHAT} @ana`, `<code>09:33</code> <b>approve</b> · Telegram ${CHAT} Bob`]);
    // The /start and the /history commands themselves: /start by the tester; a search is no event.
    mark = h.say("/history");
    const all = await h.sentContaining("History", mark);
    expect(all.text).toContain(`<b>start</b> · Telegram ${CHAT} @tester${CHAT}`);
    expect(all.text).not.toContain("<b>history</b>");
  });

  it("records who confirmed a /skip in its question (a conversation), not who asked", async () => {
    h = await start();
    let mark = h.say("/start");
    await h.sentContaining("Orchestrator Starting", mark);
    mark = h.say("/skip");
    const question = await h.sentContaining("Skip Task 1/3?", mark);
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Yes"), ANA);
    await h.until((s) => s.tasks[0]?.status === "skipped");
    mark = h.say("/history skip");
    const answer = await h.sentContaining("History", mark);
    expect(answer.text).toContain(`<b>skip</b> · Telegram ${CHAT} @ana\n`);
  });

  it("says when nothing matches, and answers a bad filter with how to ask", async () => {
    h = await start();
    let mark = h.say("/history nobody <did> this");
    const none = await h.sentContaining("No events", mark);
    expect(none.text).toBe(`📜 No events match ("nobody &lt;did&gt; this").\n\nTry /history without a term, or /history task 3.\n\nRight now: ${none.text.split("Right now: ")[1]}`);
    mark = h.say(`/history ${"x".repeat(300)}`);
    const bad = await h.sentContaining("grep", mark);
    expect(bad.text).toMatch(/^❌ "grep" takes at most 200 characters\./);
  });
});
