import { describe, expect, it } from "@jest/globals";
import type { PermissionRecord } from "../../src/core/permission.js";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { answersOf, needsDone, questionsOf, toggle } from "../../src/telegram/permissions/ask-user-question.js";
import { decodePermission, decodeQuestionPress, decodeRevoke, encodePermission, encodeQuestionOption, encodeRevoke, findPermission, permissionRef, sessionTag } from "../../src/telegram/callback-data.js";
import { PREVIEW_HTML_MAX, boundedPre, outcomeLine, renderPermissionRequest, renderPermissionSettled, renderRules } from "../../src/telegram/rendering/render-permission.js";
import { def } from "../core/machine-helpers.js";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";

const SESSION = "20251120-093015";

function record(over: Partial<PermissionRecord> = {}): PermissionRecord {
  return {
    request_id: "r1",
    tool: "Bash",
    input: { command: "npm test" },
    description: null,
    suggestion: { toolName: "Bash", ruleContent: "npm test:*" },
    blocked_path: null,
    tool_use_id: null,
    id: `${SESSION}-p7`,
    index: 1,
    attempt: 1,
    kind: "tool",
    asked_at: "2025-11-20T09:31:00.000Z",
    reminded: false,
    status: "pending",
    answered_by: null,
    answered_at: null,
    message: null,
    answers: null,
    ...over,
  };
}

function session(permissions: PermissionRecord[] = [record()]): SessionState {
  return { ...createIdleState(), session_id: SESSION, task_file: "/x/t.md", status: "running", current_task_index: 1, tasks: [1, 2, 3, 4, 5].map((i) => createTaskRecord(def(i))), permissions };
}

const valid = (html: string) => expect(parseTelegramHtml(html)).toMatchObject({ ok: true });

describe("permission buttons' callback_data", () => {
  it("names the request by session tag and sequence, fits in 64 bytes, and matches only that record", () => {
    const ref = permissionRef(`${SESSION}-p123456789`);
    expect(ref).toEqual({ session: sessionTag(SESSION), seq: 123456789 });
    const data = encodePermission("always", ref!);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(decodePermission(data)).toEqual({ action: "always", ref });
    expect(Buffer.byteLength(encodeQuestionOption(ref!, 9, 19))).toBeLessThanOrEqual(64);
    expect(decodeQuestionPress(encodeQuestionOption(ref!, 2, 3))).toEqual({ kind: "option", ref, question: 2, option: 3 });
    const state = session();
    expect(findPermission(state, permissionRef(`${SESSION}-p7`)!)?.id).toBe(`${SESSION}-p7`);
    expect(findPermission(state, permissionRef(`${SESSION}-p8`)!)).toBeNull();
    expect(findPermission(state, permissionRef(`20991231-000000-p7`)!)).toBeNull();
    for (const forged of ["pm:x:deadbeef:1", "pm:a:nothex00:1", "pm:a:deadbeef:", "qa:deadbeef:1:1", "rv:deadbeef"]) {
      expect(decodePermission(forged) ?? decodeQuestionPress(forged) ?? decodeRevoke(forged)).toBeNull();
    }
    expect(decodeRevoke(encodeRevoke(sessionTag(SESSION), "Bash(npm test:*)"))?.session).toBe(sessionTag(SESSION));
  });
});

describe("renderPermissionRequest", () => {
  it("shows a Bash command in <pre>, the CLI's description and blocked path, and the four buttons", () => {
    const r = record({ input: { command: "rm -rf build && echo <done>" }, description: "Clean the build", blocked_path: "/etc/passwd" });
    const m = renderPermissionRequest(session([r]), r);
    expect(m.html).toContain("🔐 <b>Task 2/5 wants to run Bash</b>\n📝 Task title 2");
    expect(m.html).toContain("<pre>rm -rf build &amp;&amp; echo &lt;done&gt;</pre>");
    expect(m.html).toContain("💬 <i>Clean the build</i>");
    expect(m.html).toContain("🚧 Outside the allowed folders: <code>/etc/passwd</code>");
    expect(m.keyboard?.inline_keyboard.flat().map((b) => b.text)).toEqual(["✅ Allow", "🚫 Deny", "♾️ Always: Bash(npm test:*)", "⏹ Stop task"]);
    expect(m.document).toBeNull();
    valid(m.html);
  });

  it("shows an Edit as - / + lines, a MultiEdit edit by edit, and bounds what it shows after escaping", () => {
    const edit = record({ tool: "Edit", input: { file_path: "src/a.ts", old_string: "const a = 1;\n", new_string: "const a = 2;\nconst b = a;", replace_all: true }, suggestion: null });
    const m = renderPermissionRequest(session([edit]), edit);
    expect(m.html).toContain("📄 <code>src/a.ts</code> <i>(every occurrence)</i>\n<pre>- const a = 1;\n+ const a = 2;\n+ const b = a;</pre>");
    expect(m.keyboard?.inline_keyboard.flat().map((b) => b.text)).toContain("♾️ Always: Edit");
    const multi = record({ tool: "MultiEdit", input: { file_path: "b.ts", edits: [{ old_string: "x", new_string: "y" }, { old_string: "p", new_string: "q" }] } });
    expect(renderPermissionRequest(session([multi]), multi).html).toContain("<pre>@@ edit 1 of 2 @@\n- x\n+ y\n@@ edit 2 of 2 @@\n- p\n+ q</pre>");

    // One line of "&": five characters of HTML each; the block stays within its bound, and the rest is a document.
    const amp = record({ tool: "Write", input: { file_path: "amp.txt", content: "&".repeat(5000) } });
    const big = renderPermissionRequest(session([amp]), amp);
    const pre = /<pre>[\s\S]*<\/pre>/.exec(big.html)?.[0] ?? "";
    expect(pre.length).toBeLessThanOrEqual(PREVIEW_HTML_MAX);
    expect(big.html).toContain("… cut</pre>");
    expect(big.document).toMatchObject({ filename: "amp.txt.diff" });
    expect(big.document?.content).toContain("&".repeat(5000));
    valid(big.html);
    expect(boundedPre("a\nb\nc", PREVIEW_HTML_MAX, 2)).toEqual({ html: "<pre>a\nb\n… 1 more line</pre>", cut: true });
    expect(boundedPre("a\nb", PREVIEW_HTML_MAX, 2)).toEqual({ html: "<pre>a\nb</pre>", cut: false });
  });

  it("bounds any other tool's input, as compact JSON", () => {
    const r = record({ tool: "mcp__db__query", input: { sql: "select 1", rows: Array.from({ length: 2000 }, (_, i) => i) }, suggestion: null });
    const m = renderPermissionRequest(session([r]), r);
    expect(m.html).toContain('<pre>{"sql":"select 1","rows":[0,1,2,');
    expect(m.html.length).toBeLessThan(4096);
    valid(m.html);
  });
});

describe("settled permission messages", () => {
  it("say who answered what and when, or why it expired, with no buttons", () => {
    const at = "2025-11-20T09:32:00.000Z";
    const time = new Date(at).toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
    expect(outcomeLine(record({ status: "allowed", answered_by: "Telegram @ana", answered_at: at }))).toBe(`✅ <i>Allowed by Telegram @ana at ${time}</i>`);
    expect(outcomeLine(record({ status: "denied", answered_by: "HTTP API", answered_at: at, message: "HTTP API denied this." }))).toBe(`🚫 <i>Denied by HTTP API at ${time}</i>`);
    expect(outcomeLine(record({ status: "denied", answered_by: "Telegram @ana", answered_at: at, message: "use <tmp>" }))).toBe(`🚫 <i>Denied by Telegram @ana at ${time}: “use &lt;tmp&gt;”</i>`);
    expect(outcomeLine(record({ status: "expired", answered_at: at, message: "the task was interrupted by a restart; /retry continues it" }))).toBe("⌛ <i>expired: the task was interrupted by a restart; /retry continues it</i>");
    const settled = renderPermissionSettled(session(), record({ status: "stopped", answered_by: "Telegram @ana", answered_at: at }));
    expect(settled).toContain("<pre>npm test</pre>");
    expect(settled).toContain("⏹ <i>Denied and the task stopped by Telegram @ana");
    expect(settled).not.toContain("Reply to this message");
    valid(settled);
  });
});

describe("questions", () => {
  const input = {
    questions: [
      { question: "Which database?", header: "DB", options: [{ label: "Postgres", description: "the usual" }, { label: "SQLite" }], multiSelect: false },
      { question: "Which checks?", options: [{ label: "lint" }, { label: "types" }, { label: "tests" }], multiSelect: true },
    ],
  };

  it("collect picks (single-select replaces, multi-select toggles) and answer with labels or the reply's text", () => {
    const qs = questionsOf(input);
    expect(needsDone(qs)).toBe(true);
    expect(needsDone(questionsOf({ questions: [input.questions[0]] }))).toBe(false);
    let sel = toggle(qs, {}, 0, 0);
    sel = toggle(qs, sel, 0, 1);
    expect(sel["0"]).toEqual([1]);
    sel = toggle(qs, sel, 1, 2);
    sel = toggle(qs, sel, 1, 0);
    sel = toggle(qs, sel, 1, 1);
    sel = toggle(qs, sel, 1, 1);
    expect(answersOf(qs, sel)).toEqual({ "Which database?": "SQLite", "Which checks?": "lint, tests" });
    expect(answersOf(qs, { "0": [0] })).toBeNull();
    expect(answersOf(qs, { "0": [0] }, "only types")).toEqual({ "Which database?": "Postgres", "Which checks?": "only types" });
    expect(answersOf(questionsOf({ questions: [input.questions[0]] }), { "0": [0] }, "MariaDB")).toEqual({ "Which database?": "MariaDB" });
  });

  it("render their options as buttons, numbered when there are several, picks marked, then Done", () => {
    const r = record({ tool: "AskUserQuestion", kind: "question", input, suggestion: null });
    const m = renderPermissionRequest(session([r]), r, { "1": [2] });
    expect(m.html).toContain("❓ <b>Task 2/5: Claude asks</b>");
    expect(m.html).toContain("1. <b>Which database?</b> <i>(DB)</i>\n• Postgres: the usual\n• SQLite");
    expect(m.html).toContain("2. <b>Which checks?</b>");
    expect(m.keyboard?.inline_keyboard.flat().map((b) => b.text)).toEqual(["1. Postgres", "1. SQLite", "▫️ 2. lint", "▫️ 2. types", "✅ 2. tests", "✔️ Done"]);
    valid(m.html);
  });
});

describe("renderRules", () => {
  it("lists the always-rules with a Revoke button each, or says there are none", () => {
    const rules = renderRules(["Bash(npm test:*)", "Write"], sessionTag(SESSION), 0);
    expect(rules.html).toContain("🔐 No permission request is waiting.");
    expect(rules.html).toContain("• <code>Bash(npm test:*)</code>\n• <code>Write</code>");
    expect(rules.keyboard?.inline_keyboard.flat().map((b) => b.text)).toEqual(["✖️ Revoke Bash(npm test:*)", "✖️ Revoke Write"]);
    expect(renderRules([], sessionTag(SESSION), 1)).toEqual({ html: '<i>No "always" rules in this session.</i>', keyboard: null });
  });
});
