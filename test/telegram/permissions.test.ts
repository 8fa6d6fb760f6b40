/**
 * Claude's permission requests on the phone, end to end: the real bot (fake Bot API), a real
 * orchestrator, the real ClaudeRunner and the fake claude asking over the stdio permission
 * channel. What the fake claude did with each answer is read from its permissions.jsonl and the
 * files it made in the project folder.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import path from "node:path";
import { CHAT, STRANGER, ask, buttonData, buttonTexts, startPermissionHarness, type PermissionHarness } from "./permission-harness.js";

let h: PermissionHarness;
afterEach(async () => {
  await h?.close();
});

const asked = (text = "wants to run Bash") => h.sentContaining(text);

describe("Telegram: permission requests", () => {
  it("asks with one message and its buttons; Allow runs the call and edits the message; a second press and a stranger's change nothing", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch made.txt" })]] });
    h.say("/start");
    const message = await asked();
    expect(message.method).toBe("sendMessage");
    expect(message.text).toContain("🔐 <b>Task 1/1 wants to run Bash</b>\n📝 Task number 1");
    expect(message.text).toContain("<pre>touch made.txt</pre>");
    expect(message.text).toContain("Reply to this message to deny with a note.");
    expect(buttonTexts(message)).toEqual(["✅ Allow", "🚫 Deny", "♾️ Always: Bash(touch *)", "⏹ Stop task"]);
    for (const b of message.reply_markup?.inline_keyboard.flat() ?? []) expect(Buffer.byteLength(b.callback_data ?? "")).toBeLessThanOrEqual(64);
    const record = await h.pending();

    let mark = h.say("/status");
    const status = await h.sentContaining("Orchestrator Status", mark);
    expect(status.text).toContain("Status: 🔐 Waiting for permission: Bash: touch made.txt");
    expect(status.text).toContain("/permissions /tell /cancel");

    // A press from a chat that is not allowed: no answer, no change (updates are handled in order,
    // so once /status after it is answered, the press has been dropped).
    const answersBefore = h.fake.calls("answerCallbackQuery").length;
    await h.press(message, "Allow", STRANGER);
    mark = h.say("/status");
    await h.sentContaining("Orchestrator Status", mark);
    expect(h.fake.calls("answerCallbackQuery")).toHaveLength(answersBefore);
    expect(h.orchestrator.state.permissions?.[0]?.status).toBe("pending");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(false);

    mark = h.fake.sent.length;
    expect(await h.press(message, "Allow")).toBe("✅ Allowed");
    const edit = await h.edited(message.message_id, "Allowed by", mark);
    expect(edit.text).toContain("<pre>touch made.txt</pre>");
    expect(edit.text).toContain("✅ <i>Allowed by Telegram @tester111 at 9:30 AM</i>");
    expect(edit.text).not.toContain("Reply to this message");
    expect(edit.reply_markup).toBeNull();
    await h.until((s) => s.status === "completed");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(true);

    // The same button again (the fake keeps no keyboard any more, so press with the old data).
    const before = h.fake.calls("answerCallbackQuery").length;
    h.fake.pushCallback(CHAT, message.message_id, buttonData(message, "Deny"));
    const again = await h.fake.waitUntil(() => h.fake.calls("answerCallbackQuery")[before]);
    expect(again.params.text).toMatch(/^Already answered: allowed by Telegram @tester111 at /);
    const responses = (await h.asks()).filter((a) => a.request_id === record.request_id);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.response).toMatchObject({ behavior: "allow" });
  });

  it("denies with the text of a reply as the note Claude reads; /tell reaches the running Claude", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch nope.txt" })]] });
    h.say("/start");
    const message = await asked();
    const record = await h.pending();

    let mark = h.say("/tell use the fixture in test/data");
    const told = await h.sentContaining("it reads it on its next turn", mark);
    expect(told.text).toMatch(/^✅ Sent to Task 1\/1's Claude/);

    mark = h.reply(message.message_id, "not in the repo root, use test/tmp");
    const answer = await h.sentContaining("Denied Bash: touch nope.txt", mark);
    expect(answer.text.startsWith("🚫")).toBe(true);
    expect(answer.reply_to_message_id).toBeDefined();
    const edit = await h.edited(message.message_id, "Denied by", mark);
    expect(edit.text).toContain("🚫 <i>Denied by Telegram @tester111 at 9:30 AM: “not in the repo root, use test/tmp”</i>");
    expect(edit.reply_markup).toBeNull();

    const state = await h.until((s) => s.status === "completed");
    const responses = (await h.asks()).filter((a) => a.request_id === record.request_id);
    expect(responses).toEqual([expect.objectContaining({ response: { behavior: "deny", message: "not in the repo root, use test/tmp" } })]);
    expect(existsSync(path.join(h.work, "nope.txt"))).toBe(false);
    expect(state.tasks[0]?.summary).toContain("told: use the fixture in test/data");

    // A reply to an answered request changes nothing and says why.
    mark = h.reply(message.message_id, "too late");
    const late = await h.sentContaining("Already answered", mark);
    expect(late.text).toMatch(/^⚠️ Already answered: denied by Telegram @tester111/);
    expect((await h.asks()).filter((a) => a.request_id === record.request_id)).toHaveLength(1);
  });

  it("Stop task denies the call and ends the task interrupted", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch stopped.txt" })], []] });
    h.say("/start");
    const message = await asked();
    const mark = h.fake.sent.length;
    expect(await h.press(message, "Stop task")).toBe("⏹ Denied; stopping the task");
    const edit = await h.edited(message.message_id, "task stopped by", mark);
    expect(edit.text).toContain("⏹ <i>Denied and the task stopped by Telegram @tester111 at 9:30 AM</i>");
    const state = await h.until((s) => s.tasks[0]?.status === "interrupted");
    expect(state.tasks[0]?.error).toContain("stopped by Telegram @tester111 when asked to run Bash: touch stopped.txt");
    expect(state.tasks[1]?.status).toBe("pending");
    await h.sentContaining("was interrupted", mark);
    expect(existsSync(path.join(h.work, "stopped.txt"))).toBe(false);
  });

  it("Always allows the call and the rest of the session's same calls; /permissions lists the rule and revokes it", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch first.txt" })], [ask("Bash", { command: "touch second.txt" })]] });
    h.say("/start");
    const message = await asked();
    let mark = h.fake.sent.length;
    expect(await h.press(message, "Always")).toBe("✅ Allowed from now on: Bash(touch *)");
    const edit = await h.edited(message.message_id, "Always allowed by", mark);
    expect(edit.text).toContain("Always allowed by Telegram @tester111 at 9:30 AM: Bash(touch *) from now on in this session");
    const state = await h.until((s) => s.status === "completed");
    expect(existsSync(path.join(h.work, "first.txt"))).toBe(true);
    expect(existsSync(path.join(h.work, "second.txt"))).toBe(true);
    // Task 2's call was not asked: one request in the session, and the fake says what allowed it.
    expect(state.permissions).toHaveLength(1);
    expect((await h.asks()).find((a) => a.input?.command === "touch second.txt")).toMatchObject({ asked: false });
    expect(h.fake.sent.filter((e) => e.method === "sendMessage" && e.text.includes("wants to run Bash"))).toHaveLength(1);

    mark = h.say("/permissions");
    const rules = await h.sentContaining("Always allowed in this session", mark);
    expect(rules.text).toContain("🔐 No permission request is waiting.");
    expect(rules.text).toContain("• <code>Bash(touch *)</code>");
    expect(buttonTexts(rules)).toEqual(["✖️ Revoke Bash(touch *)"]);
    mark = h.fake.sent.length;
    expect(await h.press(rules, "Revoke")).toMatch(/^Revoked Bash\(touch \*\)/);
    expect(h.orchestrator.state.always_rules).toEqual([]);
    const after = await h.edited(rules.message_id, "No \"always\" rules", mark);
    expect(after.reply_markup).toBeNull();
    expect(await h.press(rules, "Revoke")).toBe("Already revoked");
  });

  it("an answer over HTTP and a press at the same moment: exactly one is applied, the other is told who was first", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch raced.txt" })]] });
    h.say("/start");
    const message = await asked();
    const record = await h.pending();
    const mark = h.fake.sent.length;
    const [http, toast] = await Promise.all([h.control.execute({ command: "permission", id: record.id, decision: "deny", by: "HTTP API" }), h.press(message, "Allow")]);
    const telegramWon = toast === "✅ Allowed";
    expect(http.ok).toBe(!telegramWon);
    if (telegramWon) expect(http.message).toMatch(/^Already answered: allowed by Telegram @tester111/);
    else expect(toast).toMatch(/^Already answered: denied by HTTP API/);
    await h.until((s) => s.status === "completed");
    const responses = (await h.asks()).filter((a) => a.request_id === record.request_id);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.response.behavior).toBe(telegramWon ? "allow" : "deny");
    expect(existsSync(path.join(h.work, "raced.txt"))).toBe(telegramWon);
    // Whoever won, the phone's message shows it and has no buttons left.
    const edit = await h.edited(message.message_id, telegramWon ? "Allowed by Telegram" : "Denied by HTTP API", mark);
    expect(edit.reply_markup).toBeNull();
  });

  it("an answer from another surface edits the message; /permissions sends a pending request again with working buttons", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch one.txt" }), ask("Bash", { command: "touch two.txt" })]] });
    h.say("/start");
    const first = await asked();
    const record = await h.pending();
    let mark = h.fake.sent.length;
    expect((await h.control.execute({ command: "permission", id: record.id, decision: "allow", by: "HTTP API" })).ok).toBe(true);
    await h.edited(first.message_id, "✅ <i>Allowed by HTTP API at 9:30 AM</i>", mark);

    const second = await h.sentContaining("touch two.txt", mark);
    mark = h.say("/permissions");
    const again = await h.sentContaining("touch two.txt", mark);
    expect(again.message_id).not.toBe(second.message_id);
    expect(buttonTexts(again)).toEqual(buttonTexts(second));
    const rules = await h.sentContaining('No "always" rules in this session.', mark);
    expect(rules.reply_markup).toBeNull();
    mark = h.fake.sent.length;
    expect(await h.press(again, "Allow")).toBe("✅ Allowed");
    // Both messages of that request lose their buttons.
    await h.edited(again.message_id, "Allowed by Telegram @tester111", mark);
    await h.edited(second.message_id, "Allowed by Telegram @tester111", mark);
    await h.until((s) => s.status === "completed");
    expect(existsSync(path.join(h.work, "two.txt"))).toBe(true);
  });

  it("shows a Write's file and the start of its content, the whole content as a document; other tools as compact JSON", async () => {
    const content = Array.from({ length: 120 }, (_, i) => `line ${i + 1} <&>`).join("\n");
    h = await startPermissionHarness({ tasks: [[ask("Write", { file_path: "big.txt", content }), ask("WebFetch", { url: "https://example.com/a?b=1&c=2", prompt: "read it" })]] });
    h.say("/start");
    const message = await asked("wants to run Write");
    expect(message.text).toContain("📄 <code>big.txt</code>");
    expect(message.text).toContain("<pre>+ line 1 &lt;&amp;&gt;\n+ line 2 &lt;&amp;&gt;");
    expect(message.text).toContain("… 80 more lines</pre>");
    expect(message.text).toContain("The whole change is in the file below.");
    expect(message.text.length).toBeLessThan(4096);
    const document = await h.fake.waitFor((e) => e.method === "sendDocument");
    expect(document.document?.filename).toBe("big.txt.diff");
    expect(document.document?.content).toContain("+ line 120 <&>");
    const mark = h.fake.sent.length;
    await h.press(message, "Allow");
    const fetch = await h.sentContaining("wants to run WebFetch", mark);
    expect(fetch.text).toContain(`<pre>{"url":"https://example.com/a?b=1&amp;c=2","prompt":"read it"}</pre>`);
    await h.press(fetch, "Deny");
    await h.until((s) => s.status === "completed");
    expect(existsSync(path.join(h.work, "big.txt"))).toBe(true);
  });
});

describe("Telegram: Claude's questions", () => {
  const single = { questions: [{ question: "Which database?", header: "DB", options: [{ label: "Postgres", description: "the usual" }, { label: "SQLite" }], multiSelect: false }] };
  const multi = { questions: [{ question: "Which checks?", header: "Checks", options: [{ label: "lint" }, { label: "types" }, { label: "tests" }], multiSelect: true }] };

  it("an option press answers a single question; a multi-select one collects presses until Done; Claude gets the answers", async () => {
    h = await startPermissionHarness({ tasks: [[ask("AskUserQuestion", single), ask("AskUserQuestion", multi)]] });
    h.say("/start");
    const question = await asked("Claude asks");
    expect(question.text).toContain("❓ <b>Task 1/1: Claude asks</b>");
    expect(question.text).toContain("<b>Which database?</b> <i>(DB)</i>\n• Postgres: the usual\n• SQLite");
    expect(question.text).toContain("reply to this message to answer in your own words");
    expect(buttonTexts(question)).toEqual(["Postgres", "SQLite"]);
    let mark = h.fake.sent.length;
    expect(await h.press(question, "SQLite")).toBe("💬 SQLite");
    const answered = await h.edited(question.message_id, "Answered by", mark);
    expect(answered.text).toContain("Which database? → SQLite");
    expect(answered.reply_markup).toBeNull();

    const checks = await h.sentContaining("Which checks?", mark);
    expect(buttonTexts(checks)).toEqual(["▫️ lint", "▫️ types", "▫️ tests", "✔️ Done"]);
    mark = h.fake.sent.length;
    expect(await h.press(checks, "lint")).toBe("✅ lint");
    const picked = await h.edited(checks.message_id, "Which checks?", mark);
    expect(buttonTexts(picked)).toEqual(["✅ lint", "▫️ types", "▫️ tests", "✔️ Done"]);
    await h.press(checks, "tests");
    await h.fake.waitFor((e) => e.method === "editMessageText" && e.message_id === checks.message_id && buttonTexts(e).includes("✅ tests"), 5000, mark);
    mark = h.fake.sent.length;
    expect(await h.press(checks, "Done")).toBe("💬 lint, tests");
    await h.edited(checks.message_id, "Which checks? → lint, tests", mark);
    const state = await h.until((s) => s.status === "completed");
    expect(state.tasks[0]?.summary).toContain('answers: {"Which database?":"SQLite"}');
    expect(state.tasks[0]?.summary).toContain('answers: {"Which checks?":"lint, tests"}');
  });

  it("a text reply answers a question in the person's words", async () => {
    h = await startPermissionHarness({ tasks: [[ask("AskUserQuestion", single)]] });
    h.say("/start");
    const question = await asked("Claude asks");
    const mark = h.reply(question.message_id, "MariaDB, we have it already");
    await h.sentContaining("Answered: MariaDB", mark);
    await h.edited(question.message_id, "Which database? → MariaDB, we have it already", mark);
    const state = await h.until((s) => s.status === "completed");
    expect(state.tasks[0]?.summary).toContain('answers: {"Which database?":"MariaDB, we have it already"}');
  });
});

describe("Telegram: nobody answers, and restarts", () => {
  it("reminds halfway with a new message replying to the request, then the expiry edits it and parks the task", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch late.txt" })]], permissionTimeoutS: 1.2 });
    h.say("/start");
    const message = await asked();
    const reminder = await h.fake.waitFor((e) => e.method === "sendMessage" && e.text.startsWith("⏰"), 5000);
    expect(reminder.reply_to_message_id).toBe(message.message_id);
    expect(reminder.text).toContain("Task 1/1 still wants to run Bash");
    const expired = await h.edited(message.message_id, "expired:", 0, 5000);
    expect(expired.text).toContain("⌛ <i>expired: no answer within 1.2 s</i>");
    expect(expired.reply_markup).toBeNull();
    const state = await h.until((s) => s.tasks[0]?.status === "interrupted");
    expect(state.tasks[0]?.resume_on_retry).toBe(true);
    const toast = await h.press(message, "Allow");
    expect(toast).toMatch(/^Expired: no answer within 1.2 s/);
  });

  it("a kill -9 while a request is pending: after the restart the message says expired and its buttons answer so", async () => {
    h = await startPermissionHarness({ tasks: [[ask("Bash", { command: "touch never.txt" })]] });
    h.say("/start");
    const message = await asked();
    await h.pending();
    const mark = h.fake.sent.length;
    await h.crashAndRestart();
    const expired = await h.edited(message.message_id, "expired:", mark);
    expect(expired.text).toContain("⌛ <i>expired: the task was interrupted by a restart; /retry continues it</i>");
    expect(expired.reply_markup).toBeNull();
    expect(h.orchestrator.state.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true });
    const toast = await h.press(message, "Allow");
    expect(toast).toMatch(/^Expired: the task was interrupted by a restart; \/retry continues it/);
    expect(h.orchestrator.state.tasks[0]?.status).toBe("interrupted");
    expect(existsSync(path.join(h.work, "never.txt"))).toBe(false);
  });
});
