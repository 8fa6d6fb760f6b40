import { afterEach, describe, expect, it } from "@jest/globals";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import { createIdleState, createTaskRecord } from "../../src/core/state.js";
import { def } from "../core/machine-helpers.js";
import type { RunHooks, RunRequest, Runner } from "../../src/runner/runner.js";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";
import { CHAT, buttonData, startBotHarness, taskFileText, type BotHarness } from "./bot-harness.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

/** A runner that reports progress every `everyMs` for `ticks` times, then succeeds. */
class TickingRunner implements Runner {
  constructor(
    readonly ticks: number,
    readonly everyMs: number,
  ) {}
  async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    hooks.onSpawn?.({ pid: 1, pgid: 1 });
    for (let i = 1; i <= this.ticks && !request.signal?.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
      hooks.onProgress?.(i % 2 === 1 ? { kind: "tool_use", text: `Bash: step ${i}`, tool: "Bash" } : { kind: "text", text: `Thinking <about> step ${i} & more` });
    }
    return { ok: true, kind: "success", reason: null, summary: "All <done> & dusted", session_id: "s", cost_usd: 0.02, tokens: null, num_turns: 3, duration_ms: 1, exit_code: 0, signal: null, permission_denials: [] };
  }
}

describe("Telegram reports", () => {
  it("edits the progress message at most every progressEditMs, then reports completion as a NEW message", async () => {
    const editMs = 250;
    h = await startBotHarness({ runner: new TickingRunner(50, 20), progressEditMs: editMs });
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const mark = h.say("/approve");
    const progress = await h.sentContaining("Executing Task 1/3", mark);
    const done = await h.sentContaining("Task 1/3 Complete!", mark, 10_000);

    const edits = h.fake.sent.filter((e) => e.method === "editMessageText" && e.message_id === progress.message_id);
    // About 1 s of progress: a handful of edits, not 50.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThanOrEqual(Math.ceil(1000 / editMs) + 2);
    const times = [progress.at, ...edits.map((e) => e.at)];
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(editMs - 15);
    expect(edits.at(-1)?.text).toMatch(/(🔧 Bash: step \d+|💬 Thinking &lt;about&gt; step \d+ &amp; more)\n⏱️ \d+ s elapsed$/);

    expect(done.method).toBe("sendMessage");
    expect(done.message_id).not.toBe(progress.message_id);
    expect(done.text).toContain("All &lt;done&gt; &amp; dusted");
    // Edits stop with the task (one already in flight may still land).
    await new Promise((resolve) => setTimeout(resolve, editMs * 2));
    expect(h.fake.sent.filter((e) => e.method === "editMessageText" && e.at > done.at).length).toBeLessThanOrEqual(1);
  });

  it("escapes task titles in every message: <script> & co", async () => {
    h = await startBotHarness({ todayFile: taskFileText(2, { title: (i) => (i === 1 ? "<script> & co" : "a > b") }) });
    const started = await h.sentContaining("Orchestrator Starting", h.say("/start"));
    expect(started.text).toContain("1. &lt;script&gt; &amp; co (backend)");
    expect(started.text).toContain("2. a &gt; b (backend)");
    const visible = parseTelegramHtml(started.text);
    expect(visible.ok && visible.text).toContain("1. <script> & co (backend)");
    const mark = h.say("/approve");
    await h.sentContaining("Task 1/2 Complete!", mark);
    const status = await h.sentContaining("Orchestrator Status", h.say("/status"));
    expect(status.text).toContain("Current: Task 2 - a &gt; b (backend)");
    expect(h.fake.calls().filter((c) => c.error !== null && c.method !== "getUpdates")).toEqual([]);
  });

  it("splits a report longer than 4096 characters at line breaks, buttons under the last part", async () => {
    h = await startBotHarness({ todayFile: taskFileText(120, { title: (i) => `A rather long task title number ${i} with <angle brackets> & ampersands to escape` }) });
    const mark = h.say("/start");
    await h.until((s) => s.status === "waiting_approval");
    const last = await h.fake.waitFor((e) => e.reply_markup !== null, 5000, mark);
    const parts = h.fake.sent.slice(mark).filter((e) => e.method === "sendMessage" && e.message_id <= last.message_id);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      const parsed = parseTelegramHtml(part.text);
      expect(parsed.ok).toBe(true);
      expect(parsed.ok && parsed.text.length).toBeLessThanOrEqual(4096);
    }
    expect(parts[0]?.text).toContain("Orchestrator Starting");
    expect(parts.at(-1)).toBe(last);
    expect(parts.slice(0, -1).every((p) => p.reply_markup === null)).toBe(true);
    // Every task line survived the split whole.
    const all = parts.map((p) => p.text).join("\n");
    for (const i of [1, 60, 120]) expect(all).toContain(`${i}. A rather long task title number ${i} with &lt;angle brackets&gt; &amp; ampersands to escape (backend)`);
    expect(h.fake.calls("sendMessage").every((c) => c.error === null)).toBe(true);
    expect(CHAT).toBe(last.chat_id);
  });

  it("after a crash, tells the chats the task was interrupted, with buttons to decide", async () => {
    const running = { ...createTaskRecord(def(1)), status: "running" as const, attempts: 1, pid: 4321, pgid: 4321, boot_id: "boot-0" };
    const initial = { ...createIdleState(), session_id: "S0", task_file: "/x/orchestrator_tasks/t.md", status: "running" as const, started_at: new Date().toISOString(), tasks: [running, createTaskRecord(def(2))] };
    h = await startBotHarness({ initial });
    const back = await h.sentContaining("Orchestrator back online");
    expect(back.text).toContain("⏸️ <b>Task 1/2 waits for approval</b>");
    expect(back.text).toContain("interrupted by a restart");
    const mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, back.message_id, buttonData(back, "Approve"));
    await h.sentContaining("Executing Task 1/2</b> (attempt 2)", mark);
    expect(h.orchestrator.state.tasks[0]?.attempts).toBe(2);
  });

  it("tells the phone at start about a problem found before the bot was up (logs not written)", async () => {
    h = await startBotHarness();
    // The log problem itself is made real in test/faults/readonly-logs.test.ts; here only its
    // hand-over to a bot that starts after it was found.
    Object.defineProperty(h.orchestrator, "problems", { configurable: true, get: () => ["logs are not being written: EROFS: read-only file system"] });
    const mark = h.fake.sent.length;
    await h.restartBot();
    const notice = await h.sentContaining("The orchestrator has a problem", mark);
    expect(notice.chat_id).toBe(CHAT);
    expect(notice.text).toContain("logs are not being written: EROFS");
  });
});
