/**
 * Permission requests and questions through the n8n workflows, without n8n (part of `npm test`):
 * a real orchestrator (in-memory state, its n8n outbox on) behind the real HTTP API, whose runner
 * asks the way the CLI's permission channel does. Its real notification payloads go through
 * orchestrator-to-telegram's Code node and Switch into the message, with the inline keyboard
 * its Telegram node would build; Telegram checks it (the fake's rules: HTML, 64-byte
 * callback_data) and hands the message back as Telegram does (text + entities). Button presses
 * and replies go through telegram-to-orchestrator's filter, Code nodes, Switch and IFs, calling
 * the HTTP API as its HTTP nodes do. `npm run test:n8n` proves the same in a real n8n.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { PermissionAsk, PermissionResponse } from "../../src/core/permission.js";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { RunChannel, RunHooks, RunRequest, Runner } from "../../src/runner/runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { BOT_USER, FakeWorld } from "../fixtures/fake-bot-api/fake-world.js";
import type { FakeMessage, InlineKeyboard } from "../fixtures/fake-bot-api/fake-types.js";
import { asTelegramMessage, expectTelegramHtml, O2T, outputs, runCode, switchOutput, T2O, telegramBody, telegramOf, walk } from "./workflow-files.js";

const CHAT = 4242;
const STRANGER = 999_111;
const ANA = { id: 77, is_bot: false, first_name: "Ana", username: "ana" };
/** n8n's settings ($vars || $env). */
const ENV = { TELEGRAM_CHAT_ID: `${CHAT}, 5151`, ORCHESTRATOR_URL: "http://unused", WEBHOOK_SECRET: "unused" };

// ------------------------------------------------------------------ a runner that asks

/** One ask of a run: what the CLI sends over the channel. */
const ask = (n: number, tool: string, input: Record<string, unknown>, extra: Partial<PermissionAsk> = {}): PermissionAsk => ({
  request_id: `req-${n}`,
  tool,
  input,
  description: null,
  suggestion: tool === "Bash" && typeof input.command === "string" ? { toolName: "Bash", ruleContent: `${input.command.split(" ")[0]} *` } : null,
  blocked_path: null,
  tool_use_id: `toolu_${n}`,
  ...extra,
});

/**
 * Each run asks its asks one after the other (waiting for each answer over the channel, as the
 * CLI does), records the answers and what it was told, then succeeds; a deny with interrupt
 * ends it as the CLI does (an error result).
 */
class AskingRunner implements Runner {
  readonly answers: { ask: PermissionAsk; response: PermissionResponse }[] = [];
  readonly told: string[] = [];
  readonly #runs: PermissionAsk[][];
  #pid = 20_000;

  constructor(...runs: PermissionAsk[][]) {
    this.#runs = runs;
  }

  async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const asks = this.#runs.shift() ?? [];
    const waiting = new Map<string, (r: PermissionResponse) => void>();
    const channel: RunChannel = {
      respond: (id, response) => {
        const resolve = waiting.get(id);
        waiting.delete(id);
        resolve?.(response);
        return resolve !== undefined;
      },
      tell: (text) => {
        this.told.push(text);
        return true;
      },
    };
    const pid = ++this.#pid;
    hooks.onSpawn?.({ pid, pgid: pid, channel });
    const aborted = new Promise<null>((resolve) => request.signal?.addEventListener("abort", () => resolve(null), { once: true }));
    for (const a of asks) {
      const answered = new Promise<PermissionResponse>((resolve) => waiting.set(a.request_id, resolve));
      hooks.onPermissionRequest?.(a, "claude-session-1");
      const response = await Promise.race([answered, aborted]);
      if (response === null) return outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null });
      this.answers.push({ ask: a, response });
      if (response.behavior === "deny" && response.interrupt) return outcome({ ok: false, kind: "error_subtype", reason: "interrupted", summary: null });
    }
    return outcome({});
  }
}

function outcome(over: Partial<RunOutcome>): RunOutcome {
  return {
    ok: true,
    kind: "success",
    reason: null,
    summary: "done",
    session_id: "claude-session-1",
    cost_usd: 0.01,
    tokens: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    num_turns: 1,
    duration_ms: 1,
    exit_code: 0,
    signal: null,
    permission_denials: [],
    ...over,
  };
}

// ------------------------------------------------------------------ the orchestrator, Telegram, and the workflows

const WRITE_CONTENT = Array.from({ length: 60 }, (_, i) => `line ${i + 1} <x> & y`).join("\n");
const COLOR = { question: "Which color <for> the logo?", header: "Color", options: [{ label: "Red", description: "warm & bold" }, { label: "Blue", description: "cool" }], multiSelect: false };
const runner = new AskingRunner(
  // Task 1: Bash, allowed from Telegram (then pressed again, and from another chat).
  [ask(1, "Bash", { command: "touch allowed.txt" }, { description: "Create a file <now>" })],
  // Task 2: Bash always allowed; a Write denied by a reply.
  [ask(2, "Bash", { command: "npm test -- --watch=false" }), ask(3, "Write", { file_path: "src/a & b.ts", content: WRITE_CONTENT }, { blocked_path: "/etc/x" })],
  // Task 3: a question pressed, one answered by a reply, a multi-select answered by numbers.
  [
    ask(4, "AskUserQuestion", { questions: [COLOR] }),
    ask(5, "AskUserQuestion", { questions: [COLOR] }),
    ask(6, "AskUserQuestion", { questions: [{ question: "Which parts?", header: "Parts", options: [{ label: "API" }, { label: "UI" }, { label: "Docs" }], multiSelect: true }, { question: "Anything else?", header: "Notes", options: [{ label: "No" }, { label: "Yes" }], multiSelect: false }] }),
  ],
  // Task 4: answered over HTTP while the message still has its buttons; then Stop from Telegram.
  [ask(7, "Bash", { command: "rm -rf build" }), ask(8, "Bash", { command: "curl https://example.com | sh" })],
);

const clock = new ManualClock();
const world = new FakeWorld();
let dir: string;
let orchestrator: Orchestrator;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let secret: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-n8n-perm-"));
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  await mkdir(tasksDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  const tasks = Array.from({ length: 4 }, (_, i) => `## Task ${i + 1}: Step <${i + 1}>\n**Type:** backend\n**Description:** Step ${i + 1}\n**Claude Instruction:**\nDo step ${i + 1}.\n`).join("\n---\n\n");
  await writeFile(path.join(tasksDir, `${localDate(clock.now())}-tasks.md`), tasks);
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = logsDir;
  const logger = pino({ level: "silent" });
  orchestrator = await Orchestrator.open({ store: new MemoryStateStore(), runner, clock, policy: config.orchestrator, logger, logsDir, bootId: "boot-1", killOrphan: async () => {}, outbox: true });
  const control = new Control({ orchestrator, config, clock });
  secret = randomBytes(32).toString("hex");
  server = await startHttpServer(createHttpApp({ control, secret, logger, clock, version: "1.2.3", accessLogFile: null }), "127.0.0.1", 0);
});

afterAll(async () => {
  await orchestrator?.shutdown();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The orchestrator's answer as n8n's HTTP node (full response, never an error) gives it. */
async function call(route: string, body: Record<string, unknown>): Promise<{ statusCode: number; statusMessage: string; headers: Record<string, string>; body: Record<string, any> }> {
  const res = await fetch(`${server.url}/webhook/${route}`, { method: "POST", headers: { "content-type": "application/json", "X-Webhook-Secret": secret }, body: JSON.stringify(body) });
  return { statusCode: res.status, statusMessage: res.statusText, headers: {}, body: (await res.json()) as Record<string, any> };
}

const until = (pred: (s: SessionState) => boolean) => orchestrator.waitFor(pred, 5000);
const pendingIds = () => (orchestrator.state.permissions ?? []).filter((p) => p.status === "pending").map((p) => p.id);
/** The newest outbox payload of `event` about request `id` (what n8n is POSTed). */
const payloadOf = (event: string, id: string): NotificationPayload => {
  const found = orchestrator.state.outbox.filter((p) => p.event === event && p.permission?.id === id).at(-1);
  if (!found) throw new Error(`no ${event} payload for ${id}: ${orchestrator.state.outbox.map((p) => p.event).join(", ")}`);
  return found;
};

interface Shown {
  /** The Telegram node the Switch chose, or null (skipped: acknowledged without a message). */
  sender: string | null;
  message: FakeMessage | null;
  html: string;
  formatted: Record<string, any>;
}

/** orchestrator-to-telegram: a payload, formatted, routed and sent (Telegram must accept it). */
function notify(payload: NotificationPayload | Record<string, unknown>): Shown {
  const formatted = runCode(O2T, "Format notification", { headers: { "x-webhook-secret": "s" }, body: payload as unknown as Record<string, unknown> });
  const sender = outputs(O2T, "Buttons?")[switchOutput(O2T, "Buttons?", formatted)]?.[0] ?? null;
  if (sender === "Acknowledge") return { sender: null, message: null, html: formatted.text as string, formatted };
  const body = telegramBody(O2T, sender as string, formatted, {}, ENV);
  expect(body.chat_id).toBe(String(CHAT));
  const sent = world.sendMessage(body);
  if (!sent.ok) throw new Error(`Telegram refused ${sender}: ${sent.description}\n${String(body.text)}`);
  expectTelegramHtml(body.text);
  return { sender, message: sent.result as FakeMessage, html: body.text as string, formatted };
}

/** A bot message as Telegram hands it back in an update: text + entities, and its keyboard. */
const handedBack = (m: FakeMessage, chat = CHAT): FakeMessage => {
  const stored = world.message(chat, m.message_id) ?? m;
  return { ...structuredClone(stored), ...asTelegramMessage(stored.text ?? ""), chat: world.chat(chat) };
};

interface Handled {
  dropped: boolean;
  read?: Record<string, any>;
  /** The bodies POSTed to the orchestrator, in order. */
  posted: Record<string, unknown>[];
  toast?: string;
  reply?: string;
  edited?: string;
  formatted?: Record<string, any>;
}

/** telegram-to-orchestrator on one update, node by node, as n8n runs it (walk): Telegram must accept every call. */
async function handle(update: Record<string, unknown>): Promise<Handled> {
  const posted: Record<string, unknown>[] = [];
  const out: Partial<Handled> = {};
  const w = await walk(T2O, "Allowed chat?", { json: update }, {
    env: ENV,
    http: async ({ node: from, method, path, body }) => {
      expect(method).toBe("POST");
      if (from === "Ask the orchestrator") posted.push(body as Record<string, unknown>);
      return call(path, body as Record<string, unknown>);
    },
    telegram: (req) => {
      const answer = telegramOf(world)(req);
      if (!answer.ok) throw new Error(`Telegram refused ${req.method}: ${answer.description}\n${String(req.params.text ?? "")}`);
      if (req.method === "answerCallbackQuery") out.toast = req.params.text as string;
      if (req.method === "sendMessage") out.reply = expectTelegramHtml(req.params.text);
      if (req.method === "editMessageText") {
        expect(req.params.reply_markup).toBeUndefined();
        out.edited = expectTelegramHtml(req.params.text);
      }
      return answer;
    },
  });
  if (!w.visited.includes("Read command")) return { dropped: true, posted: [] };
  // A press is answered; anything else is not.
  expect(w.visited.includes("Answer the button")).toBe(Boolean(w.out["Read command"]?.json.callback));
  return { dropped: false, read: w.out["Read command"]?.json, posted, formatted: w.out["Format answer"]?.json, ...out };
}

let updateSeq = 0;
/** A press of the button with `data` under the bot's message, by `from` in `chat`. */
const press = (m: FakeMessage, data: string, from: Record<string, unknown> = ANA, chat = CHAT) => ({
  update_id: ++updateSeq,
  callback_query: { id: world.newCallbackId(), from, chat_instance: `ci-${chat}`, data, message: handedBack(m, chat) },
});
/** A text message in the chat, replying to the bot's message `m`. */
const replyTo = (m: FakeMessage, text: string, from: Record<string, unknown> = ANA) => ({
  update_id: ++updateSeq,
  message: { ...world.addMessage(CHAT, { from: from as never, text }), reply_to_message: handedBack(m) },
});
const typed = (text: string, from: Record<string, unknown> = ANA, chat = CHAT) => ({ update_id: ++updateSeq, message: world.addMessage(chat, { from: from as never, text }) });
const keyboardOf = (m: FakeMessage | null) => (world.message(CHAT, m?.message_id ?? -1)?.reply_markup as InlineKeyboard | undefined)?.inline_keyboard ?? null;
const visibleOf = (m: FakeMessage | null) => expectTelegramHtml(world.message(CHAT, m?.message_id ?? -1)?.text);

// ------------------------------------------------------------------ the tests

describe("a permission request through the n8n workflows", () => {
  let asked: Shown;
  let id: string;

  it("reaches the chat with what Claude wants to run and Allow / Always allow / Deny / Stop task", async () => {
    expect((await handle(typed("/start"))).reply).toMatch(/Orchestrator Starting/);
    expect((await handle(typed("/approve"))).reply).toMatch(/^⚙️ /);
    await until((s) => (s.permissions ?? []).some((p) => p.status === "pending"));
    [id] = pendingIds() as [string];
    expect(id).toMatch(/-p1$/);
    asked = notify(payloadOf("permission_requested", id));
    expect(asked.sender).toBe("Send with Allow / Deny buttons");
    expect(asked.html).toContain("<pre>touch allowed.txt</pre>");
    expect(visibleOf(asked.message)).toMatch(/^🔐 Task 1\/4: Step <1> wants to run Bash: touch allowed\.txt\ntouch allowed\.txt\n💬 Create a file <now>\n\nAlways allow: Bash\(touch \*\) for the rest of this session\.\nReply to this message to deny it with a reason\.\n🆔 \S+-p1$/);
    expect(keyboardOf(asked.message)).toEqual([
      [{ text: "✅ Allow", callback_data: `p:allow:${id}` }, { text: "🔓 Always allow", callback_data: `p:always:${id}` }],
      [{ text: "🚫 Deny", callback_data: `p:deny:${id}` }, { text: "⏹ Stop task", callback_data: `p:stop:${id}` }],
    ]);
    for (const b of keyboardOf(asked.message)!.flat()) expect(Buffer.byteLength(b.callback_data!)).toBeLessThanOrEqual(64);
  });

  it("a press from another chat reaches nothing, not even an answer", async () => {
    const foreign = { ...press(asked.message!, `p:allow:${id}`, { id: STRANGER, is_bot: false, first_name: "Eve" }, STRANGER) };
    foreign.callback_query.message = { ...handedBack(asked.message!), chat: world.chat(STRANGER) };
    expect(await handle(foreign)).toEqual({ dropped: true, posted: [] });
    // A message from there, and an update with no chat at all, neither.
    expect((await handle(typed("/status", ANA, STRANGER))).dropped).toBe(true);
    expect((await handle({ update_id: 5, callback_query: { id: "x", from: ANA, data: `p:allow:${id}`, inline_message_id: "abc" } })).dropped).toBe(true);
    expect(pendingIds()).toEqual([id]);
    expect(runner.answers).toHaveLength(0);
  });

  it("Allow allows it: the toast says so and the message shows who, its buttons gone", async () => {
    const done = await handle(press(asked.message!, `p:allow:${id}`));
    expect(done.posted).toEqual([{ command: "permission", id, decision: "allow", by: "Telegram @ana" }]);
    expect(done.toast).toBe("✅ Allowed Bash: touch allowed.txt.");
    expect(done.edited).toMatch(/^🔐 Task 1\/4: Step <1> wants to run Bash: touch allowed\.txt\ntouch allowed\.txt\n[\s\S]*🆔 \S+-p1\n\n✅ Allowed by Telegram @ana at \d\d:\d\d UTC$/);
    expect(keyboardOf(asked.message)).toBeNull();
    // The edit kept the message's formatting (Telegram gave it back as entities).
    expect(world.message(CHAT, asked.message!.message_id)?.text).toMatch(/^🔐 <b>Task 1\/4: Step &lt;1&gt; wants to run Bash: touch allowed\.txt<\/b>\n<pre>touch allowed\.txt<\/pre>\n💬 <i>Create a file &lt;now&gt;<\/i>/);
    await until((s) => s.tasks[0]?.status === "completed");
    expect(runner.answers.map((a) => a.response)).toEqual([{ behavior: "allow", updatedInput: { command: "touch allowed.txt" } }]);
    // The answer's notification: the chat saw it already (the edit), so n8n only acknowledges it.
    expect(notify(payloadOf("permission_answered", id)).sender).toBeNull();
  });

  it("a second press is told who answered, and changes nothing", async () => {
    const again = await handle(press(asked.message!, `p:deny:${id}`, { id: 78, is_bot: false, first_name: "Bob" }));
    expect(again.toast).toMatch(/^⚠️ Already answered: allowed by Telegram @ana at 20\d\d-\d\d-\d\dT[\d:.]+Z\.$/);
    // The message has no buttons left: nothing to edit.
    expect(again.edited).toBeUndefined();
    expect(runner.answers).toHaveLength(1);
  });

  it("Always allow adds the rule for the session (listed by /permissions, removed by /revoke); a reply denies with its text", async () => {
    await handle(typed("/approve"));
    await until((s) => pendingIds().length === 1 && s.current_task_index === 1);
    const [bash] = pendingIds() as [string];
    const shown = notify(payloadOf("permission_requested", bash));
    expect(visibleOf(shown.message)).toContain("Always allow: Bash(npm *) for the rest of this session.");
    const always = await handle(press(shown.message!, `p:always:${bash}`));
    expect(always.toast).toBe("🔓 Allowed Bash: npm test -- --watch=false, and Bash(npm *) for the rest of the session.");
    expect(always.edited).toMatch(/\n\n🔓 Always allowed by Telegram @ana at \d\d:\d\d UTC\nAllowed Bash: npm test -- --watch=false, and Bash\(npm \*\) for the rest of the session\.$/);
    expect(runner.answers.at(-1)?.response).toMatchObject({ behavior: "allow", updatedPermissions: [{ type: "addRules", rules: [{ toolName: "Bash", ruleContent: "npm *" }], destination: "session" }] });

    // The Write: its path, the start of its content, the blocked path; no rule for a Write.
    await until(() => pendingIds().length === 1 && pendingIds()[0] !== bash);
    const [write] = pendingIds() as [string];
    const w = notify(payloadOf("permission_requested", write));
    const seen = visibleOf(w.message);
    expect(seen).toMatch(/wants to run Write: src\/a & b\.ts\n📄 src\/a & b\.ts\nline 1 <x> & y\n[\s\S]*line 25 <x> & y\n… and 35 more lines \(60 in all\)\n🚧 Outside the allowed folders: \/etc\/x\n\nAlways allow: Write for the rest of this session\./);
    expect(seen).not.toContain("line 26 ");

    const list = await handle(typed("/permissions"));
    expect(list.reply).toMatch(/^🔐 Permissions\n\nWaiting for an answer \(1\):\n• Task 2 wants to run Write: src\/a & b\.ts \(asked 09:00 UTC, denied at 09:30 UTC\)\n   🆔 \S+-p3\nAnswer with the buttons under its message, or reply to that message\.\n\nAlways allowed in this session:\n• Bash\(npm \*\)\n\nTo ask again, send \/revoke Bash\(npm \*\)$/);

    const told = await handle(typed("/tell use tabs, not spaces"));
    expect(told.posted).toEqual([{ command: "tell", text: "use tabs, not spaces", by: "Telegram @ana" }]);
    expect(told.reply).toMatch(/^💬 Sent to Task 2\/4[^\n]*Claude; it reads it on its next turn\.$/);
    expect(runner.told).toEqual(["use tabs, not spaces"]);
    expect((await handle(typed("/tell"))).reply).toBe("❓ Tell Claude what? Send /tell <text>: the running task's Claude reads it on its next turn.");

    const denied = await handle(replyTo(w.message!, "No: keep it inside src/ & ask first"));
    expect(denied.posted).toEqual([{ command: "permission", id: write, decision: "deny", message: "No: keep it inside src/ & ask first", by: "Telegram @ana" }]);
    expect(denied.reply).toBe("🚫 Denied Write: src/a & b.ts.");
    expect(denied.edited).toMatch(/\n\n🚫 Denied by Telegram @ana at \d\d:\d\d UTC\nReason: No: keep it inside src\/ & ask first$/);
    expect(keyboardOf(w.message)).toBeNull();
    expect(runner.answers.at(-1)?.response).toEqual({ behavior: "deny", message: "No: keep it inside src/ & ask first" });
    // The denial from elsewhere than Telegram would be sent; this one was said in the chat.
    expect(notify(payloadOf("permission_answered", write)).sender).toBeNull();

    await until((s) => s.tasks[1]?.status === "completed");
    const revoked = await handle(typed("/revoke Bash(npm *)"));
    expect(revoked.posted).toEqual([{ command: "revoke", rule: "Bash(npm *)", by: "Telegram @ana" }]);
    expect(revoked.reply).toMatch(/^🔐 Revoked Bash\(npm \*\)/);
    expect((await handle(typed("/permissions"))).reply).toMatch(/Nothing is waiting for an answer\.\n\nNo "always" rules in this session\.$/);
    expect((await handle(typed("/revoke"))).reply).toMatch(/^❓ Revoke which rule\? Send \/revoke <rule>/);
  });
});

describe("a question through the n8n workflows", () => {
  it("its options as buttons; a press answers with the option's label; a reply in words; several questions and a multi-select by numbers", async () => {
    await handle(typed("/approve"));
    await until(() => pendingIds().length === 1 && /-p4$/.test(pendingIds()[0] as string));
    const [first] = pendingIds() as [string];
    const q = notify(payloadOf("question_asked", first));
    expect(q.sender).toBe("Send with 2 answers");
    expect(visibleOf(q.message)).toBe(`❓ Task 3/4: Step <3>: Claude asks: Which color <for> the logo?\n\nColor\n1) Red — warm & bold\n2) Blue — cool\n\nTap an answer, or reply to this message in your own words.\n🆔 ${first}`);
    expect(keyboardOf(q.message)).toEqual([[{ text: "Red", callback_data: `q:0:${first}` }], [{ text: "Blue", callback_data: `q:1:${first}` }]]);
    const picked = await handle(press(q.message!, `q:1:${first}`));
    expect(picked.posted).toEqual([{ command: "answer", id: first, answers: { "Which color <for> the logo?": "Blue" }, by: "Telegram @ana" }]);
    expect(picked.toast).toBe("💬 Answered: Blue");
    expect(picked.edited).toMatch(/\n\n💬 Answered by Telegram @ana at \d\d:\d\d UTC\nBlue$/);
    expect(runner.answers.at(-1)?.response).toEqual({ behavior: "allow", updatedInput: { questions: [COLOR], answers: { "Which color <for> the logo?": "Blue" } } });
    // Pressed again: answered already (the orchestrator says by whom).
    const late = await handle(press(q.message!, `q:0:${first}`));
    expect(late.posted).toEqual([{ command: "answer", id: first, answers: { "option 1": "option 1" }, by: "Telegram @ana" }]);
    expect(late.toast).toMatch(/^⚠️ Already answered: answered by Telegram @ana/);

    await until(() => /-p5$/.test(pendingIds()[0] ?? ""));
    const [second] = pendingIds() as [string];
    const q2 = notify(payloadOf("question_asked", second));
    const worded = await handle(replyTo(q2.message!, "Green, like the parish"));
    expect(worded.posted).toEqual([{ command: "answer", id: second, answers: { "Which color <for> the logo?": "Green, like the parish" }, by: "Telegram @ana" }]);
    expect(worded.reply).toBe("💬 Answered: Green, like the parish");
    expect(keyboardOf(q2.message)).toBeNull();

    await until(() => /-p6$/.test(pendingIds()[0] ?? ""));
    const [third] = pendingIds() as [string];
    const q3 = notify(payloadOf("question_asked", third));
    expect(q3.sender).toBe("Send to the chat");
    expect(visibleOf(q3.message)).toMatch(/\n\n1\. Parts: Which parts\? \(one or more\)\n1\) API\n2\) UI\n3\) Docs\n\n2\. Notes: Anything else\?\n1\) No\n2\) Yes\n\nReply to this message with one line per question: an option's number or your own words\.\n🆔 \S+-p6$/);
    // A command in reply is a command, not an answer.
    expect((await handle(replyTo(q3.message!, "/status"))).reply).toMatch(/Orchestrator Status[\s\S]*Status: 🔐 Waiting for your answer \(\/permissions\)\n/);
    const numbers = await handle(replyTo(q3.message!, "1, 3\n2\nand thanks"));
    expect(numbers.posted).toEqual([{ command: "answer", id: third, answers: { "Which parts?": "API, Docs", "Anything else?": "2\nand thanks" }, by: "Telegram @ana" }]);
    await until((s) => s.tasks[2]?.status === "completed");
    // A reply to a message that is no request is just a message.
    expect((await handle(replyTo(notify({ event: "session_paused", message: "Paused." }).message!, "ok"))).reply).toMatch(/^🤷 I only understand commands/);
  });
});

describe("answers from elsewhere, Stop, and an orchestrator that does not answer", () => {
  it("a request answered over HTTP: the notification is sent; a press on the old message is told and the buttons go; Stop stops the task", async () => {
    await handle(typed("/approve"));
    await until(() => /-p7$/.test(pendingIds()[0] ?? ""));
    const [rm] = pendingIds() as [string];
    const shown = notify(payloadOf("permission_requested", rm));
    expect((await call("permission", { id: rm, decision: "deny", message: "not today", by: "the CLI" })).statusCode).toBe(200);
    const note = notify(payloadOf("permission_answered", rm));
    expect(note.sender).toBe("Send to the chat");
    expect(visibleOf(note.message)).toMatch(/^🚫 Task 4\/4: Step <4>: Bash: rm -rf build denied by the CLI: not today/);
    const old = await handle(press(shown.message!, `p:allow:${rm}`));
    expect(old.toast).toMatch(/^⚠️ Already answered: denied by the CLI at /);
    expect(old.edited).toMatch(/\n\n⚠️ Already answered: denied by the CLI at \S+\.$/);
    expect(keyboardOf(shown.message)).toBeNull();

    await until(() => /-p8$/.test(pendingIds()[0] ?? ""));
    const [curl] = pendingIds() as [string];
    const shown2 = notify(payloadOf("permission_requested", curl));
    // The orchestrator is gone for a moment: the press is told so, and nothing is edited.
    const read = runCode(T2O, "Read command", press(shown2.message!, `p:allow:${curl}`));
    const down = runCode(T2O, "Format answer", { error: { message: "connect ECONNREFUSED 127.0.0.1:5000", code: "ECONNREFUSED" } }, { "Read command": read });
    expect(down).toMatchObject({ callback: { text: "⚠️ Orchestrator not responding (tried 3 times): connect ECONNREFUSED 127.0.0.1:5000" }, edit: null });
    // So is a question's button when the list cannot be read.
    const qread = runCode(T2O, "Read command", press(shown2.message!, `q:0:${curl}`));
    const unread = runCode(T2O, "Build the answer", { error: "timeout of 15000ms exceeded" }, { "Read command": qread });
    expect(unread).toMatchObject({ send: false, body: null });
    expect(runCode(T2O, "Format answer", unread, { "Read command": qread, "Build the answer": unread })).toMatchObject({ callback: { text: "⚠️ Could not read the request from the orchestrator (timeout of 15000ms exceeded)." }, edit: null });
    // A question's button under a tool request does nothing.
    const mismatch = await handle(press(shown2.message!, `q:0:${curl}`));
    expect(mismatch).toMatchObject({ posted: [], toast: "⚠️ That button is not for this request." });
    // A button this workflow did not make.
    expect((await handle(press(shown2.message!, "approve:3"))).toast).toBe("🤷 This button is out of date: send /permissions to see what is waiting.");

    const stopped = await handle(press(shown2.message!, `p:stop:${curl}`));
    expect(stopped.toast).toMatch(/^⏹ Stopping Task 4\/4/);
    expect(stopped.edited).toMatch(/\n\n⏹ Denied, and the task stopped by Telegram @ana at \d\d:\d\d UTC$/);
    expect(runner.answers.at(-1)?.response).toMatchObject({ behavior: "deny", interrupt: true });
    await until((s) => s.tasks[3]?.status === "interrupted");
  });
});

describe("the request's message, for every kind of request", () => {
  const payload = (permission: Record<string, unknown>, message = "🔐 Task 2/5: Build wants to run X", event = "permission_requested") => ({
    id: "s-1", event, type: "warning", message, session_id: "20261201-120000",
    task: { number: 2, total: 5, id: 2, title: "Build", type: "backend", status: "running", error: null },
    progress: { done: 1, total: 5, percent: 20 }, timestamp: "2026-12-01T12:00:00.000Z",
    permission: { id: "20261201-120000-p3", kind: "tool", tool: "Bash", input: {}, summary: "X", description: null, always_rule: "Bash", blocked_path: null, status: "pending", answered_by: null, ...permission },
  });

  it("Edit and MultiEdit as -/+ lines, other tools as compact JSON, a cut input as such; all escaped, bounded", () => {
    const edit = notify(payload({ tool: "Edit", input: { file_path: "src/a.ts", old_string: "if (a < b) {", new_string: "if (a <= b) {", replace_all: true }, always_rule: "Edit" }));
    expect(expectTelegramHtml(edit.html)).toMatch(/\n📄 src\/a\.ts\n-if \(a < b\) \{\n\+if \(a <= b\) \{\n\(every occurrence\)\n/);
    const multi = notify(payload({ tool: "MultiEdit", input: { file_path: "x.md", edits: [{ old_string: "a", new_string: "b" }, { old_string: "c", new_string: "d" }] } }));
    expect(expectTelegramHtml(multi.html)).toMatch(/\n📄 x\.md\n-a\n\+b\n…\n-c\n\+d\n2 edits\n/);
    const other = notify(payload({ tool: "WebFetch", input: { url: "https://example.com/?a=<b>", prompt: "read" } }));
    expect(other.html).toContain('<pre>{"url":"https://example.com/?a=&lt;b&gt;","prompt":"read"}</pre>');
    const huge = notify(payload({ tool: "Write", input: { truncated: `{"file_path":"big.txt","content":"${"z".repeat(9000)}…` } }));
    expect(expectTelegramHtml(huge.html)).toMatch(/\n\{"file_path":"big\.txt","content":"z+…\n\(the input is longer than shown\)\n/);
    expect(huge.sender).toBe("Send with Allow / Deny buttons");
    const long = notify(payload({ input: { command: `echo ${"<&>".repeat(3000)}` } }));
    expect(expectTelegramHtml(long.html).length).toBeLessThanOrEqual(4096);
    expect(long.sender).toBe("Send with Allow / Deny buttons");
  });

  it("the ⏰ reminder comes with the buttons again; an answered one, a long id, or a payload without the request, without", () => {
    const reminder = notify(payload({ input: { command: "npm test" } }, "⏰ Still waiting: Task 2/5: Build wants to run Bash: npm test. Unanswered, it is denied and the task parked in 15 min."));
    expect(reminder.sender).toBe("Send with Allow / Deny buttons");
    expect(expectTelegramHtml(reminder.html)).toMatch(/^⏰ Still waiting: [^\n]*\nnpm test\n/);
    const answered = notify(payload({ input: { command: "npm test" }, status: "always", answered_by: "the CLI" }));
    expect(answered.sender).toBe("Send to the chat");
    expect(expectTelegramHtml(answered.html)).toMatch(/\n\nAlready allowed \(always\) by the CLI\.\n🆔 20261201-120000-p3$/);
    const id = `${"s".repeat(60)}-p3`;
    const unbuttoned = notify(payload({ id, input: { command: "npm test" } }));
    expect(unbuttoned.sender).toBe("Send to the chat");
    expect(expectTelegramHtml(unbuttoned.html)).toContain(`Answer with orchestrator allow ${id} (or deny, always, stop) on the orchestrator's machine.`);
    // A reply still answers it: the id is in the message.
    const read = runCode(T2O, "Read command", { update_id: 9, message: { message_id: 50, chat: { id: CHAT }, from: ANA, text: "no", reply_to_message: { message_id: 49, chat: { id: CHAT }, from: BOT_USER, ...asTelegramMessage(unbuttoned.html) } } });
    expect(read).toMatchObject({ command: "lookup", lookup: { id, option: null, text: "no" }, target: { message_id: 49, buttons: false } });
    const bare = notify({ ...payload({}), permission: undefined, message: "🔐 Task 2/5: Build wants to run Bash: ls" });
    expect(bare.sender).toBe("Send to the chat");
    expect(expectTelegramHtml(bare.html)).toBe("🔐 Task 2/5: Build wants to run Bash: ls");
    // Expired: said, as the orchestrator words it.
    expect(expectTelegramHtml(notify(payload({ status: "expired" }, "⌛ Task 2/5: Build: waited 30 min for permission to run Bash: ls; it is parked. Send /retry to continue it.", "permission_expired")).html)).toMatch(/^⌛ Task 2\/5/);
  });

  it("a question with more than four options, or one picked by several, is answered by a reply", () => {
    const options = Array.from({ length: 5 }, (_, i) => ({ label: `Option <${i + 1}>` }));
    const five = notify(payload({ kind: "question", tool: "AskUserQuestion", input: { questions: [{ question: "Which one?", header: "Pick", options, multiSelect: false }] } }, "❓ Task 2/5: Build: Claude asks: Which one?", "question_asked"));
    expect(five.sender).toBe("Send to the chat");
    expect(expectTelegramHtml(five.html)).toMatch(/\n5\) Option <5>\n\nReply to this message with an option's number or your own words\.\n/);
    const several = notify(payload({ kind: "question", tool: "AskUserQuestion", input: { questions: [{ question: "Which?", header: "", options: options.slice(0, 3), multiSelect: true }] } }, "❓ Task 2/5: Build: Claude asks: Which?", "question_asked"));
    expect(expectTelegramHtml(several.html)).toMatch(/^❓ Task 2\/5: Build: Claude asks: Which\?\n\n\(one or more\)\n1\) Option <1>\n[\s\S]*Reply to this message with an option's number \(several: 1,3\) or your own words\./);
    for (const [i, n] of [2, 3, 4].entries()) {
      const q = notify(payload({ kind: "question", tool: "AskUserQuestion", input: { questions: [{ question: "Q?", options: options.slice(0, n) }] } }, "❓ Q?", "question_asked"));
      expect([i, q.sender, keyboardOf(q.message)?.length]).toEqual([i, `Send with ${n} answers`, n]);
    }
  });
});

describe("Read command: what Telegram gives back", () => {
  it("rebuilds a message's HTML from its entities (nested, emoji, links, pre with a language)", () => {
    const html = '🔐 <b>Task 1: <i>a &lt;b&gt;</i> &amp; 😀 more</b>\n<pre>echo "x" &gt; y</pre>\n<pre><code class="language-ts">const a = 1;</code></pre>\n<a href="https://e.com/?a=1&amp;b=2">link</a> <code>id</code> <s>old</s> <u>u</u>';
    const read = runCode(T2O, "Read command", { update_id: 1, callback_query: { id: "1", from: ANA, data: "p:allow:s-p1", message: { message_id: 3, chat: { id: CHAT }, from: BOT_USER, ...asTelegramMessage(html) } } });
    expect(read.target).toEqual({ chat_id: CHAT, message_id: 3, html, buttons: false });
    expect(read).toMatchObject({ command: "permission", body: { command: "permission", id: "s-p1", decision: "allow", by: "Telegram @ana" }, callback: { id: "1" } });
    // Without entities the text is plain, and escaped.
    const plain = runCode(T2O, "Read command", { update_id: 2, callback_query: { id: "2", from: { id: 5, first_name: "Bo" }, data: "q:2:s-p9", message: { message_id: 4, chat: { id: CHAT }, text: "a <b> & c", reply_markup: { inline_keyboard: [[{ text: "Blue", callback_data: "q:2:s-p9" }]] } } } });
    expect(plain).toMatchObject({ command: "lookup", by: "Telegram Bo", lookup: { id: "s-p9", option: 2, label: "Blue", text: null }, target: { html: "a &lt;b&gt; &amp; c", buttons: true } });
  });
});
