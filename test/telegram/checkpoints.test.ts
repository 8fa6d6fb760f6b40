/**
 * Informed checkpoints in the bot, end to end: a real git repository (temp), a real orchestrator
 * with GitWorkTree, a runner that edits the files like Claude would, and the fake Bot API. What a
 * task changed shows in its completion message with 🔍 Diff and ↩️ Rollback; /diff sends it inline
 * or as a file; /rollback asks and only its Yes restores the files on disk; /cancel stops a task.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import type { VerificationReport } from "../../src/core/events.js";
import type { Verifier, VerifyRequest } from "../../src/orchestrator/verifier.js";
import { CHAT, buttonData, startBotHarness, type BotHarness } from "./bot-harness.js";
import { EditingRunner, both, gitProject, put } from "./git-project.js";
import type { SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";

let h: BotHarness;
afterEach(async () => {
  await h?.close();
});

const STALE = "This button is out of date";
const ORIGINAL = "one\ntwo\nthree\n";
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const buttonTexts = (e: SentEntry) => e.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text)) ?? null;

/** Starts a session on a git project whose runs make `edits` (one per run), and runs task 1. */
async function runFirstTask(edits: ConstructorParameters<typeof EditingRunner>[1]) {
  const project = await gitProject();
  h = await startBotHarness({ runner: new EditingRunner(project.repo.dir, edits), open: project.open });
  await h.sentContaining("Orchestrator Starting", h.say("/start"));
  const done = await h.sentContaining("Task 1/3 Complete!", h.say("/approve"));
  return { project, done };
}

/** The answer text of the last answerCallbackQuery once one with `text` came. */
const answered = (text: string) => h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery").find((c) => c.params.text === text), 3000, `an answer "${text}"`);

describe("Telegram: what a task changed", () => {
  it("the completion says what changed, with Diff and Rollback under Approve; /diff and the Diff button show the diff inline, escaped", async () => {
    const { done } = await runFirstTask([both(put("app.txt", "one\n<two> & 2\nthree\n"), put("new.txt", "hello\n"))]);
    expect(done.text).toContain("2 files changed (+2 −1): app.txt, new.txt");
    expect(buttonTexts(done)).toEqual([
      ["✅ Approve", "⏭️ Skip", "⏸️ Pause"],
      ["🔍 Diff", "↩️ Rollback"],
      ["👍", "👎"],
    ]);

    let mark = h.say("/diff 1");
    const diff = await h.sentContaining("<pre>", mark);
    expect(diff.method).toBe("sendMessage");
    expect(diff.text).toContain("🔍 <b>Task 1: Task number 1</b>\n2 files changed (+2 −1): app.txt, new.txt");
    expect(diff.text).toContain("diff --git a/app.txt b/app.txt");
    expect(diff.text).toContain("-two\n+&lt;two&gt; &amp; 2");
    expect(diff.text).toContain("+hello");

    // The button sends the same, and answers the press.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "Diff"));
    const again = await h.sentContaining("<pre>", mark);
    expect(again.text).toBe(diff.text);
    await answered("🔍 Diff of Task 1");

    // Approve from the same message keeps the Diff / Rollback row under it.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "Approve"));
    const edit = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === done.message_id, 3000, mark);
    expect(buttonTexts(edit)).toEqual([["🔍 Diff", "↩️ Rollback"], ["👍", "👎"]]);
    await h.sentContaining("Task 2/3 Complete!", mark);
    // Task 2 changed nothing: it says so, and /diff answers with Control's words.
    mark = h.say("/diff");
    expect((await h.sentContaining("Task 2", mark)).text).toBe("🔍 Task 2: Task number 2: no files changed");
  });

  it("sends a long diff as a task-N.diff document with the summary as its caption", async () => {
    const big = Array.from({ length: 400 }, (_, i) => `generated line ${i + 1} <&>`).join("\n") + "\n";
    await runFirstTask([put("big.txt", big)]);
    const mark = h.say("/diff 1");
    const doc = await h.fake.waitFor((e) => e.method === "sendDocument", 5000, mark);
    expect(doc.document?.filename).toBe("task-1.diff");
    expect(doc.document?.content).toContain("+generated line 400 <&>");
    expect(doc.text).toContain("1 file changed (+400 −0): big.txt");
    expect(h.fake.sent.slice(mark).filter((e) => e.method === "sendMessage")).toEqual([]);
  });

  it("/diff without git says so, from Control", async () => {
    h = await startBotHarness();
    const mark = h.say("/diff");
    expect((await h.sentContaining("No diff", mark)).text).toMatch(/^⚠️ No diff: git is off/);
  });
});

describe("Telegram: rollback", () => {
  it("/rollback asks; No changes nothing, Yes puts the files back on disk and says what it did", async () => {
    const { project } = await runFirstTask([both(put("app.txt", "one\nTWO\nthree\n"), put("new.txt", "hello\n"))]);
    const app = path.join(project.repo.dir, "app.txt");
    const added = path.join(project.repo.dir, "new.txt");

    let mark = h.say("/rollback");
    let question = await h.sentContaining("Roll back Task 1/3?", mark);
    expect(question.text).toContain("2 files changed (+2 −1): app.txt, new.txt");
    expect(buttonTexts(question)).toEqual([["↩️ Yes, roll back Task 1", "✖️ No"]]);
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "No"));
    await answered("OK, not rolled back");
    const declined = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === question.message_id, 3000, mark);
    expect(declined.text).toContain("Not rolled back.");
    expect(declined.reply_markup).toBeNull();
    expect(await readFile(app, "utf8")).toBe("one\nTWO\nthree\n");
    expect(h.orchestrator.state.tasks[0]?.status).toBe("completed");

    mark = h.say("/rollback 1");
    question = await h.sentContaining("Roll back Task 1/3?", mark);
    h.fake.pushCallback(CHAT, question.message_id, buttonData(question, "Yes"));
    const report = await h.sentContaining("rolled back: 1 file restored, 1 removed", mark);
    expect(report.text).toContain("Waits for approval: it was rolled back");
    expect(buttonTexts(report)?.[0]).toEqual(["✅ Approve", "⏭️ Skip", "⏸️ Pause"]);
    await answered("Rolling back Task 1");
    const outcome = await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === question.message_id && e.text.includes("Rolled back by"), 3000, mark);
    expect(outcome.text).toContain("Rolled back by Telegram @tester111:</i> restored app.txt; removed new.txt.");

    expect(await readFile(app, "utf8")).toBe(ORIGINAL);
    expect(await exists(added)).toBe(false);
    expect(h.orchestrator.state.tasks[0]?.status).toBe("rolled_back");
    // One report of it, not the report and a reply.
    expect(h.fake.sent.slice(mark).filter((e) => e.method === "sendMessage" && e.text.includes("rolled back"))).toHaveLength(1);

    // /status marks the rolled-back task.
    mark = h.say("/status");
    const status = await h.sentContaining("Orchestrator Status", mark);
    expect(status.text).toContain("↩️ Rolled back: 1");
    expect(status.text).toContain("Current: Task 1 - Task number 1 (backend) · ↩️ rolled back");
  });

  it("a Yes made out of date by what ran since undoes nothing; the completion's Rollback asks again, and is stale once rolled back", async () => {
    const { project, done } = await runFirstTask([put("app.txt", "changed by task 1\n"), put("two.txt", "task 2\n")]);
    const app = path.join(project.repo.dir, "app.txt");
    let mark = h.say("/rollback 1");
    const old = await h.sentContaining("Roll back Task 1/3?", mark);
    expect(old.text).not.toContain("This also undoes");

    // Task 2 runs after the question was asked: the question no longer says what Yes would undo.
    await h.sentContaining("Task 2/3 Complete!", h.say("/approve"));
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, old.message_id, buttonData(old, "Yes"));
    await answered(STALE);
    expect(await readFile(app, "utf8")).toBe("changed by task 1\n");
    expect(h.orchestrator.state.tasks.map((t) => t.status)).toEqual(["completed", "completed", "pending"]);
    expect(h.fake.sent.slice(mark)).toEqual([]);

    // The completion message's Rollback asks afresh, naming what else it undoes now.
    mark = h.fake.sent.length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "Rollback"));
    const fresh = await h.sentContaining("Roll back Task 1/3?", mark);
    expect(fresh.text).toContain("<b>This also undoes Task 2</b>");
    h.fake.pushCallback(CHAT, fresh.message_id, buttonData(fresh, "Yes"));
    await h.sentContaining("Also undone: Task 2", mark);
    expect(await readFile(app, "utf8")).toBe(ORIGINAL);
    expect(await exists(path.join(project.repo.dir, "two.txt"))).toBe(false);
    expect(h.orchestrator.state.tasks.map((t) => t.status)).toEqual(["rolled_back", "rolled_back", "pending"]);

    // Undone now: its Rollback button is out of date, and so is the old question's Yes.
    const answersBefore = h.fake.calls("answerCallbackQuery").filter((c) => c.params.text === STALE).length;
    h.fake.pushCallback(CHAT, done.message_id, buttonData(done, "Rollback"));
    h.fake.pushCallback(CHAT, fresh.message_id, buttonData(fresh, "Yes"));
    await h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery").filter((c) => c.params.text === STALE).length >= answersBefore + 2, 3000);
  });

  it("a refusal comes from the core, and no question is asked", async () => {
    h = await startBotHarness();
    let mark = h.say("/rollback");
    expect((await h.sentContaining("roll back", mark)).text).toMatch(/^⚠️ Nothing to roll back: no session has started\./);
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    mark = h.say("/rollback 1");
    const refused = await h.sentContaining("Rollback needs git", mark);
    expect(refused.reply_markup).toBeNull();
  });
});

describe("Telegram: /cancel", () => {
  it("stops the running task at once: interrupted, 'cancelled by' the person, what it changed, and the buttons", async () => {
    const project = await gitProject();
    h = await startBotHarness({ runner: new EditingRunner(project.repo.dir, [put("half.txt", "work in progress\n")], { hold: true }), open: project.open });
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    await h.sentContaining("Executing Task 1/3", h.say("/approve"));
    await h.until((s) => s.tasks[0]?.pid != null);

    const mark = h.say("/cancel");
    const cancelled = await h.sentContaining("was cancelled", mark);
    expect(cancelled.text).toContain("⏹ <b>Task 1/3 was cancelled</b>");
    expect(cancelled.text).toContain("It was cancelled by Telegram @tester111.");
    expect(cancelled.text).toContain("1 file changed (+1 −0): half.txt");
    expect(buttonTexts(cancelled)).toEqual([
      ["✅ Approve", "⏭️ Skip", "⏸️ Pause"],
      ["🔍 Diff", "↩️ Rollback"],
    ]);
    expect(h.orchestrator.state.tasks[0]).toMatchObject({ status: "interrupted", error: "cancelled by Telegram @tester111" });
    expect(h.orchestrator.state.status).toBe("waiting_approval");
    // The report is the answer: no second "Cancelled" reply.
    await h.sentContaining("Orchestrator Status", h.say("/status"));
    expect(h.fake.sent.slice(mark).filter((e) => e.text.includes("⏹"))).toHaveLength(1);

    const again = h.say("/cancel");
    expect((await h.sentContaining("Nothing to cancel", again)).text).toMatch(/^⚠️ Nothing to cancel: no task is running/);
  });
});

/** A Verifier that answers from a list, each answer released when the test says so (or at once). */
class ScriptedVerifier implements Verifier {
  readonly #waiting: (() => void)[] = [];
  calls = 0;

  constructor(readonly reports: { report: VerificationReport; hold?: boolean }[]) {}

  async verify(request: VerifyRequest): Promise<VerificationReport> {
    const next = this.reports[Math.min(this.calls++, this.reports.length - 1)] as { report: VerificationReport; hold?: boolean };
    // Held until released, or until the orchestrator stops it (cancel, shutdown): a failing test still winds down.
    if (next.hold && !request.signal.aborted) {
      const aborted = await new Promise<boolean>((resolve) => {
        this.#waiting.push(() => resolve(false));
        request.signal.addEventListener("abort", () => resolve(true), { once: true });
      });
      if (aborted) return { ...next.report, cancelled: true };
    }
    return next.report;
  }

  release(): void {
    for (const go of this.#waiting.splice(0)) go();
  }
}

const verification = (passed: boolean): VerificationReport => ({
  record: {
    passed,
    commands: [{ command: "npm test", exit_code: passed ? 0 : 1, duration_s: 12, log: null }],
    missing: [],
    failure: passed ? null : "npm test exited 1: 2 failing",
    summary: passed ? "✅ verified: npm test (12 s)" : "❌ npm test failed",
  },
  cancelled: false,
  feedback: passed ? "" : "Verification failed: `npm test` exited 1. Fix it.",
});

describe("Telegram: verification", () => {
  it("says Claude is fixing a failed check, shows 🔎 verifying (progress and /status), and the completion carries the result", async () => {
    const verifier = new ScriptedVerifier([{ report: verification(false) }, { report: verification(true), hold: true }]);
    const project = await gitProject({ verifier, verify: ["npm test"], verifyRetries: 1 });
    h = await startBotHarness({ runner: new EditingRunner(project.repo.dir, [put("app.txt", "broken\n"), put("app.txt", "fixed\n")]), open: project.open, progressEditMs: 50 });
    await h.sentContaining("Orchestrator Starting", h.say("/start"));
    const mark = h.say("/approve");
    const fixing = await h.sentContaining("Claude is fixing it (1/1)", mark);
    expect(fixing.method).toBe("sendMessage");
    expect(fixing.text).toMatch(/^🔁 Task 1\/3: .*verification failed \(npm test exited 1: 2 failing\)/);

    // The second check is held: the task is verifying.
    await h.until((s) => s.tasks[0]?.phase === "verifying" && verifier.calls === 2);
    const progress = await h.fake.waitFor((e) => e.method === "editMessageText" && e.text.includes("🔎"), 3000, mark);
    expect(progress.text).toContain("Claude is done; verifying (npm test)");
    const statusMark = h.say("/status");
    expect((await h.sentContaining("Orchestrator Status", statusMark)).text).toContain("Current: Task 1 - Task number 1 (backend) · 🔎 verifying");
    // Verifying is an edit, never a message of its own.
    expect(h.fake.sent.slice(mark).filter((e) => e.method === "sendMessage" && e.text.includes("verifying ("))).toEqual([]);

    verifier.release();
    const done = await h.sentContaining("Task 1/3 Complete!", mark);
    expect(done.text).toContain("1 file changed (+1 −3): app.txt\n✅ verified: npm test (12 s)");
  });
});
