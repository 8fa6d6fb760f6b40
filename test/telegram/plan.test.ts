import { afterEach, describe, expect, it } from "@jest/globals";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { localDate } from "../../src/logging/daily-file-stream.js";
import type { SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { CHAT, buttonData, startBotHarness, taskFileText, type BotHarness } from "./bot-harness.js";
import { FakePlanner, openWithPlanner } from "./plan-harness.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

const DRAFT = taskFileText(3).replace("**Type:** backend\n", "**Type:** database\n**Requires Approval:** true\n");
const DAY = 24 * 3600 * 1000;

async function planHarness(opts: { todayFile?: string | null; otherFiles?: Record<string, string>; dailyLog?: boolean } = {}) {
  const planner = new FakePlanner(DRAFT);
  h = await startBotHarness({ open: openWithPlanner(planner), todayFile: opts.todayFile ?? null, otherFiles: opts.otherFiles });
  if (opts.dailyLog !== false) await writeFile(dailyLogOf(h), "# Goals\n- add baptisms\n");
  return planner;
}

const dailyLogOf = (b: BotHarness, date = b.today) => path.join(b.dir, "daily_logs", `${date}.md`);
const answers = (b: BotHarness) => b.fake.calls("answerCallbackQuery").map((c) => c.params.text);
const editOf = (b: BotHarness, message: SentEntry, since: number) => b.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === message.message_id, 3000, since);
const press = (b: BotHarness, message: SentEntry, label: string): number => {
  const mark = b.fake.sent.length;
  b.fake.pushCallback(CHAT, message.message_id, buttonData(message, label));
  return mark;
};
/** Resolves once `count` presses have been answered (every press must be). */
const answered = (b: BotHarness, count: number) => b.fake.waitUntil(() => b.fake.calls("answerCallbackQuery").length >= count, 3000, `${count} callback answers`);

describe("Telegram /plan", () => {
  it("/plan drafts, the list comes with Start / Show file / Discard, Show file sends the file, Start starts it", async () => {
    const planner = await planHarness();
    const mark = h.say("/plan");
    const planning = await h.sentContaining("Planning from", mark);
    expect(planning.text).toContain(`${h.today}.md`);
    const ready = await h.sentContaining("Plan ready: 3 tasks", mark);
    expect(planner.requests).toMatchObject([{ daily_log: dailyLogOf(h), date: h.today, round: 0 }]);
    expect(ready.text).toContain("1. Task number 1 (database) ⏸ needs approval");
    expect(ready.text).toContain(`orchestrator_tasks/${h.today}-tasks.md`);
    const buttons = ready.reply_markup?.inline_keyboard.flat() ?? [];
    expect(buttons.map((b) => b.text)).toEqual(["▶️ Start", "📄 Show file", "🗑 Discard"]);
    const planId = `${h.today}-p1`;
    for (const b of buttons) {
      expect(b.callback_data).toContain(planId);
      expect(Buffer.byteLength(b.callback_data ?? "")).toBeLessThanOrEqual(64);
    }

    const file = path.join(h.tasksDir, `${h.today}-tasks.md`);
    let since = press(h, ready, "Show file");
    const doc = await h.fake.waitFor((e) => e.method === "sendDocument", 3000, since);
    expect(doc.document).toEqual({ filename: `${h.today}-tasks.md`, content: await readFile(file, "utf8") });
    expect(doc.text).toContain(`Plan ${planId}`);
    expect(h.orchestrator.state.plan?.status).toBe("ready");

    since = press(h, ready, "Start");
    const started = await h.sentContaining("Orchestrator Starting", since);
    expect(started.text).toContain(`${h.today}-tasks.md`);
    expect(h.orchestrator.state).toMatchObject({ status: "waiting_approval", task_file: file, plan: { id: planId, status: "started" } });
    const edit = await editOf(h, ready, since);
    expect(edit.reply_markup).toBeNull();
    expect(edit.text).toContain("▶️ Started by Tester");
    await answered(h, 2);
    expect(answers(h)).toEqual(["📄 Sending the file", "▶️ Starting the plan"]);

    // Start again: that plan is started now; refused in Control's words, nothing else starts.
    since = h.fake.sent.length;
    h.fake.pushCallback(CHAT, ready.message_id, buttonData(ready, "Start"));
    await answered(h, 3);
    expect(answers(h)[2]).toMatch(/cannot be started: it has been started already/);
    expect(h.orchestrator.state.status).toBe("waiting_approval");
    expect(h.fake.sent.slice(since).filter((e) => e.method === "sendMessage")).toEqual([]);
  });

  it("/plan show sends the plan and its file; Discard removes the file and says so", async () => {
    await planHarness();
    const ready = await h.sentContaining("Plan ready", h.say("/plan"));
    let since = h.say("/plan show");
    const shown = await h.sentContaining("Plan ready: 3 tasks", since);
    expect(shown.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["▶️ Start", "📄 Show file", "🗑 Discard"]);
    const doc = await h.fake.waitFor((e) => e.method === "sendDocument", 3000, since);
    const file = path.join(h.tasksDir, `${h.today}-tasks.md`);
    expect(doc.document?.content).toBe(await readFile(file, "utf8"));

    since = press(h, ready, "Discard");
    const told = await h.sentContaining("discarded by Telegram", since);
    expect(told.text).toContain(`Plan ${h.today}-p1`);
    const edit = await editOf(h, ready, since);
    expect(edit.reply_markup).toBeNull();
    expect(edit.text).toContain("🗑 Discarded by Tester");
    expect(h.orchestrator.state.plan?.status).toBe("discarded");
    await h.fake.waitUntil(() => access(file).then(() => false, () => true), 3000, "the plan's file removed");
    await expect(access(file)).rejects.toThrow();
    await answered(h, 1);
    expect(answers(h)).toEqual(["🗑 Discarding the plan"]);

    // Show file of the discarded plan: answered with why, nothing sent.
    since = h.fake.sent.length;
    h.fake.pushCallback(CHAT, ready.message_id, buttonData(ready, "Show file"));
    await answered(h, 2);
    expect(answers(h)[1]).toContain("it was discarded");
    expect(h.fake.sent.slice(since).filter((e) => e.method === "sendDocument")).toEqual([]);
  });

  it("a button of an older plan says it is no longer the latest, starts nothing, and loses its buttons", async () => {
    await planHarness();
    const first = await h.sentContaining("Plan ready", h.say("/plan"));
    const second = await h.sentContaining("Plan ready", h.say("/plan"));
    expect(second.text).toContain(`${h.today}-tasks-2.md`);
    expect(buttonData(second, "Start")).toContain(`${h.today}-p2`);

    const since = press(h, first, "Start");
    await answered(h, 1);
    expect(answers(h)[0]).toBe(`Plan ${h.today}-p1 is not the latest one (${h.today}-p2, ready); send /plan show to see it.`);
    const edit = await editOf(h, first, since);
    expect(edit.reply_markup).toBeNull();
    expect(h.orchestrator.state).toMatchObject({ status: "idle", plan: { id: `${h.today}-p2`, status: "ready" } });
    // The latest plan's buttons still work.
    press(h, second, "Start");
    await h.until((s) => s.status === "waiting_approval");
    expect(h.orchestrator.state.task_file).toBe(path.join(h.tasksDir, `${h.today}-tasks-2.md`));
  });

  it("/plan without a daily log says what to write; the command is in the menu and in /help", async () => {
    await planHarness({ dailyLog: false });
    const reply = await h.sentContaining("No daily log for today", h.say("/plan"));
    expect(reply.text).toContain(`daily_logs/${h.today}.md`);
    expect(h.orchestrator.state.plan ?? null).toBeNull();
    expect(h.fake.world.commands.map((c) => c.command)).toContain("plan");
    const help = await h.sentContaining("Orchestrator commands", h.say("/help"));
    expect(help.text).toContain("/plan [daily_log]");
  });
});

describe("Telegram /start and the morning", () => {
  it("no task file for today but a daily log: /start offers to plan from it", async () => {
    await planHarness({ otherFiles: { "2025-12-31-tasks.md": taskFileText(1) } });
    const offer = await h.sentContaining("No task file for today", h.say("/start"));
    expect(offer.text).toContain(`daily_logs/${h.today}.md`);
    expect(offer.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["📝 Plan from the daily log", "📋 Pick another file"]);

    const since = press(h, offer, "Plan from the daily log");
    await h.sentContaining("Plan ready: 3 tasks", since);
    const edit = await editOf(h, offer, since);
    expect(edit.reply_markup).toBeNull();
    expect(answers(h)[0]).toBe("📝 Planning from the daily log");

    // Pick another file (once the plan and its file are gone): the picker, one button per file.
    await h.sentContaining("discarded by", h.say("/plan discard"));
    await h.fake.waitUntil(() => access(path.join(h.tasksDir, `${h.today}-tasks.md`)).then(() => false, () => true), 3000, "the plan's file removed");
    const again = await h.sentContaining("No task file for today", h.say("/start"));
    const picking = press(h, again, "Pick another file");
    const picker = await h.sentContaining("Which one should I load?", picking);
    expect(picker.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toContain("📋 2025-12-31-tasks.md");
    h.fake.pushCallback(CHAT, picker.message_id, buttonData(picker, "2025-12-31-tasks.md"));
    await h.until((s) => s.status === "waiting_approval");
    expect(h.orchestrator.state.task_file).toBe(path.join(h.tasksDir, "2025-12-31-tasks.md"));
  });

  it("the offer pressed on another day is out of date and plans nothing", async () => {
    const planner = await planHarness();
    const offer = await h.sentContaining("No task file for today", h.say("/start"));
    h.clock.advance(DAY);
    press(h, offer, "Plan from the daily log");
    await answered(h, 1);
    expect(answers(h)[0]).toContain(`for ${h.today}'s daily log`);
    expect(planner.requests).toEqual([]);
    expect(h.orchestrator.state.plan ?? null).toBeNull();
  });

  it("a session left unfinished yesterday: /start asks, and Continue it runs the session's own next step", async () => {
    h = await startBotHarness();
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const yesterday = h.orchestrator.state;
    expect(yesterday.status).toBe("waiting_approval");
    h.clock.advance(DAY);
    const today = localDate(h.clock.now());
    await writeFile(path.join(h.tasksDir, `${today}-tasks.md`), taskFileText(2));

    const question = await h.sentContaining("is unfinished", h.say("/start"));
    expect(question.text).toContain(`Session ${yesterday.session_id} from ${h.today} is unfinished`);
    expect(question.text).toContain("0 of 3 done");
    expect(question.text).toContain("Continue it, or start today's file?");
    const labels = question.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(labels).toEqual(["▶️ Continue it (/approve)", `📋 Start today's file: ${today}-tasks.md`]);
    expect(h.orchestrator.state.session_id).toBe(yesterday.session_id);

    const since = press(h, question, "Continue it");
    await h.sentContaining("Task 1/3 Complete!", since);
    expect(h.orchestrator.state).toMatchObject({ session_id: yesterday.session_id, task_file: yesterday.task_file });
    const edit = await editOf(h, question, since);
    expect(edit.reply_markup).toBeNull();
    expect(edit.text).toContain("Continued by Tester: /approve");
    expect(answers(h)).toEqual(["▶️ Continuing: /approve"]);

    // The same question's buttons once the session moved on: out of date, nothing happens.
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Start today's file"));
    await answered(h, 2);
    expect(answers(h)[1]).toBe("This button is out of date");
    expect(h.orchestrator.state.session_id).toBe(yesterday.session_id);
  });

  it("a session left unfinished yesterday: Start today's file starts it, leaving the old session", async () => {
    h = await startBotHarness();
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const yesterday = h.orchestrator.state;
    h.clock.advance(DAY + 60_000);
    const today = localDate(h.clock.now());
    const todayFile = path.join(h.tasksDir, `${today}-tasks.md`);
    await writeFile(todayFile, taskFileText(2));

    const question = await h.sentContaining("is unfinished", h.say("/start"));
    const since = press(h, question, "Start today's file");
    const started = await h.sentContaining("Orchestrator Starting", since);
    expect(started.text).toContain("Found 2 tasks");
    expect(h.orchestrator.state.task_file).toBe(todayFile);
    expect(h.orchestrator.state.session_id).not.toBe(yesterday.session_id);
    const edit = await editOf(h, question, since);
    expect(edit.reply_markup).toBeNull();
    expect(edit.text).toContain(`Started ${today}-tasks.md by Tester; session ${yesterday.session_id} was left as it was`);
  });

  it("the plan's Start while yesterday's session is unfinished asks first; Start today's file starts the plan", async () => {
    await planHarness({ todayFile: taskFileText(3) });
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const yesterday = h.orchestrator.state;
    h.clock.advance(DAY);
    const today = localDate(h.clock.now());
    await writeFile(dailyLogOf(h, today), "# Goals\n- more\n");
    const ready = await h.sentContaining("Plan ready", h.say("/plan"));
    let since = press(h, ready, "Start");
    const question = await h.sentContaining("is unfinished", since);
    expect(question.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["▶️ Continue it (/approve)", `📋 Start today's file: ${today}-tasks.md`]);
    expect(h.orchestrator.state).toMatchObject({ session_id: yesterday.session_id, plan: { status: "ready" } });
    // The plan keeps its buttons: it was not started.
    expect(h.fake.sent.slice(since).filter((e) => e.method === "editMessageText" && e.message_id === ready.message_id)).toEqual([]);

    since = press(h, question, "Start today's file");
    await h.sentContaining("Orchestrator Starting", since);
    expect(h.orchestrator.state).toMatchObject({ task_file: path.join(h.tasksDir, `${today}-tasks.md`), plan: { id: `${today}-p1`, status: "started" } });
    expect(h.orchestrator.state.session_id).not.toBe(yesterday.session_id);
  });

  it("no task file today for an unfinished session: only Continue it is offered (paused: /resume)", async () => {
    h = await startBotHarness();
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    await h.sentContaining("Orchestrator Paused", h.say("/pause"));
    h.clock.advance(DAY);
    const question = await h.sentContaining("is unfinished", h.say("/start"));
    expect(question.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["▶️ Continue it (/resume)"]);
    const since = press(h, question, "Continue it");
    await h.sentContaining("Orchestrator Resumed", since);
    expect(h.orchestrator.state.status).not.toBe("paused");
  });
});
