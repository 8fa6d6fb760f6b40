/**
 * `npm run test:n8n`: Claude's permission requests and questions through the workflows in a real
 * n8n (tools/n8n/, pinned), beside the real `orchestrator serve` with the fake claude in ask mode
 * (claude.permissions: ask, the default: it asks over the CLI's stdio channel for every
 * FAKE_CLAUDE_ASK line of its task, and records each ask and its answer in permissions.jsonl)
 * and a fake Telegram Bot API, all on 127.0.0.1.
 *
 * Proven for real: the request reaches the chat through orchestrator-to-telegram with its
 * buttons; a press of Allow, delivered as a callback_query update to the webhook n8n's Telegram
 * Trigger registered (with its secret token), is answered, makes the orchestrator allow the call
 * (the fake's `touch` makes the file), and the message is edited to say who allowed it, without
 * buttons; a second press is told "already answered"; a press from another chat reaches nothing.
 * A question's option pressed answers it with the option's label; a reply to a request's message
 * denies it with the reply as the reason Claude reads; /permissions and /tell are forwarded.
 *
 * Presses and replies carry the bot's message as Telegram hands it back: its visible text and
 * entities (not the HTML it was sent with), so the edit is checked to keep its formatting.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { deliverWebhook } from "../fixtures/fake-bot-api/deliver-webhook.js";
import { FakeBotApi, FAKE_TOKEN, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";
import type { FakeUpdate } from "../fixtures/fake-bot-api/fake-types.js";
import { asTelegramMessage } from "../n8n-workflows/workflow-files.js";
import { groupAlive, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { installedVersion, startN8n, type RunningN8n } from "./n8n-instance.js";

const CHAT = 4242;
const STRANGER = 999_111;
const SECRET = "real-n8n-permission-secret-7c1d";
const WAIT = 30_000;
const ANA = { id: CHAT, is_bot: false, first_name: "Ana", username: "ana" };
const COLOR = { question: "Which color for the logo?", header: "Color", options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }], multiSelect: false };

const tasks = `# Tasks for today

## Task 1: Create the marker file
**Type:** backend
**Description:** Touch a file
**Claude Instruction:**
Create allowed.txt.
FAKE_CLAUDE_ASK: Bash {"command":"touch allowed.txt"}

---

## Task 2: Pick a color
**Type:** frontend
**Description:** Ask, then try a file
**Claude Instruction:**
Ask which color, then create denied.txt.
FAKE_CLAUDE_ASK: AskUserQuestion ${JSON.stringify({ questions: [COLOR] })}
FAKE_CLAUDE_ASK: Bash {"command":"touch denied.txt"}
`;

interface AskLine {
  tool: string;
  input: Record<string, unknown>;
  asked: boolean;
  response: Record<string, unknown> | null;
}

describe("permission requests and questions through n8n", () => {
  const cleanups: [string, () => Promise<unknown>][] = [];
  let telegram: FakeBotApi;
  let service: RunningService;
  let n8n: RunningN8n;
  let dir: string;
  let project: string;
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    dir = await tempDir("real-n8n-perm-");
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await writeFile(path.join(dir, "orchestrator_tasks", `${localDate(new Date())}-tasks.md`), tasks);
    // The project: a plain folder (git off); the fake's `touch` works in it.
    project = path.join(dir, "project");
    await mkdir(project);
    await mkdir(path.join(dir, "claude-calls"));
    await writeFile(
      path.join(dir, "config.yaml"),
      "orchestrator:\n  approval_mode: required\n  auto_approve: []\n  checkpoint_after: []\nclaude:\n  project_dir: project\n  permissions: ask\ntelegram:\n  inbound: n8n\n",
    );
    telegram = await FakeBotApi.start();
    cleanups.push(["fake Telegram", () => telegram.close()]);
    const n8nPort = await freePort();
    service = await startService(dir, {
      WEBHOOK_SECRET: SECRET,
      N8N_NOTIFY_URL: `http://127.0.0.1:${n8nPort}/webhook/orchestrator-notify`,
      TELEGRAM_BOT_TOKEN: FAKE_TOKEN,
      TELEGRAM_CHAT_ID: String(CHAT),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      FAKE_CLAUDE_RECORD: path.join(dir, "claude-calls"),
      FAKE_CLAUDE_SESSIONS: path.join(dir, "claude-sessions"),
    });
    cleanups.push(["orchestrator", () => service.stop("SIGTERM")]);
    n8n = await startN8n({
      dir,
      port: n8nPort,
      telegram: { baseUrl: telegram.apiRoot, token: FAKE_TOKEN },
      env: { ORCHESTRATOR_URL: service.url, WEBHOOK_SECRET: SECRET, TELEGRAM_CHAT_ID: String(CHAT) },
      // No daily startup in the middle of this suite (it would only say a session is active).
      edit: (file, wf) => {
        if (file !== "daily-startup.json") return;
        const trigger = wf.nodes.find((n) => n.type === "n8n-nodes-base.scheduleTrigger");
        if (!trigger) throw new Error("daily-startup.json has no Schedule Trigger");
        trigger.parameters.rule = { interval: [{ field: "cronExpression", expression: "0 0 1 1 *" }] };
      },
    });
    cleanups.push(["n8n", () => n8n.stop()]);
    console.log(`n8n ${installedVersion()} up in ${((Date.now() - started) / 1000).toFixed(1)} s (permissions suite; orchestrator at ${service.url}, n8n at ${n8n.url})`);
  }, 180_000);

  afterAll(async () => {
    if (telegram) {
      const chat = telegram.sent.map((e) => `--- ${e.method} #${e.message_id} to ${e.chat_id}${e.reply_markup ? ` ${JSON.stringify(e.reply_markup)}` : ""}\n${e.text}`).join("\n");
      await writeFile(path.join(dir, "telegram-chat.txt"), `${chat}\n`).catch(() => undefined);
    }
    const problems: string[] = [];
    for (const [what, stop] of cleanups.reverse()) {
      await stop().catch((error: Error) => problems.push(`${what}: ${error.message}`));
    }
    console.log(`real n8n permissions suite: ${((Date.now() - started) / 1000).toFixed(1)} s; every process stopped${problems.length ? `, with problems: ${problems.join("; ")}` : ""}. Files in ${dir}`);
  }, 60_000);

  const hook = () => {
    const h = telegram.webhook;
    if (!h) throw new Error("n8n registered no Telegram webhook");
    return h;
  };
  /** Delivers an update to n8n's Telegram Trigger as Telegram does; returns the sent index before it. */
  const deliver = async (update: FakeUpdate | Record<string, unknown>): Promise<number> => {
    const since = telegram.sent.length;
    const res = await deliverWebhook(hook().url, update, hook().secret_token);
    expect(res.status).toBe(200);
    return since;
  };
  const type = (text: string) => deliver(telegram.createMessageUpdate(CHAT, text, ANA));
  const sent = (pattern: RegExp, since: number, method: SentEntry["method"] = "sendMessage", ms = WAIT): Promise<SentEntry> =>
    telegram.waitFor((e) => e.method === method && e.chat_id === CHAT && pattern.test(e.text), ms, since);
  /** The answer n8n gave to the press with callback id `id`. */
  const answerOf = (id: string) =>
    telegram.waitUntil(() => telegram.calls("answerCallbackQuery").find((c) => String(c.params.callback_query_id) === id && c.error === null), WAIT, `the answer to callback ${id}`);
  const asks = async (): Promise<AskLine[]> =>
    (await readFile(path.join(dir, "claude-calls", "permissions.jsonl"), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AskLine);
  let seq = 900_000;
  /** The bot's message as Telegram gives it back in an update: visible text + entities, and its keyboard. */
  const handedBack = (messageId: number) => {
    const m = telegram.world.message(CHAT, messageId);
    if (!m) throw new Error(`no message ${messageId}`);
    return { ...structuredClone(m), ...asTelegramMessage(m.text ?? "") };
  };
  /** A press of the button `data` under the bot's message, in the chat, by Ana. */
  const pressOf = (messageId: number, data: string) => ({
    update_id: ++seq,
    callback_query: { id: telegram.world.newCallbackId(), from: ANA, chat_instance: `ci-${CHAT}`, data, message: handedBack(messageId) },
  });
  const idIn = (e: SentEntry) => /:([\w.-]+-p\d+)$/.exec(e.reply_markup?.inline_keyboard[0]?.[0]?.callback_data ?? "")?.[1] as string;

  let request: SentEntry;
  let id: string;
  let foreignId: string;

  it("n8n's Telegram Trigger asked Telegram for messages and button presses", () => {
    const set = telegram.calls("setWebhook").at(-1);
    expect(set?.params.allowed_updates).toEqual(["message", "callback_query"]);
    expect(hook().secret_token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  });

  it("a permission request from the running task reaches the chat with Allow / Always allow / Deny / Stop task", async () => {
    await sent(/Orchestrator Starting/, await type("/start"));
    const since = await type("/approve");
    request = await sent(/^🔐 <b>Task 1\/2: Create the marker file wants to run Bash: touch allowed\.txt<\/b>/, since);
    expect(request.text).toContain("<pre>touch allowed.txt</pre>");
    expect(request.text).toMatch(/Always allow: <code>Bash\(touch \*\)<\/code> for the rest of this session\./);
    id = idIn(request);
    expect(id).toMatch(/^\d{8}-\d{6}-p1$/);
    expect(request.reply_markup?.inline_keyboard).toEqual([
      [{ text: "✅ Allow", callback_data: `p:allow:${id}` }, { text: "🔓 Always allow", callback_data: `p:always:${id}` }],
      [{ text: "🚫 Deny", callback_data: `p:deny:${id}` }, { text: "⏹ Stop task", callback_data: `p:stop:${id}` }],
    ]);
    expect(existsSync(path.join(project, "allowed.txt"))).toBe(false);
  });

  it("Allow, pressed from another chat first, then in the chat: only the chat's press counts; the file is made and the message edited", async () => {
    const foreign = telegram.createCallbackUpdate(STRANGER, request.message_id, `p:allow:${id}`, { id: STRANGER, is_bot: false, first_name: "Eve", username: "eve" });
    foreignId = foreign.callback_query!.id;
    await deliver(foreign);
    const press = pressOf(request.message_id, `p:allow:${id}`);
    const since = await deliver(press);
    const answered = await answerOf(press.callback_query.id);
    expect(answered.params.text).toBe("✅ Allowed Bash: touch allowed.txt.");
    const edited = await sent(/✅ <b>Allowed<\/b> by Telegram @ana at \d\d:\d\d UTC$/, since, "editMessageText");
    expect(edited.message_id).toBe(request.message_id);
    // The message as it was (its HTML rebuilt from the entities), and who allowed it.
    expect(edited.text.startsWith(`${request.text}\n\n✅ <b>Allowed</b> by Telegram @ana at `)).toBe(true);
    expect(edited.reply_markup).toBeNull();
    expect(telegram.world.message(CHAT, request.message_id)?.reply_markup).toBeUndefined();
    await waitFor(async () => (existsSync(path.join(project, "allowed.txt")) ? true : undefined), WAIT, "allowed.txt");
    const done = await sent(/✅ <b>Task 1\/2: Create the marker file complete/, since);
    expect(done.text).toMatch(/Progress: 1\/2/);
    const [line] = await asks();
    expect(line).toMatchObject({ tool: "Bash", input: { command: "touch allowed.txt" }, asked: true, response: { behavior: "allow" } });
  });

  it("a second press is told who answered; the foreign press got nothing at all", async () => {
    const again = pressOf(request.message_id, `p:deny:${id}`);
    await deliver(again);
    const answered = await answerOf(again.callback_query.id);
    expect(String(answered.params.text)).toMatch(/^⚠️ Already answered: allowed by Telegram @ana at \S+\.$/);
    expect(telegram.calls("answerCallbackQuery").filter((c) => String(c.params.callback_query_id) === foreignId)).toHaveLength(0);
    expect(telegram.sent.filter((e) => e.chat_id === STRANGER)).toHaveLength(0);
    expect((await asks()).map((a) => a.response?.behavior)).toEqual(["allow"]);
    // The answer's notification was not sent again as a message: the edit said it.
    expect(telegram.sent.filter((e) => e.method === "sendMessage" && /allowed by Telegram @ana/.test(e.text))).toHaveLength(0);
  });

  it("a question's option pressed answers it with the option's label; a reply to a request denies it with its text", async () => {
    const since = await type("/approve");
    const question = await sent(/^❓ <b>Task 2\/2: Pick a color: Claude asks: Which color for the logo\?<\/b>/, since);
    const qid = idIn(question);
    expect(question.reply_markup?.inline_keyboard).toEqual([[{ text: "Red", callback_data: `q:0:${qid}` }], [{ text: "Blue", callback_data: `q:1:${qid}` }]]);
    const press = pressOf(question.message_id, `q:1:${qid}`);
    await deliver(press);
    expect((await answerOf(press.callback_query.id)).params.text).toBe("💬 Answered: Blue");
    const edited = await sent(/💬 <b>Answered<\/b> by Telegram @ana at \d\d:\d\d UTC\nBlue$/, since, "editMessageText");
    expect(edited.text.startsWith(`${question.text}\n\n💬 <b>Answered</b>`)).toBe(true);

    const bash = await sent(/wants to run Bash: touch denied\.txt<\/b>/, since);
    const reply = { update_id: ++seq, message: { ...telegram.world.addMessage(CHAT, { from: ANA, text: "Not that file: use notes.txt" }), reply_to_message: handedBack(bash.message_id) } };
    const from = await deliver(reply);
    await sent(/^🚫 Denied Bash: touch denied\.txt\.$/, from);
    const denied = await sent(/🚫 <b>Denied<\/b> by Telegram @ana at \d\d:\d\d UTC\nReason: Not that file: use notes\.txt$/, from, "editMessageText");
    expect(denied.text.startsWith(`${bash.text}\n\n🚫 <b>Denied</b>`)).toBe(true);
    expect(denied.reply_markup).toBeNull();
    await sent(/✅ <b>Task 2\/2: Pick a color complete/, since);
    const lines = await asks();
    expect(lines.slice(1).map((l) => [l.tool, l.response])).toEqual([
      ["AskUserQuestion", { behavior: "allow", updatedInput: { questions: [COLOR], answers: { "Which color for the logo?": "Blue" } } }],
      ["Bash", { behavior: "deny", message: "Not that file: use notes.txt" }],
    ]);
    expect(existsSync(path.join(project, "denied.txt"))).toBe(false);
  }, 60_000);

  it("/permissions and /tell are forwarded to the orchestrator", async () => {
    const list = await sent(/^🔐 <b>Permissions<\/b>/, await type("/permissions"));
    expect(list.text).toMatch(/Nothing is waiting for an answer\.\n\nNo "always" rules in this session\.$/);
    const told = await sent(/Nothing to tell/, await type("/tell use tabs"));
    expect(told.text).toMatch(/^⚠️ Nothing to tell: no task is running\./);
  });

  it("stops n8n and its task runner", async () => {
    await n8n.stop();
    expect(n8n.pid === undefined ? false : groupAlive(n8n.pid)).toBe(false);
  }, 30_000);
});
