/**
 * The day around the tasks (issue #12) through the n8n workflows, without n8n (part of `npm test`):
 * a real orchestrator (in-memory state, its n8n outbox on, a budget of $1.00) behind the real HTTP
 * API, with a fake planner (the Planner edge: a first draft with a mistake, then a good one) and a
 * runner that reports usage and costs. Its real notification payloads (usage limits, budget, the
 * plan, the session's end) go through orchestrator-to-telegram, node by node (walk), into the
 * message and buttons Telegram (the fake's rules) accepts; commands and presses go through
 * telegram-to-orchestrator the same way, calling the HTTP API as its HTTP nodes do. And
 * daily-startup in both modes. `npm run test:n8n` proves the same files in a real n8n.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import type { Config } from "../../src/config/config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { PlanRunResult } from "../../src/core/plan.js";
import type { RateLimitInfo, RunOutcome } from "../../src/core/run-outcome.js";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { RunHooks, RunRequest, Runner } from "../../src/runner/runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { FakeWorld } from "../fixtures/fake-bot-api/fake-world.js";
import type { FakeMessage, InlineKeyboard, SentEntry } from "../fixtures/fake-bot-api/fake-types.js";
import { FakePlanner, writeStep } from "../http/plan-harness.js";
import { asTelegramMessage, expectTelegramHtml, O2T, runCode, T2O, telegramOf, walk, type Walk } from "./workflow-files.js";

const CHAT = 4242;
const ANA = { id: 77, is_bot: false, first_name: "Ana", username: "ana" };
const DS = "daily-startup.json";

// ------------------------------------------------------------------ a runner that reports usage and costs

interface DayScript {
  outcome: Partial<RunOutcome>;
  /** A rate_limit_event the run reports first. */
  usage?: RateLimitInfo;
}

/** Plays one script per run (the last repeats), after reporting its usage, as the CLI's stream would. */
class DayRunner implements Runner {
  #pid = 30_000;
  constructor(readonly scripts: DayScript[]) {}
  async run(_request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const script = (this.scripts.length > 1 ? this.scripts.shift() : this.scripts[0]) as DayScript;
    const pid = ++this.#pid;
    hooks.onSpawn?.({ pid, pgid: pid });
    if (script.usage) hooks.onRateLimit?.(script.usage);
    return {
      ok: true,
      kind: "success",
      reason: null,
      summary: "done",
      session_id: "claude-day-session",
      cost_usd: 0.01,
      tokens: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      num_turns: 1,
      duration_ms: 1,
      exit_code: 0,
      signal: null,
      permission_denials: [],
      ...script.outcome,
    };
  }
}

// ------------------------------------------------------------------ the orchestrator, Telegram, and the workflows

const clock = new ManualClock();
const today = localDate(clock.now());
const world = new FakeWorld();
const RESETS = new Date(clock.now().getTime() + 2 * 3600_000 + 14 * 60_000).toISOString();
const runner = new DayRunner([
  // Task 1: the usage is nearly used up, then the run stops at the limit; /approve then tries again.
  { usage: { status: "allowed_warning", type: "five_hour", resets_at: RESETS, utilization: 0.82 }, outcome: { ok: false, kind: "usage_limit", reason: "usage limit reached: You've hit your limit", summary: null, cost_usd: 0.02, limit: { type: "five_hour", resets_at: RESETS, message: "You've hit your limit · resets 11:14" } } },
  // Task 1 again (75 % of the budget crossed: $0.50 of planning + $0.02 + $0.30), then task 2 (past $1.00).
  { outcome: { cost_usd: 0.3 } },
  { outcome: { cost_usd: 0.3 } },
]);
const planner = new FakePlanner([], 0.25);
let dir: string;
let config: Config;
let orchestrator: Orchestrator;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let secret: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-n8n-day-"));
  config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  for (const d of [config.paths.tasks_dir, config.paths.logs_dir, config.paths.daily_dir]) await mkdir(d, { recursive: true });
  await writeFile(path.join(config.paths.daily_dir, `${today}.md`), "# Today\n\n- the baptisms table & its actions\n");
  config.orchestrator.daily_budget_usd = 1;
  planner.steps.push(() => ({ kind: "invalid", issues: [`${today}-tasks.md:3: Task 1 has no **Type:** <line>`] }), writeStep(config.paths.tasks_dir, 2));
  orchestrator = await Orchestrator.open({
    store: new MemoryStateStore(),
    runner,
    clock,
    policy: { ...config.orchestrator, approval_mode: "required" },
    logger: pino({ level: "silent" }),
    logsDir: config.paths.logs_dir,
    bootId: "boot-1",
    killOrphan: async () => {},
    outbox: true,
    planner,
    budget: { dailyUsd: 1, warnRatio: 0.75 },
    timeZone: "UTC",
  });
  const control = new Control({ orchestrator, config, clock });
  secret = randomBytes(32).toString("hex");
  server = await startHttpServer(createHttpApp({ control, secret, logger: pino({ level: "silent" }), clock, version: "1.2.3", accessLogFile: null }), "127.0.0.1", 0);
  env = { TELEGRAM_CHAT_ID: String(CHAT), ORCHESTRATOR_URL: server.url, WEBHOOK_SECRET: secret };
});

afterAll(async () => {
  await orchestrator?.shutdown();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const until = (pred: (s: SessionState) => boolean) => orchestrator.waitFor(pred, 5000);

/** What n8n's HTTP node (full response, never an error) gives for a call to the orchestrator. */
async function http(method: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  // n8n sends its JSON body with a GET too; fetch cannot, and the orchestrator does not read it then.
  const res = await fetch(`${server.url}/webhook/${route}`, { method, headers: { "content-type": "application/json", "X-Webhook-Secret": secret }, body: method === "GET" ? undefined : JSON.stringify(body ?? {}) });
  return { statusCode: res.status, statusMessage: res.statusText, headers: {}, body: (await res.json()) as Record<string, unknown> };
}

/** Telegram for a walk: every call must be accepted; the calls are kept. */
function telegram(calls: { method: string; params: Record<string, unknown>; file?: { filename: string; content: Buffer } }[]) {
  return (req: Parameters<ReturnType<typeof telegramOf>>[0]) => {
    const answer = telegramOf(world)(req);
    if (!answer.ok) throw new Error(`Telegram refused ${req.method}: ${answer.description}\n${String(req.params.text ?? req.params.caption ?? "")}`);
    calls.push(req);
    return answer;
  };
}

let shown = 0;
/** The outbox payloads of `event` not shown yet (what n8n is POSTed). */
const payloads = (event: string): NotificationPayload[] => orchestrator.state.outbox.filter((p) => p.event === event);

interface Shown {
  payload: NotificationPayload;
  walk: Walk;
  /** What Telegram got: the message (as stored), its HTML and its keyboard. */
  message: FakeMessage;
  html: string;
  visible: string;
  keyboard: InlineKeyboard["inline_keyboard"] | null;
}

/** orchestrator-to-telegram on the newest payload of `event`: it reaches the chat and the webhook answers 200. */
async function notify(event: string): Promise<Shown> {
  const payload = payloads(event).at(-1);
  if (!payload) throw new Error(`no ${event} in the outbox: ${orchestrator.state.outbox.map((p) => p.event).join(", ")}`);
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const w = await walk(O2T, "Secret matches?", { json: { headers: { "x-webhook-secret": secret }, body: payload } }, { env, http: () => ({}), telegram: telegram(calls) });
  expect(w.visited.at(-1)).toBe("Acknowledge");
  expect(calls.map((c) => c.method)).toEqual(["sendMessage"]);
  shown++;
  const sent = world.sent.at(-1) as SentEntry;
  const message = world.message(CHAT, sent.message_id) as FakeMessage;
  return { payload, walk: w, message, html: sent.text, visible: expectTelegramHtml(sent.text), keyboard: sent.reply_markup?.inline_keyboard ?? null };
}

interface Handled {
  walk: Walk;
  /** The calls to the orchestrator, in order. */
  posted: { node: string; method: string; path: string; body: unknown }[];
  toast?: string;
  /** The messages sent to the chat (visible text), a document, and an edit. */
  replies: string[];
  reply?: string;
  keyboard?: InlineKeyboard["inline_keyboard"] | null;
  document?: { filename: string; content: string; caption: string };
  edited?: string;
  editedKeyboard?: unknown;
}

/** telegram-to-orchestrator on one update, node by node: every press is answered. */
async function handle(update: Record<string, unknown>): Promise<Handled> {
  const posted: Handled["posted"] = [];
  const calls: { method: string; params: Record<string, unknown>; file?: { filename: string; content: Buffer } }[] = [];
  const w = await walk(T2O, "Allowed chat?", { json: update }, {
    env,
    http: (req) => {
      posted.push(req);
      return http(req.method, req.path, req.body);
    },
    telegram: telegram(calls),
  });
  const out: Handled = { walk: w, posted, replies: [] };
  for (const c of calls) {
    if (c.method === "sendMessage") {
      out.replies.push(expectTelegramHtml(c.params.text));
      out.reply = out.replies.at(-1);
      out.keyboard = (c.params.reply_markup as InlineKeyboard | undefined)?.inline_keyboard ?? null;
    }
    if (c.method === "sendDocument") out.document = { filename: c.file?.filename ?? "", content: c.file?.content.toString("utf8") ?? "", caption: expectTelegramHtml(c.params.caption) };
    if (c.method === "answerCallbackQuery") out.toast = c.params.text as string;
    if (c.method === "editMessageText") {
      out.edited = expectTelegramHtml(c.params.text);
      out.editedKeyboard = c.params.reply_markup;
    }
  }
  const pressed = "callback_query" in update;
  expect(calls.some((c) => c.method === "answerCallbackQuery")).toBe(pressed);
  return out;
}

let seq = 0;
const typed = (text: string) => ({ update_id: ++seq, message: world.addMessage(CHAT, { from: ANA as never, text }) });
/** A press of `data` under the bot's message `m`, handed back as Telegram does (text + entities). */
const press = (m: FakeMessage, data: string) => {
  const stored = world.message(CHAT, m.message_id) ?? m;
  return { update_id: ++seq, callback_query: { id: world.newCallbackId(), from: ANA, chat_instance: `ci-${CHAT}`, data, message: { ...structuredClone(stored), ...asTelegramMessage(stored.text ?? ""), chat: world.chat(CHAT) } } };
};
const messageOf = (entry: SentEntry | undefined) => world.message(CHAT, entry?.message_id ?? -1) as FakeMessage;

// ------------------------------------------------------------------ the tests

describe("the plan through n8n: /plan, its notifications, the plan_ready buttons", () => {
  let ready: Shown;
  let planId: string;

  it("/plan posts /webhook/plan with who asked; the chat hears it started, the first draft's problem, then the plan with Start / Show file / Discard", async () => {
    const asked = await handle(typed("/plan"));
    expect(asked.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "plan", body: { by: "Telegram @ana" } }]);
    expect(asked.reply).toBe(`📝 Plan ${today}-p1 asked from daily_logs/${today}.md: the task list comes when it is ready.\n\n/plan discard stops it, /plan show shows where it is`);
    await until((s) => s.plan?.status === "ready");
    planId = orchestrator.state.plan?.id as string;
    expect(planner.requests.map((r) => r.round)).toEqual([0, 1]);

    const started = await notify("plan_started");
    expect(started.visible).toBe(`📝 Planning today's tasks\nFrom daily_logs/${today}.md: Claude reads it and the code (read-only) and drafts the task file. The list comes here when it is ready.\n\n/plan discard to stop it`);
    const fixing = await notify("plan_fixing");
    expect(fixing.visible).toBe(`📝 The draft has 1 problem: Claude is fixing it\n• ${today}-tasks.md:3: Task 1 has no **Type:** <line>\n\n/plan discard to stop it`);
    expect(fixing.keyboard).toBeNull();

    ready = await notify("plan_ready");
    expect(ready.payload.plan).toMatchObject({ id: planId, status: "ready", tasks: [{ title: "Task number 1" }, { title: "Task number 2" }] });
    expect(ready.visible).toBe(`📝 Plan ready: 2 tasks (from daily_logs/${today}.md, $0.50)\n\n1. Task number 1 (backend)\n2. Task number 2 (backend)\n\n📄 orchestrator_tasks/${today}-tasks.md\n\nStart it, see the file, or discard it.`);
    expect(ready.html).toContain("📝 <b>Plan ready: 2 tasks</b>");
    expect(ready.walk.visited).toContain("Send with plan buttons");
    expect(ready.keyboard).toEqual([[
      { text: "▶️ Start", callback_data: `pl:start:${planId}` },
      { text: "📄 Show file", callback_data: `pl:show:${planId}` },
      { text: "🗑 Discard", callback_data: `pl:discard:${planId}` },
    ]]);
  });

  it("/plan show: GET /webhook/plan, the list and the file's text, with Start and Discard", async () => {
    const shownPlan = await handle(typed("/plan show"));
    expect(shownPlan.posted).toEqual([{ node: "Ask the orchestrator", method: "GET", path: "plan", body: {} }]);
    const file = await readFile(path.join(config.paths.tasks_dir, `${today}-tasks.md`), "utf8");
    expect(shownPlan.reply).toBe(`📝 Plan ${planId}: 2 tasks, ready (from daily_logs/${today}.md, $0.50)\n\n1. Task number 1 (backend)\n2. Task number 2 (backend)\n\n📄 orchestrator_tasks/${today}-tasks.md\n\n${file.trimEnd()}`);
    expect(shownPlan.keyboard).toEqual([[{ text: "▶️ Start", callback_data: `pl:start:${planId}` }], [{ text: "🗑 Discard", callback_data: `pl:discard:${planId}` }]]);
  });

  it("Show file sends the plan's task file as a document; the plan message keeps its buttons", async () => {
    const pressed = await handle(press(ready.message, `pl:show:${planId}`));
    expect(pressed.posted.map((p) => [p.method, p.path])).toEqual([["GET", "plan"]]);
    const file = await readFile(path.join(config.paths.tasks_dir, `${today}-tasks.md`), "utf8");
    expect(pressed.document).toEqual({ filename: `${today}-tasks.md`, content: file, caption: `📄 Plan ${planId}: 2 tasks (ready)\norchestrator_tasks/${today}-tasks.md` });
    expect(pressed.toast).toBe(`📄 ${today}-tasks.md`);
    expect(pressed.replies).toEqual([]);
    expect(pressed.edited).toBeUndefined();
  });

  it("Start posts /webhook/plan/start with the plan's id: the session starts, the chat gets its tasks, the plan message says who started it", async () => {
    const pressed = await handle(press(ready.message, `pl:start:${planId}`));
    expect(pressed.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "plan/start", body: { id: planId, by: "Telegram @ana" } }]);
    expect(orchestrator.state).toMatchObject({ status: "waiting_approval", task_file: path.join(config.paths.tasks_dir, `${today}-tasks.md`), plan: { id: planId, status: "started" } });
    expect(pressed.reply).toMatch(/^🤖 Orchestrator Starting\.\.\.\n\n📋 Loading tasks from: \S+-tasks\.md\n\nFound 2 tasks:\n1\. Task number 1 \(backend\)\n2\. Task number 2 \(backend\)/);
    expect(pressed.toast).toBe("▶️ Started: 2 tasks");
    expect(pressed.edited?.startsWith(`${ready.visible}\n\n▶️ Started by Telegram @ana at `)).toBe(true);
    expect(pressed.editedKeyboard).toBeUndefined();
    expect(world.message(CHAT, ready.message.message_id)?.reply_markup).toBeUndefined();
  });

  it("a button of the plan pressed again (the old message): the orchestrator's refusal in the toast, nothing changes", async () => {
    const again = await handle(press(ready.message, `pl:discard:${planId}`));
    expect(again.posted.map((p) => p.path)).toEqual(["plan/discard"]);
    expect(again.toast).toBe(`⚠️ Nothing to discard: the latest plan (${planId}) is started.`);
    expect(again.replies).toEqual([]);
    // Its buttons are gone already: nothing to edit.
    expect(again.edited).toBeUndefined();
    expect(orchestrator.state.plan?.status).toBe("started");
  });

  it("an unknown plan button, and an orchestrator that does not answer a press, are answered too", () => {
    const read = runCode(T2O, "Read command", press(ready.message, `pl:start:${planId}`));
    const down = runCode(T2O, "Format answer", { error: { message: "connect ECONNREFUSED 127.0.0.1:5000" } }, { "Read command": read });
    expect(down).toMatchObject({ send_as: "none", text: null, edit: null, callback: { text: "⚠️ Orchestrator not responding (tried 3 times): connect ECONNREFUSED 127.0.0.1:5000" } });
  });
});

describe("usage limits and the budget through n8n", () => {
  it("the usage warning and the limit are formatted, then the resume; the budget warning and its end", async () => {
    const approve = await handle(typed("/approve"));
    expect(approve.posted.map((p) => [p.path, (p.body as Record<string, unknown>).command])).toEqual([["command", "/approve"]]);
    await until((s) => s.status === "waiting_limit");
    const warning = await notify("usage_warning");
    expect(warning.visible).toBe("⚠️ 5-hour window 82 % used · resets 11:14\nPast the limit the session waits for the reset and goes on by itself.\n\n/status shows how much is used");
    const limit = await notify("usage_limit_reached");
    expect(limit.html).toMatch(/^⏳ <b>Usage limit reached \(5-hour window\)<\/b>\nResuming at 11:14 \(in 2 h 14 min\)\.\n/);
    expect(limit.visible).toBe("⏳ Usage limit reached (5-hour window)\nResuming at 11:14 (in 2 h 14 min).\nTask 1/2: Task number 1 continues then in the same Claude session; /approve tries now, /pause holds it, /skip skips it.\n\n/status for details");
    const status = await handle(typed("/status"));
    expect(status.reply).toMatch(/Status: ⏳ Waiting for the usage limit to reset\n/);

    await handle(typed("/approve"));
    await until((s) => s.status === "waiting_approval" && s.current_task_index === 1);
    const resumed = await notify("usage_limit_resumed");
    expect(resumed.visible).toMatch(/^▶️ .*Task 1\/2: Task number 1 continues where it stopped \(the same Claude session\)\n\n\/cancel to stop it, \/status for details$/);
    const budget = await notify("budget_warning");
    expect(budget.visible).toBe("💸 82 % of today's budget spent: $0.82 of $1.00\n\n/budget to see it, /budget <dollars> to change today's budget");

    await handle(typed("/approve"));
    await until((s) => s.status === "completed");
    const reached = await notify("budget_reached");
    expect(reached.visible).toBe("💸 Budget reached: $1.12 of $1.00 spent today\nSend /budget <dollars> to raise today's budget, or wait for tomorrow.\n\nAfter /budget <dollars>, /approve runs the next task.");
    const done = await notify("session_completed");
    expect(done.visible).toMatch(/^🎉 Session \S+ complete: 2\/2 \(100%\) tasks done\.[\s\S]*\n\n📄 The day report is written now: \/report sends its summary\.\n\/start to begin a new session$/);
  });

  it("/budget shows today's spend against the budget; /budget 15 sets it, and the chat hears who did", async () => {
    const seen = await handle(typed("/budget"));
    expect(seen.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "budget", body: { by: "Telegram @ana" } }]);
    expect(seen.reply).toBe(`💸 Today's spend (${today})\n\nSpent: $1.12 of $1.00 (112 %)\n▓▓▓▓▓▓▓▓▓▓\n\nBudget reached: no task starts until it is raised.\n\n/budget <dollars> sets today's budget`);
    const set = await handle(typed("/budget 15"));
    expect(set.posted[0]?.body).toEqual({ by: "Telegram @ana", usd: "15" });
    expect(set.reply).toMatch(/^💸 Today's budget is \$15\.00; \$1\.12 spent\.\n\nSpent: \$1\.12 of \$15\.00 \(7 %\)\n▓░░░░░░░░░\n\n\/budget <dollars> sets today's budget$/);
    expect((await notify("budget_changed")).visible).toBe("💸 Today's budget set to $15.00 by Telegram @ana ($1.12 spent)\n\n/budget to see it");
    const bad = await handle(typed("/budget lots"));
    expect(bad.reply).toMatch(/^❓ "usd" must be an amount of dollars > 0 \(got "lots"\)\.\n\nSend \/budget 15 for \$15\.00 today, or \/budget to see the spend\./);
  });

  it("/report writes the day report: its summary and where the file is", async () => {
    const report = await handle(typed("/report"));
    expect(report.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "report", body: {} }]);
    expect(report.reply).toMatch(new RegExp(`^📊 Day report ${today} \\(session \\S+, completed\\)\nTasks: 2 done of 2 · 100 % success\n[\\s\\S]*\n\n📄 results/${today}-report\\.md$`));
    const bad = await handle(typed("/report yesterday"));
    expect(bad.posted[0]?.body).toEqual({ date: "yesterday" });
    expect(bad.reply).toMatch(/^❓ /);
  });

  it("/history [term]: the term and the task, the last 15 (there is no history file in this orchestrator: none)", async () => {
    const found = await handle(typed("/history approve task 3"));
    expect(found.posted[0]).toMatchObject({ path: "history", body: { limit: 15, grep: "approve", task: 3 } });
    expect(found.reply).toBe('📜 No events match "approve", task 3.\n\nTry /history without a term, or /history task 3.');
    const entries = [{ ts: "2026-01-01T09:32:10.000Z", event: "approve", kind: "command", by: "Telegram 77 @ana", task: 1, ok: true, message: "Executing Task 1/2: <x>" }, { ts: "2026-01-01T09:33:00.000Z", event: "skip", kind: "command", by: null, task: 2, ok: false, message: "Nothing to skip" }];
    const read = runCode(T2O, "Read command", typed("/history"));
    const text = runCode(T2O, "Format answer", { statusCode: 200, body: { status: "ok", message: "…", entries, more: true, session: {} } }, { "Read command": read }).text;
    expect(expectTelegramHtml(text)).toBe("📜 History: the last 2, times UTC\n\n01-01 09:32 approve · Telegram 77 @ana\n   Executing Task 1/2: <x>\n01-01 09:33 skip (refused)\n   Nothing to skip\n\nOlder ones match too: orchestrator history --since <date> has them all.");
  });

  it("/feedback and /learn post their endpoints; the files get them", async () => {
    const fb = await handle(typed("/feedback 1 down the migration lacks an index"));
    expect(fb.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "feedback", body: { by: "Telegram @ana", task: 1, rating: "down", note: "the migration lacks an index" } }]);
    expect(fb.reply).toMatch(/^🗒️ |^👎 /);
    expect(await readFile(path.join(config.paths.feedback_dir, `${today}.md`), "utf8")).toMatch(/## task-1: Task number 1[\s\S]*👎[\s\S]*the migration lacks an index/);
    const learn = await handle(typed("/learn Every migration gets an index"));
    expect(learn.posted[0]).toMatchObject({ path: "learn", body: { text: "Every migration gets an index", by: "Telegram @ana" } });
    expect(await readFile(config.orchestrator.learnings_file, "utf8")).toContain("Every migration gets an index");
    expect((await handle(typed("/learn"))).reply).toBe("❓ Learn what? Send /learn <text>: a lesson added to every later task's prompt.");
    // The typed forms Read command knows.
    const read = (text: string) => runCode(T2O, "Read command", typed(text)).body;
    expect(read("/feedback 4")).toEqual({ by: "Telegram @ana", rating: 4 });
    expect(read("/feedback 2 👍")).toEqual({ by: "Telegram @ana", task: 2, rating: "up" });
    expect(read("/feedback 7 too slow")).toEqual({ by: "Telegram @ana", task: 7, note: "too slow" });
  });
});

describe("/start over a session left unfinished yesterday: Continue it / Start today's file", () => {
  let question: FakeMessage;
  let sid: string;

  it("the question comes with two buttons, stamped with the session", async () => {
    // A session of today, left waiting; then it is tomorrow, with tomorrow's file.
    await writeFile(path.join(config.paths.tasks_dir, `${today}-b-tasks.md`), "## Task 1: Left over\n**Type:** backend\n**Description:** x\n**Claude Instruction:**\nDo it.\n\n---\n\n## Task 2: Also left\n**Type:** backend\n**Description:** y\n**Claude Instruction:**\nDo it.\n");
    await handle(typed(`/start ${today}-b-tasks.md --replace`));
    sid = orchestrator.state.session_id as string;
    expect(orchestrator.state.task_file).toMatch(/-b-tasks\.md$/);
    clock.advance(24 * 3600_000);
    const tomorrow = localDate(clock.now());
    await writeFile(path.join(config.paths.tasks_dir, `${tomorrow}-tasks.md`), "## Task 1: Tomorrow's task\n**Type:** backend\n**Description:** z\n**Claude Instruction:**\nDo it.\n");
    const asked = await handle(typed("/start"));
    question = messageOf(world.sent.at(-1));
    expect(asked.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "start", body: { by: "Telegram @ana" } }]);
    // (The task file is named when the answer carries the question's facts, not only its words.)
    expect(asked.reply).toMatch(new RegExp(`^🗓 A session from ${today} is unfinished\n\nSession ${sid}( \\(orchestrator_tasks/${today}-b-tasks\\.md\\))?: 0/2 tasks done, waiting approval\\.\n\nContinue it, or start today's file \\(${tomorrow}-tasks\\.md\\) in its place\\? \\(The old session stays as it is in its state and report\\.\\)$`));
    expect(asked.keyboard).toEqual([[{ text: "▶️ Continue it", callback_data: `sq:c:${sid}` }], [{ text: "🆕 Start today's file", callback_data: `sq:r:${sid}` }]]);
  });

  it("Continue reads the session and sends its next step (approve): the question's buttons go", async () => {
    const pressed = await handle(press(question, `sq:c:${sid}`));
    expect(pressed.posted.map((p) => [p.node, p.path, p.body])).toEqual([
      ["Read the session", "status", {}],
      ["Ask the orchestrator", "command", { command: "approve", by: "Telegram @ana" }],
    ]);
    expect(pressed.reply).toMatch(/^⚙️ Executing Task 1\/2: Left over/);
    expect(pressed.toast).toMatch(/^⚙️ Executing Task 1\/2: Left over/);
    expect(pressed.edited).toMatch(/\n\n▶️ Continued by Telegram @ana at \d\d:\d\d UTC$/);
    await until((s) => s.status === "waiting_approval" && s.current_task_index === 1);
  });

  it("Start today's file starts it in the session's place (replace); a press of the old question then is out of date", async () => {
    const asked = await handle(typed("/start"));
    const msg = messageOf(world.sent.at(-1));
    expect(asked.reply).toMatch(/Session \S+( \(\S+\))?: 1\/2 tasks done, waiting approval\./);
    expect(asked.keyboard?.[1]?.[0]?.callback_data).toBe(`sq:r:${sid}`);
    const pressed = await handle(press(msg, `sq:r:${sid}`));
    expect(pressed.posted.map((p) => [p.node, p.path, p.body])).toEqual([
      ["Read the session", "status", {}],
      ["Ask the orchestrator", "start", { replace: true, by: "Telegram @ana" }],
    ]);
    expect(pressed.reply).toMatch(/^🤖 Orchestrator Starting\.\.\.[\s\S]*Found 1 tasks:\n1\. Tomorrow's task \(backend\)/);
    expect(pressed.toast).toBe("🆕 Started: 1 tasks");
    expect(pressed.edited).toMatch(/\n\n🆕 Started in its place by Telegram @ana at \d\d:\d\d UTC$/);
    expect(orchestrator.state.session_id).not.toBe(sid);
    // The first question's message, pressed again: the session is another one now.
    const stale = await handle(press(question, `sq:r:${sid}`));
    expect(stale.posted.map((p) => p.node)).toEqual(["Read the session"]);
    expect(stale.toast).toMatch(/^⚠️ This question is out of date: the session is \S+ \(waiting approval\) now\. Send \/status\.$/);
  });

  it("/start with no task file but a daily log offers to plan from it (pl:new posts /webhook/plan)", async () => {
    const read = runCode(T2O, "Read command", typed("/start"));
    const out = runCode(T2O, "Format answer", { statusCode: 404, body: { status: "error", error: "not_found", message: "No task file for today. There is a daily log (/x/daily_logs/2026-01-02.md): send /plan to draft today's task file from it.", daily_log: "/x/daily_logs/2026-01-02.md" } }, { "Read command": read });
    expect(out).toMatchObject({ send_as: "buttons1", buttons: [{ text: "📝 Plan from the daily log", data: "pl:new" }] });
    expect(expectTelegramHtml(out.text)).toMatch(/^📭 No task file for today[\s\S]*\n\n📝 Claude can draft today's task file from the daily log \(daily_logs\/2026-01-02\.md\)\.$/);
    expect(runCode(T2O, "Read command", press(messageOf(world.sent.at(-1)), "pl:new"))).toMatchObject({ command: "plan", path: "plan", method: "POST", body: { by: "Telegram @ana" }, press: { kind: "plan", action: "new" } });
  });
});

describe("daily-startup in both modes", () => {
  /** The workflow from its trigger, with its Settings node's mode, against canned answers. */
  const run = async (mode: string | null, answer: Record<string, unknown>) => {
    const calls: { method: string; params: Record<string, unknown> }[] = [];
    const posted: { method: string; path: string; body: unknown }[] = [];
    const w = await walk(DS, "Every day at 09:00", { json: {} }, {
      env,
      pinned: mode === null ? {} : { Settings: { json: { mode } } },
      http: (req) => {
        posted.push(req);
        return answer;
      },
      telegram: telegram(calls),
    });
    expect(calls.map((c) => c.method)).toEqual(["sendMessage"]);
    return { w, posted, text: expectTelegramHtml(calls[0]?.params.text) };
  };

  it("start (the default, as shipped) posts /webhook/start and lists the tasks", async () => {
    const started = await run(null, { statusCode: 200, body: { status: "ok", message: "Started", tasks: [{ title: "A <b>", type: "backend" }], task_file: "x-tasks.md", session: {} } });
    expect(started.w.out.Settings?.json).toEqual({ mode: "start" });
    expect(started.posted).toEqual([{ node: "Start the day", method: "POST", path: "start", body: {} }]);
    expect(started.text).toBe("🌅 Good morning! The day has started.\n\n📋 1 tasks from x-tasks.md:\n1. A <b> (backend)\n\n/approve to run the first one, /status for details");
  });

  it("plan posts /webhook/plan and says the plan comes with its buttons; no daily log, or no orchestrator, says what to do", async () => {
    const planned = await run("plan", { statusCode: 200, body: { status: "ok", message: `Planning from /srv/app/daily_logs/${today}.md (plan ${today}-p3). Claude reads it and the code, read-only; the task list comes when it is ready, with Start, Show file and Discard.` } });
    expect(planned.posted).toEqual([{ node: "Plan the day", method: "POST", path: "plan", body: {} }]);
    expect(planned.text).toBe(`🌅 Good morning! Claude is drafting today's plan.\n\nFrom daily_logs/${today}.md (plan ${today}-p3): the task list comes here when it is ready, with Start, Show file and Discard.`);
    const none = await run("Plan", { statusCode: 404, body: { status: "error", error: "not_found", message: "No daily log for today: write daily_logs/x.md (goals, context, notes), then send /plan again." } });
    expect(none.posted.map((p) => p.path)).toEqual(["plan"]);
    expect(none.text).toMatch(/^📭 No plan this morning\n\nNo daily log for today[\s\S]*\n\nWrite today's daily log, then send \/plan \(or \/start a task file you wrote\)\.$/);
    expect((await run("plan", { error: { message: "connect ECONNREFUSED 127.0.0.1:5000" } })).text).toMatch(/^❌ The day did not start[\s\S]*ECONNREFUSED[\s\S]*Send \/plan when it is\.$/);
  });

  it("plan mode against the real orchestrator: /webhook/plan drafts the plan, and plan_ready follows with its buttons", async () => {
    await writeFile(path.join(config.paths.daily_dir, `${localDate(clock.now())}.md`), "# The next day\n\n- an index\n");
    // Today's file exists (the session runs it): the plan goes beside it, and says so.
    planner.steps.push(async (request): Promise<PlanRunResult> => {
      const file = path.join(config.paths.tasks_dir, `${request.date}-tasks-2.md`);
      await writeFile(file, "## Task 1: Add the index\n**Type:** database\n**Requires Approval:** true\n**Description:** x\n**Verify:** `npm test`\n**Claude Instruction:**\nDo it.\n");
      return { kind: "written", file, kept_existing: path.join(config.paths.tasks_dir, `${request.date}-tasks.md`), tasks: [{ id: 1, title: "Add the index", type: "database", requires_approval: true, verify: ["npm test"] }] };
    });
    const w = await walk(DS, "Every day at 09:00", { json: {} }, { env, pinned: { Settings: { json: { mode: "plan" } } }, http: (req) => http(req.method, req.path, req.body), telegram: telegram([]) });
    expect(w.visited).toEqual(["Every day at 09:00", "Settings", "Plan first?", "Plan the day", "Say how it went", "Tell the chat"]);
    expect(expectTelegramHtml(w.out["Say how it went"]?.json.text)).toMatch(/^🌅 Good morning! Claude is drafting today's plan\.\n\nFrom daily_logs\/\S+\.md \(plan \S+-p2\)/);
    await until((s) => s.plan?.status === "ready");
    const ready = await notify("plan_ready");
    const tomorrow = localDate(clock.now());
    expect(ready.visible).toBe(`📝 Plan ready: 1 task (from daily_logs/${tomorrow}.md, $0.25)\n\n1. Add the index (database) ⏸ needs approval\n\n📄 orchestrator_tasks/${tomorrow}-tasks-2.md\norchestrator_tasks/${tomorrow}-tasks.md already existed and was kept: the plan went beside it.\n\nStart it, see the file, or discard it.`);
    expect(ready.keyboard?.[0]?.map((b) => b.callback_data)).toEqual([`pl:start:${orchestrator.state.plan?.id}`, `pl:show:${orchestrator.state.plan?.id}`, `pl:discard:${orchestrator.state.plan?.id}`]);
  });
});

describe("a plan discarded, and one that fails", () => {
  it("/plan discard drops the ready plan (its file removed): the reply and plan_discarded; a plan bad twice fails with its problems; /plan discard then is refused", async () => {
    const p2 = orchestrator.state.plan;
    expect(p2?.status).toBe("ready");
    const dropped = await handle(typed("/plan discard"));
    expect(dropped.posted).toEqual([{ node: "Ask the orchestrator", method: "POST", path: "plan/discard", body: { by: "Telegram @ana" } }]);
    expect(dropped.reply).toMatch(new RegExp(`^🗑 Plan ${p2?.id} discarded \\(\\S+-tasks-2\\.md removed\\)\\nSend /plan to draft another, or /start \\[file\\] to load a task file\\.$`));
    expect((await notify("plan_discarded")).visible).toMatch(new RegExp(`^🗑 Plan ${p2?.id} discarded by Telegram @ana \\(\\S+ removed\\)\\n\\n/plan to draft another, /start \\[file\\] to load a task file$`));

    const bad = (): PlanRunResult => ({ kind: "invalid", issues: ["x-tasks.md:3: Task 1 has no **Type:**", "x-tasks.md:9: <duplicate> task number 1"] });
    planner.steps.push(bad, bad);
    const asked = await handle(typed("/plan daily_logs/other.md"));
    expect(asked.posted[0]?.body).toEqual({ by: "Telegram @ana", daily_log: "daily_logs/other.md" });
    expect(asked.reply).toMatch(/^📭 /);
    await writeFile(path.join(config.paths.daily_dir, "other.md"), "# Another day\n");
    await handle(typed("/plan other.md"));
    await until((s) => s.plan?.status === "failed");
    const failed = await notify("plan_failed");
    expect(failed.visible).toBe(`❌ Plan ${orchestrator.state.plan?.id} failed\nthe task file Claude drafted still has 2 problems after one fix\n• x-tasks.md:3: Task 1 has no **Type:**\n• x-tasks.md:9: <duplicate> task number 1\n\n/plan to try again, or write the task file yourself and /start it`);
    const refused = await handle(typed("/plan discard"));
    expect(refused.reply).toBe(`⚠️ Nothing to discard: the latest plan (${orchestrator.state.plan?.id}) is failed.\n\n/approve /skip /pause`);
  });

  it("Read command: the /plan forms and their endpoints", () => {
    const read = (text: string) => {
      const r = runCode(T2O, "Read command", typed(text));
      return [r.command, r.method, r.path, r.body];
    };
    expect(read("/plan")).toEqual(["plan", "POST", "plan", { by: "Telegram @ana" }]);
    expect(read("/plan 2026-01-01.md")).toEqual(["plan", "POST", "plan", { by: "Telegram @ana", daily_log: "2026-01-01.md" }]);
    expect(read("/plan SHOW")).toEqual(["plan_show", "GET", "plan", {}]);
    expect(read("/plan start 2026-01-01-p2 --replace")).toEqual(["plan_start", "POST", "plan/start", { by: "Telegram @ana", id: "2026-01-01-p2", replace: true }]);
    expect(read("/plan discard")).toEqual(["plan_discard", "POST", "plan/discard", { by: "Telegram @ana" }]);
    expect(read("/start x.md --replace")).toEqual(["start", "POST", "start", { by: "Telegram @ana", task_file: "x.md", replace: true }]);
    expect(read("/report 2026-01-01")).toEqual(["report", "POST", "report", { date: "2026-01-01" }]);
    expect(read("/history #2")).toEqual(["history", "POST", "history", { limit: 15, task: 2 }]);
  });
});
