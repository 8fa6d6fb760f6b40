import { afterEach, describe, expect, it } from "@jest/globals";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { CHAT, startBotHarness, type BotHarness } from "./bot-harness.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

describe("Telegram bot commands", () => {
  it("walks the seed's flow: /start, /approve, completion report, /status, /pause, /resume", async () => {
    h = await startBotHarness();
    expect(h.fake.world.commands.map((c) => c.command)).toEqual(["start", "status", "approve", "pause", "resume", "skip", "retry", "cancel", "diff", "rollback", "tell", "permissions", "logs", "history", "budget", "report", "plan", "feedback", "learn", "dashboard", "help"]);

    let mark = h.say("/start");
    const started = await h.sentContaining("Orchestrator Starting", mark);
    expect(started.parse_mode).toBe("HTML");
    expect(started.text).toContain(`📋 Loading tasks from: <code>orchestrator_tasks/${h.today}-tasks.md</code>`);
    expect(started.text).toContain("Found 3 tasks:\n1. Task number 1 (backend)\n2. Task number 2 (backend)\n3. Task number 3 (backend)");
    expect(started.text).toContain("▶️ Ready to begin!");
    expect(started.text).toContain("Next: Task 1/3\n📝 Task number 1\nType: backend");
    expect(started.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["✅ Approve", "⏭️ Skip", "⏸️ Pause"]);

    mark = h.say("/approve");
    const executing = await h.sentContaining("Executing Task 1/3", mark);
    expect(executing.text).toContain("📝 Task number 1\nType: backend\n\nPlease wait...");
    const done = await h.sentContaining("Task 1/3 Complete!", mark);
    expect(done.method).toBe("sendMessage");
    expect(done.text).toContain("📊 Progress: 1/3 (33%)");
    expect(done.text).toContain("──────────────────\n\nNext: Task 2/3\n📝 Task number 2\nType: backend");
    expect(done.text).toContain("/approve to continue, /skip to skip, /pause to pause");
    // The command's own effect is the answer: no second "ok" reply.
    expect(h.fake.sent.slice(mark).filter((e) => e.text.startsWith("✅ Executing"))).toHaveLength(0);

    h.clock.advance(5 * 60_000);
    mark = h.say("/status");
    const status = await h.sentContaining("Orchestrator Status", mark);
    for (const line of ["Status: ⏸️ Waiting for approval", "Progress: 1/3 tasks (33%)", "✅ Completed: 1", "⏳ Pending: 2", "Current: Task 2 - Task number 2 (backend)", "Started: 9:30 AM", "Runtime: 5 minutes", "/approve /skip /pause"]) {
      expect(status.text).toContain(line);
    }

    mark = h.say("/pause");
    const paused = await h.sentContaining("Orchestrator Paused", mark);
    expect(paused.text).toContain("Current: Task 2/3\nCompleted: 1/3\n\nState saved. Use /resume to continue.");

    mark = h.say("/resume");
    const resumed = await h.sentContaining("Orchestrator Resumed", mark);
    expect(resumed.text).toContain("Continuing from: Task 2/3\n📝 Task number 2");
    expect(resumed.text).toContain("/approve to execute, /status for details");
    expect(h.fake.calls().filter((c) => c.error !== null && c.method !== "getUpdates")).toEqual([]);
  });

  it("answers refusals, bad arguments, /help and plain text with what makes sense now", async () => {
    h = await startBotHarness();
    let mark = h.say("/approve");
    expect((await h.sentContaining("Nothing to approve", mark)).text).toMatch(/^⚠️ Nothing to approve: no session has started\. Send \/start/);
    mark = h.say("/logs lots");
    expect((await h.sentContaining("/logs takes a number", mark)).text).toMatch(/^❌/);
    mark = h.say("/start nope.md");
    expect((await h.sentContaining("No task file nope.md", mark)).text).toMatch(/^🔍/);
    mark = h.say("/help");
    const help = await h.sentContaining("Orchestrator commands", mark);
    expect(help.text).toContain("/retry [feedback] - run a failed or interrupted task again");
    for (const command of ["/cancel - ", "/diff [n] - ", "/rollback [n] - ", "/tell &lt;text&gt; - ", "/permissions - "]) expect(help.text).toContain(command);
    expect(help.text).toContain("Right now: /start to load today's task file");
    mark = h.say("hello there");
    expect((await h.sentContaining("I only understand commands", mark)).text).toContain("Send /help");
  });

  it("reports a failure as a new message and /retry with feedback runs it again", async () => {
    h = await startBotHarness({ scripts: [{ outcome: { ok: false, kind: "exit_error", reason: "exited 1: <boom> & more", session_id: "c-1" } }, {}] });
    h.say("/start");
    await h.until((s) => s.status === "waiting_approval");
    let mark = h.say("/approve");
    const failed = await h.sentContaining("Task 1/3 Failed", mark);
    expect(failed.method).toBe("sendMessage");
    expect(failed.text).toContain("Error: exited 1: &lt;boom&gt; &amp; more");
    expect(failed.text).toContain("/retry to run it again");
    mark = h.say("/retry use the weddings table");
    const retry = await h.sentContaining("Executing Task 1/3", mark);
    expect(retry.text).toContain("(attempt 2)");
    expect(retry.text).toContain("💬 Feedback: use the weddings table");
    await h.sentContaining("Task 1/3 Complete!", mark);
  });

  it("sends /logs as text, or as a document when it is longer than one message", async () => {
    h = await startBotHarness();
    const file = path.join(h.logsDir, `${h.today}.log`);
    await writeFile(file, Array.from({ length: 5 }, (_, i) => `[09:30:1${i}] INFO  line ${i} <tag> & stuff`).join("\n") + "\n");
    let mark = h.say("/logs 5");
    const text = await h.sentContaining("Recent Logs", mark);
    expect(text.text).toContain("<pre>[09:30:10] INFO  line 0 &lt;tag&gt; &amp; stuff");
    expect(text.text).toContain(`Full logs: <code>orchestrator_logs/${h.today}.log</code>`);

    await writeFile(file, Array.from({ length: 200 }, (_, i) => `[09:31:00] INFO  ${"x".repeat(60)} line ${i}`).join("\n") + "\n");
    mark = h.say("/logs 200");
    const doc = await h.fake.waitFor((e) => e.method === "sendDocument", 5000, mark);
    expect(doc.chat_id).toBe(CHAT);
    expect(doc.document?.filename).toBe(`orchestrator-${h.today}.log`);
    expect(doc.document?.content.split("\n").filter(Boolean)).toHaveLength(200);
    expect(doc.text).toContain("Recent Logs</b> (last 200 lines)");
  });

  it("waits out a 429 and delivers the reply", async () => {
    h = await startBotHarness();
    h.fake.failNext("sendMessage", 1, 1);
    const before = performance.now();
    const mark = h.say("/status");
    const status = await h.sentContaining("Orchestrator Status", mark);
    expect(status.at - before).toBeGreaterThanOrEqual(900);
    const calls = h.fake.calls("sendMessage");
    expect(calls[0]?.error).toMatch(/^Too Many Requests: retry after 1/);
    expect(calls[1]?.error).toBeNull();
  });

  it("logs a handler that throws and keeps polling", async () => {
    h = await startBotHarness();
    const real = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(h.orchestrator), "state") as PropertyDescriptor;
    let fail = true;
    Object.defineProperty(h.orchestrator, "state", {
      configurable: true,
      get() {
        if (fail) {
          fail = false;
          throw new Error("state exploded");
        }
        return real.get?.call(this);
      },
    });
    h.say("/skip");
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    expect(h.logLines.some((l) => l.includes("handling a Telegram update failed") && l.includes("state exploded"))).toBe(true);
  });
});
