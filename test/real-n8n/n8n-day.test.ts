/**
 * `npm run test:n8n`: the day around the tasks (issue #12) through the workflows in a real n8n
 * (tools/n8n/, pinned), beside the real `orchestrator serve` (fake claude: it plans, hits a usage
 * limit that resets in 3 s, reports the costs it is told) and a fake Telegram Bot API, all on
 * 127.0.0.1.
 *
 * Proven for real: daily-startup in plan mode (its Settings node set to "plan"; its schedule
 * replaced by a webhook the test calls, so the morning comes once, when the test says) posts
 * /webhook/plan; the plan's notifications reach the chat (started, the first draft's problem,
 * ready) and plan_ready carries Start / Show file / Discard stamped with the plan's id; /plan show
 * (GET /webhook/plan) and Show file (the task file as a document) work; Start (a real
 * callback_query) starts the plan's file through /webhook/plan/start with that id, and a button
 * with another id is refused; the budget warning, the usage limit, its resume and the budget's
 * end arrive formatted; /budget, /report, /history, /feedback, /learn and /plan reach their
 * endpoints and come back; the session's end mentions the report. Every press is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { deliverWebhook } from "../fixtures/fake-bot-api/deliver-webhook.js";
import { FakeBotApi, FAKE_TOKEN, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";
import type { FakeUpdate } from "../fixtures/fake-bot-api/fake-types.js";
import { asTelegramMessage } from "../n8n-workflows/workflow-files.js";
import { groupAlive, tempDir } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { installedVersion, startN8n, type RunningN8n } from "./n8n-instance.js";

const CHAT = 4242;
const SECRET = "real-n8n-day-secret-3b9f";
const WAIT = 30_000;
const ANA = { id: CHAT, is_bot: false, first_name: "Ana", username: "ana" };
/** The webhook that stands in for daily-startup's 09:00 schedule. */
const MORNING = "orchestrator-test-morning";

/** The task file the fake claude drafts (after a first draft that does not parse). */
const PLANNED = `# Tasks

## Task 1: Create baptisms migration
**Type:** database
**Description:** Create the migration.
**Claude Instruction:**
Create the migration file.
FAKE_CLAUDE: usage_limit

---

## Task 2: Create baptisms server actions
**Type:** backend
**Requires Approval:** true
**Description:** Server actions.
**Claude Instruction:**
Write the actions.
`;

describe("the day through n8n: plan, budget, usage limits, report", () => {
  const cleanups: [string, () => Promise<unknown>][] = [];
  let telegram: FakeBotApi;
  let service: RunningService;
  let n8n: RunningN8n;
  let dir: string;
  let started = 0;
  const today = localDate(new Date());

  beforeAll(async () => {
    started = Date.now();
    dir = await tempDir("real-n8n-day-");
    for (const d of ["orchestrator_tasks", "daily_logs", "project", "claude-sessions"]) await mkdir(path.join(dir, d));
    await writeFile(path.join(dir, "daily_logs", `${today}.md`), "# Today\n\nFAKE_CLAUDE: plan\nFAKE_CLAUDE_PLAN: bad-first\n\n- the baptisms table & its actions\n");
    await writeFile(path.join(dir, "planned.md"), PLANNED);
    // $0.02 a run: the two planning runs cross 75 % of $0.05, the run after the limit reaches it.
    await writeFile(
      path.join(dir, "config.yaml"),
      "orchestrator:\n  approval_mode: required\n  auto_approve: []\n  checkpoint_after: []\n  daily_budget_usd: 0.05\nclaude:\n  project_dir: project\ntelegram:\n  inbound: n8n\n",
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
      FAKE_CLAUDE_SESSIONS: path.join(dir, "claude-sessions"),
      FAKE_CLAUDE_PLAN_FILE: path.join(dir, "planned.md"),
      FAKE_CLAUDE_COST: "0.02",
      FAKE_CLAUDE_RESET_IN_S: "3",
    });
    cleanups.push(["orchestrator", () => service.stop("SIGTERM")]);
    n8n = await startN8n({
      dir,
      port: n8nPort,
      telegram: { baseUrl: telegram.apiRoot, token: FAKE_TOKEN },
      env: { ORCHESTRATOR_URL: service.url, WEBHOOK_SECRET: SECRET, TELEGRAM_CHAT_ID: String(CHAT) },
      // daily-startup in plan mode, its morning a webhook the test calls (the schedule is proven by n8n-workflows.test.ts).
      edit: (file, wf) => {
        if (file !== "daily-startup.json") return;
        const trigger = wf.nodes.find((n) => n.type === "n8n-nodes-base.scheduleTrigger");
        const settings = wf.nodes.find((n) => n.name === "Settings");
        if (!trigger || !settings) throw new Error("daily-startup.json has no Schedule Trigger or Settings node");
        Object.assign(trigger, { type: "n8n-nodes-base.webhook", typeVersion: 2, parameters: { httpMethod: "POST", path: MORNING, responseMode: "onReceived", options: {} }, webhookId: randomUUID() });
        const assignments = (settings.parameters.assignments as { assignments: { name: string; value: string }[] }).assignments;
        const mode = assignments.find((a) => a.name === "mode");
        if (!mode || mode.value !== "start") throw new Error(`daily-startup's Settings node ships with mode "${mode?.value}", not "start"`);
        mode.value = "plan";
      },
    });
    cleanups.push(["n8n", () => n8n.stop()]);
    console.log(`n8n ${installedVersion()} up in ${((Date.now() - started) / 1000).toFixed(1)} s (day suite; orchestrator at ${service.url}, n8n at ${n8n.url})`);
  }, 180_000);

  afterAll(async () => {
    if (telegram) {
      const chat = telegram.sent.map((e) => `--- ${e.method} #${e.message_id} to ${e.chat_id}${e.reply_markup ? ` ${JSON.stringify(e.reply_markup)}` : ""}${e.document ? ` [${e.document.filename}]` : ""}\n${e.text}`).join("\n");
      await writeFile(path.join(dir, "telegram-chat.txt"), `${chat}\n`).catch(() => undefined);
    }
    const problems: string[] = [];
    for (const [what, stop] of cleanups.reverse()) {
      await stop().catch((error: Error) => problems.push(`${what}: ${error.message}`));
    }
    console.log(`real n8n day suite: ${((Date.now() - started) / 1000).toFixed(1)} s; every process stopped${problems.length ? `, with problems: ${problems.join("; ")}` : ""}. Files in ${dir}`);
  }, 60_000);

  const hook = () => {
    const h = telegram.webhook;
    if (!h) throw new Error("n8n registered no Telegram webhook");
    return h;
  };
  const deliver = async (update: FakeUpdate | Record<string, unknown>): Promise<number> => {
    const since = telegram.sent.length;
    const res = await deliverWebhook(hook().url, update, hook().secret_token);
    expect(res.status).toBe(200);
    return since;
  };
  const type = (text: string) => deliver(telegram.createMessageUpdate(CHAT, text, ANA));
  const sent = (pattern: RegExp, since: number, method: SentEntry["method"] = "sendMessage", ms = WAIT): Promise<SentEntry> =>
    telegram.waitFor((e) => e.method === method && e.chat_id === CHAT && pattern.test(e.text), ms, since);
  /** The bot's message as Telegram gives it back in a callback_query: visible text + entities, and its keyboard. */
  const pressOf = (messageId: number, data: string) => {
    const m = telegram.world.message(CHAT, messageId);
    if (!m) throw new Error(`no message ${messageId}`);
    return { update_id: Date.now(), callback_query: { id: telegram.world.newCallbackId(), from: ANA, chat_instance: `ci-${CHAT}`, data, message: { ...structuredClone(m), ...asTelegramMessage(m.text ?? "") } } };
  };
  /** Presses `data` under message `messageId`; resolves with n8n's answer to the press (its toast). */
  const press = async (messageId: number, data: string): Promise<{ since: number; toast: string }> => {
    const update = pressOf(messageId, data);
    const since = await deliver(update);
    const answer = await telegram.waitUntil(() => telegram.calls("answerCallbackQuery").find((c) => String(c.params.callback_query_id) === update.callback_query.id && c.error === null), WAIT, `the answer to press ${data}`);
    return { since, toast: String(answer.params.text) };
  };
  const status = async (): Promise<Record<string, any>> => {
    const res = await fetch(`${service.url}/webhook/status`, { method: "POST", headers: { "X-Webhook-Secret": SECRET } });
    return (await res.json()) as Record<string, any>;
  };
  const planFile = () => path.join(dir, "orchestrator_tasks", `${today}-tasks.md`);

  let ready: SentEntry;
  let planId: string;

  it("daily-startup in plan mode posts /webhook/plan; the plan's notifications follow, and plan_ready has Start / Show file / Discard with the plan's id", async () => {
    const since = telegram.sent.length;
    const res = await fetch(`${n8n.url}/webhook/${MORNING}`, { method: "POST" });
    expect(res.status).toBe(200);
    const morning = await sent(/^🌅 <b>Good morning! Claude is drafting today's plan\.<\/b>/, since);
    expect(morning.text).toMatch(new RegExp(`From <code>daily_logs/${today}\\.md</code> \\(plan ${today}-p1\\): the task list comes here when it is ready, with Start, Show file and Discard\\.$`));
    await sent(/^📝 <b>Planning today's tasks<\/b>\nFrom <code>daily_logs\//, since);
    const fixing = await sent(/^📝 <b>The draft has \d+ problems?: Claude is fixing (it|them)<\/b>\n• /, since);
    expect(fixing.reply_markup).toBeNull();
    ready = await sent(/^📝 <b>Plan ready: 2 tasks<\/b>/, since);
    planId = `${today}-p1`;
    expect(ready.text).toBe(`📝 <b>Plan ready: 2 tasks</b> (from <code>daily_logs/${today}.md</code>, $0.04)\n\n1. Create baptisms migration (database)\n2. Create baptisms server actions (backend) ⏸ needs approval\n\n📄 <code>orchestrator_tasks/${today}-tasks.md</code>\n\nStart it, see the file, or discard it.`);
    expect(ready.reply_markup?.inline_keyboard).toEqual([[
      { text: "▶️ Start", callback_data: `pl:start:${planId}` },
      { text: "📄 Show file", callback_data: `pl:show:${planId}` },
      { text: "🗑 Discard", callback_data: `pl:discard:${planId}` },
    ]]);
    // The two planning runs: 80 % of the day's $0.05.
    const warned = await sent(/^💸 <b>80 % of today's budget spent: \$0\.04 of \$0\.05<\/b>/, since);
    expect(warned.text).toMatch(/\n\n\/budget to see it, <code>\/budget &lt;dollars&gt;<\/code> to change today's budget$/);
    expect(await readFile(planFile(), "utf8")).toBe(PLANNED);
  }, 60_000);

  let shown: SentEntry;

  it("/plan show (GET /webhook/plan) lists the plan with its file; Show file sends the file as a document", async () => {
    shown = await sent(new RegExp(`^📝 <b>Plan ${planId}: 2 tasks, ready</b>`), await type("/plan show"));
    expect(shown.text).toContain("<pre># Tasks\n\n## Task 1: Create baptisms migration\n");
    expect(shown.reply_markup?.inline_keyboard).toEqual([[{ text: "▶️ Start", callback_data: `pl:start:${planId}` }], [{ text: "🗑 Discard", callback_data: `pl:discard:${planId}` }]]);
    const { since, toast } = await press(ready.message_id, `pl:show:${planId}`);
    expect(toast).toBe(`📄 ${today}-tasks.md`);
    const doc = await sent(new RegExp(`^📄 <b>Plan ${planId}</b>: 2 tasks \\(ready\\)`), since, "sendDocument");
    expect(doc.document).toEqual({ filename: `${today}-tasks.md`, content: PLANNED });
  });

  it("Start with another plan's id is refused by the orchestrator; Start of this plan starts its file through /webhook/plan/start", async () => {
    // (As a button of an older plan's message would carry it: here under /plan show's answer, whose buttons then go.)
    const old = await press(shown.message_id, `pl:start:${today}-p0`);
    expect(old.toast).toBe(`⚠️ Plan ${today}-p0 is not the latest one (${planId}, ready); send /plan show to see it.`);
    const gone = await sent(new RegExp(`\\n\\n⚠️ Plan ${today}-p0 is not the latest one`), old.since, "editMessageText");
    expect(gone.message_id).toBe(shown.message_id);
    expect((await status()).status).toBe("idle");
    const { since, toast } = await press(ready.message_id, `pl:start:${planId}`);
    expect(toast).toBe("▶️ Started: 2 tasks");
    const reply = await sent(/^🤖 <b>Orchestrator Starting\.\.\.<\/b>/, since);
    expect(reply.text).toMatch(/Found 2 tasks:\n1\. Create baptisms migration \(database\)\n2\. Create baptisms server actions \(backend\)/);
    const edited = await sent(/\n\n▶️ <b>Started<\/b> by Telegram @ana at \d\d:\d\d UTC$/, since, "editMessageText");
    expect(edited.message_id).toBe(ready.message_id);
    expect(edited.reply_markup).toBeNull();
    expect(await status()).toMatchObject({ status: "waiting_approval", task: 1, total: 2, task_file: planFile() });
    // The access log has the call (it never has a body).
    const access = await readFile(path.join(dir, "orchestrator_logs", "webhook-access.log"), "utf8");
    expect(access).toMatch(/"method":"POST","path":"\/webhook\/plan\/start"[^\n]*"status":200/);
  });

  it("/approve: the usage limit arrives formatted, the task resumes by itself after the reset, and the budget's end is said", async () => {
    const since = await type("/approve");
    const limit = await sent(/^⏳ <b>Usage limit reached \(5-hour window\)<\/b>\nResuming at \d\d:\d\d \(in \d+ s\)\.\nTask 1\/2: Create baptisms migration continues then in the same Claude session; \/approve tries now, \/pause holds it, \/skip skips it\.\n\n\/status for details$/, since);
    expect(limit.parse_mode).toBe("HTML");
    await sent(/^▶️ <b>.*Task 1\/2: Create baptisms migration continues where it stopped \(the same Claude session\)<\/b>\n\n\/cancel to stop it, \/status for details$/, since);
    await sent(/^✅ <b>Task 1\/2: Create baptisms migration complete/, since);
    const reached = await sent(/^💸 <b>Budget reached: \$0\.06 of \$0\.05 spent today<\/b>\nSend \/budget &lt;dollars&gt; to raise today's budget, or wait for tomorrow\.\n\nAfter <code>\/budget &lt;dollars&gt;<\/code>, \/approve runs the next task\.$/, since);
    expect(reached.reply_markup).toBeNull();
    const now = await status();
    expect(now).toMatchObject({ status: "waiting_approval", task: 2, budget: { budget_usd: 0.05 } });
    expect(now.budget.spent_usd).toBeCloseTo(0.06, 6);
  }, 60_000);

  it("/budget shows the spend; /budget 1 raises it (budget_changed says who); /approve then finishes the day, whose end mentions the report", async () => {
    const seen = await sent(/^💸 <b>Today's spend<\/b>/, await type("/budget"));
    expect(seen.text).toMatch(/\n\nSpent: \$0\.06 of \$0\.05 \(120 %\)\n▓▓▓▓▓▓▓▓▓▓\n\nBudget reached: no task starts until it is raised\./);
    let since = await type("/budget 1");
    await sent(/^💸 <b>Today's budget is \$1\.00; \$0\.06 spent\. Send \/approve to go on\.<\/b>/, since);
    await sent(/^💸 <b>Today's budget set to \$1\.00 by Telegram @ana \(\$0\.06 spent\)<\/b>\n\n\/budget to see it$/, since);
    since = await type("/approve");
    const done = await sent(/^🎉 <b>Session \S+ complete: 2\/2 \(100%\) tasks done\.<\/b>/, since);
    expect(done.text).toMatch(/\n\n📄 The day report is written now: \/report sends its summary\.\n\/start to begin a new session$/);
  }, 60_000);

  it("/report, /history, /feedback and /learn reach their endpoints and come back", async () => {
    const report = await sent(new RegExp(`^📊 <b>Day report ${today} \\(session \\S+, completed\\)</b>\\nTasks: 2 done of 2`), await type("/report"));
    expect(report.text).toMatch(new RegExp(`\\n\\n📄 <code>results/${today}-report\\.md</code>$`));
    const history = await sent(/^📜 <b>History<\/b> \(&quot;approve&quot;|^📜 <b>History<\/b> \("approve"/, await type("/history approve"));
    expect(history.text).toMatch(/<b>approve<\/b> · Telegram (\d+ )?@ana\n/);
    await sent(/^🗒️ <b>Thanks: .*Task 1: Create baptisms migration/, await type("/feedback 1 up clean migration"));
    expect(await readFile(path.join(dir, "feedback", `${today}.md`), "utf8")).toMatch(/## task-1: Create baptisms migration[\s\S]*👍[\s\S]*clean migration/);
    await sent(/^📝 <b>Learned: every task's prompt from now on has it/, await type("/learn Every migration gets an index"));
    expect(await readFile(path.join(dir, "orchestrator_learnings.md"), "utf8")).toContain("Every migration gets an index");
  });

  it("/plan posts /webhook/plan; /plan discard drops the new plan", async () => {
    const since = await type("/plan");
    await sent(new RegExp(`^📝 <b>Plan ${today}-p2 asked</b> from <code>daily_logs/${today}\\.md</code>: the task list comes when it is ready\\.\\n\\n/plan discard stops it`), since);
    // Ready or still drafting: discard drops it either way.
    await sent(/^📝 <b>Planning today's tasks<\/b>/, since);
    const from = await type("/plan discard");
    await sent(new RegExp(`^🗑 <b>Plan ${today}-p2 discarded \\([^<]*\\)</b>\\nSend /plan to draft another`), from);
    const note = await sent(new RegExp(`^🗑 <b>Plan ${today}-p2 discarded by Telegram @ana`), from);
    expect(note.text).toMatch(/\n\n\/plan to draft another, \/start \[file\] to load a task file$/);
  }, 60_000);

  it("every press was answered, and every message is HTML without n8n's attribution", () => {
    const presses = telegram.calls("answerCallbackQuery");
    expect(presses.length).toBe(3);
    expect(presses.every((c) => c.error === null)).toBe(true);
    for (const e of telegram.sent.filter((x) => x.chat_id === CHAT && x.method !== "sendDocument")) {
      expect(e.parse_mode).toBe("HTML");
      expect(e.text).not.toMatch(/sent automatically with/);
    }
  });

  it("stops n8n and its task runner", async () => {
    await n8n.stop();
    expect(n8n.pid === undefined ? false : groupAlive(n8n.pid)).toBe(false);
  }, 30_000);
});
