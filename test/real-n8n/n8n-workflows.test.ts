/**
 * `npm run test:n8n`: the three workflows of n8n_workflows/ in a real n8n (tools/n8n/, pinned),
 * beside the real `orchestrator serve` (fake claude) and a fake Telegram Bot API, all on
 * 127.0.0.1. n8n's Telegram nodes talk to the fake through the credential's base URL; its
 * Telegram Trigger registers a webhook on the fake, and the test delivers updates to that URL
 * with the secret token, the way Telegram does.
 *
 * Proven for real: a /status typed in the chat reaches the orchestrator through n8n and the
 * answer comes back; a task-completed notification from the orchestrator arrives in the chat
 * through n8n, with the files the task changed in its git project and its verification; /diff,
 * /rollback (asked, then confirmed) and /cancel go through n8n and are answered; the daily
 * startup (its schedule overridden to every 10 s) starts the session and says so, and says why
 * when it cannot. Every process is stopped afterwards, on failure too.
 *
 * The task's changes: the fake claude runs the `gate` scenario (it works until the gate file
 * exists), and the test edits the project's files meanwhile, the way Claude would.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { deliverWebhook } from "../fixtures/fake-bot-api/deliver-webhook.js";
import { FakeBotApi, FAKE_TOKEN, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { groupAlive, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { installedVersion, startN8n, type RunningN8n } from "./n8n-instance.js";

const CHAT = 4242;
const STRANGER = 999_111;
const SECRET = "real-n8n-webhook-secret-5e2a";
const WAIT = 30_000;

const tasks = `# Tasks for today

## Task 1: Create baptisms migration
**Type:** database
**Description:** Create the migration
**Verify:** \`node --version\`
**Claude Instruction:**
Create the migration file.
FAKE_CLAUDE: gate

---

## Task 2: Create baptisms server actions
**Type:** backend
**Description:** Server actions
**Claude Instruction:**
Write the actions.
`;

describe(`the n8n workflows in a real n8n`, () => {
  const cleanups: [string, () => Promise<unknown>][] = [];
  let telegram: FakeBotApi;
  let service: RunningService;
  let n8n: RunningN8n;
  let dir: string;
  /** The git project Claude works in (claude.project_dir). */
  let project: string;
  /** The fake claude's gate: a task ends once this file exists. */
  let gate: string;
  let started = 0;
  const README = "# Parish app\n";

  beforeAll(async () => {
    started = Date.now();
    dir = await tempDir("real-n8n-");
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await writeFile(path.join(dir, "orchestrator_tasks", `${localDate(new Date())}-tasks.md`), tasks);
    // The project: a git repository with one commit, beside (not around) the orchestrator's files.
    project = path.join(dir, "project");
    gate = path.join(dir, "claude-gate");
    await mkdir(project);
    await mkdir(path.join(dir, "claude-calls"));
    await writeFile(path.join(project, "README.md"), README);
    const git = (...args: string[]) => execa("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: project });
    await git("init", "-q", "-b", "main");
    await git("add", "README.md");
    await git("commit", "-q", "-m", "init");
    // n8n owns the bot's updates: the built-in bot must stay off even with a token.
    await writeFile(
      path.join(dir, "config.yaml"),
      "orchestrator:\n  approval_mode: required\n  auto_approve: []\n  checkpoint_after: []\nclaude:\n  project_dir: project\ntelegram:\n  inbound: n8n\n",
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
      FAKE_CLAUDE_GATE: gate,
      FAKE_CLAUDE_RECORD: path.join(dir, "claude-calls"),
    });
    cleanups.push(["orchestrator", () => service.stop("SIGTERM")]);
    n8n = await startN8n({
      dir,
      port: n8nPort,
      telegram: { baseUrl: telegram.apiRoot, token: FAKE_TOKEN },
      env: { ORCHESTRATOR_URL: service.url, WEBHOOK_SECRET: SECRET, TELEGRAM_CHAT_ID: String(CHAT) },
      // The daily startup fires every 10 s instead of at 09:00.
      edit: (file, wf) => {
        if (file !== "daily-startup.json") return;
        const trigger = wf.nodes.find((n) => n.type === "n8n-nodes-base.scheduleTrigger");
        if (!trigger) throw new Error("daily-startup.json has no Schedule Trigger");
        trigger.parameters.rule = { interval: [{ field: "cronExpression", expression: "*/10 * * * * *" }] };
      },
    });
    cleanups.push(["n8n", () => n8n.stop()]);
    console.log(`n8n ${installedVersion()} up with the three workflows in ${((Date.now() - started) / 1000).toFixed(1)} s (orchestrator at ${service.url}, n8n at ${n8n.url})`);
  }, 180_000);

  afterAll(async () => {
    // The chat as the phone would show it, for a person to read after a run.
    if (telegram) {
      const chat = telegram.sent.map((e) => `--- ${e.method} to ${e.chat_id} (${e.parse_mode ?? "plain"})\n${e.text}`).join("\n");
      await writeFile(path.join(dir, "telegram-chat.txt"), `${chat}\n`).catch(() => undefined);
    }
    const problems: string[] = [];
    for (const [what, stop] of cleanups.reverse()) {
      await stop().catch((error: Error) => problems.push(`${what}: ${error.message}`));
    }
    console.log(`real n8n suite: ${((Date.now() - started) / 1000).toFixed(1)} s; every process stopped${problems.length ? `, with problems: ${problems.join("; ")}` : ""}. Files in ${dir}`);
  }, 60_000);

  /** The next message the bot sends to `chat` matching `pattern`, from sent index `since` on. */
  const reply = (pattern: RegExp, since: number, chat = CHAT, ms = WAIT): Promise<SentEntry> =>
    telegram.waitFor((e) => e.method === "sendMessage" && e.chat_id === chat && pattern.test(e.text), ms, since);

  /** Types `text` in a chat: Telegram POSTs the update to the webhook n8n registered. */
  const type = async (text: string, chat = CHAT): Promise<number> => {
    const hook = telegram.webhook;
    if (!hook) throw new Error("n8n registered no Telegram webhook");
    const since = telegram.sent.length;
    const res = await deliverWebhook(hook.url, telegram.createMessageUpdate(chat, text), hook.secret_token);
    expect(res.status).toBe(200);
    return since;
  };

  /** Resolves once the fake claude has started `n` times (it records each start). */
  const claudeStarted = (n: number) =>
    waitFor(async () => ((await readFile(path.join(dir, "claude-calls", "calls.jsonl"), "utf8")).trim().split("\n").length >= n ? true : undefined), WAIT, `claude's run ${n}`);

  const orchestratorStatus = async (): Promise<Record<string, unknown>> => {
    const res = await fetch(`${service.url}/webhook/status`, { method: "POST", headers: { "X-Webhook-Secret": SECRET } });
    return (await res.json()) as Record<string, unknown>;
  };

  it("n8n's Telegram Trigger registered its webhook with a secret token, and the built-in bot stayed off", () => {
    expect(telegram.webhook?.url).toContain(`${n8n.url}/webhook/`);
    expect(telegram.webhook?.secret_token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(telegram.calls("getUpdates")).toHaveLength(0);
    expect(service.output()).toMatch(/Telegram bot: off \(telegram.inbound is n8n/);
  });

  it("the daily startup starts the session and tells the chat", async () => {
    const day = await reply(/The day has started/, 0);
    expect(day.text).toMatch(/1\. Create baptisms migration \(database\)\n2\. Create baptisms server actions \(backend\)/);
    expect(day.text).toContain(`${localDate(new Date())}-tasks.md`);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 1, total: 2 });
    // The session_started notification came through the other workflow.
    await reply(/🤖 <b>Session .* started/i, 0);
  });

  it("/status typed in the chat reaches the orchestrator through n8n and the answer comes back", async () => {
    const since = await type("/status");
    const answer = await reply(/Orchestrator Status/, since);
    expect(answer.text).toMatch(/Status: ⏸️ Waiting for approval/);
    expect(answer.text).toMatch(/Current: Task 1 - Create baptisms migration/);
    expect(answer.text).toMatch(/Progress: 0\/2 tasks \(0%\)/);
    expect(answer.text).toContain("/approve /skip /pause");
    expect(answer.parse_mode).toBe("HTML");
  });

  /** What Claude would do to the project: changes README.md and adds a migration. */
  const editProject = async () => {
    await writeFile(path.join(project, "README.md"), `${README}\nBaptisms: see migrations/.\n`);
    await mkdir(path.join(project, "migrations"), { recursive: true });
    await writeFile(path.join(project, "migrations", "001_baptisms.sql"), "CREATE TABLE baptisms (id int, parish_id int);\n-- rows with parish_id <> 0 & active\n");
  };

  it("/approve runs the task, and its completion arrives in the chat through n8n with the files it changed and its verification", async () => {
    const since = await type("/approve");
    const ack = await reply(/⚙️ <b>.*Task 1\/2/, since);
    expect(ack.text).toMatch(/Create baptisms migration/);
    // Claude works (the fake waits at its gate: the snapshot before the task is taken) while the project's files change.
    await claudeStarted(1);
    await editProject();
    await writeFile(gate, "");
    const verifying = await reply(/🔎 <b>Task 1\/2: Create baptisms migration: Claude is done; verifying \(node --version\)<\/b>/, since);
    expect(verifying.parse_mode).toBe("HTML");
    const done = await reply(/✅ <b>Task 1\/2.*complete/, since);
    expect(done.text).toMatch(/Progress: 1\/2 \(50%\)/);
    // The orchestrator's lines, each once, as the chat shows them.
    expect(done.text).toMatch(/\n2 files changed \(\+4 −0\): README\.md, migrations\/001_baptisms\.sql\n/);
    expect(done.text).toMatch(/\n✅ verified: node --version \(\d+ s\)\n/);
    expect(done.text.match(/files changed/g)).toHaveLength(1);
    expect(done.text).toMatch(/\/diff 1 to see the changes, \/rollback 1 to undo them/);
    // Then the next checkpoint, with what to send.
    const next = await reply(/✋ <b>/, since);
    expect(next.text).toMatch(/\/approve to run it/);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 2 });
  });

  it("/diff through n8n: the last task's summary and its diff in a <pre>, escaped", async () => {
    const diff = await reply(/🔍 <b>Task 1: Create baptisms migration<\/b> \(completed\)/, await type("/diff"));
    expect(diff.text).toMatch(/\n\n2 files changed \(\+4 −0\): README\.md, migrations\/001_baptisms\.sql\n\n<pre>diff --git a\/README\.md b\/README\.md\n/);
    expect(diff.text).toContain("+Baptisms: see migrations/.\n");
    expect(diff.text).toContain("+-- rows with parish_id &lt;&gt; 0 &amp; active</pre>");
  });

  it("/cancel when nothing runs gets the orchestrator's refusal", async () => {
    const refused = await reply(/Nothing to cancel/, await type("/cancel"));
    expect(refused.text).toMatch(/^⚠️ Nothing to cancel: no task is running \(Task 2\/2 is waiting approval\)\. Send \/status/);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 2 });
  });

  it("/rollback asks first (nothing changes), and '/rollback 1 confirm' puts the project back through n8n", async () => {
    const asked = await reply(/↩️ <b>Roll back Task 1: Create baptisms migration\?<\/b>/, await type("/rollback"));
    expect(asked.text).toMatch(/It changed: 2 files changed \(\+4 −0\): README\.md, migrations\/001_baptisms\.sql/);
    expect(asked.text).toMatch(/To do it, send <code>\/rollback 1 confirm<\/code>$/);
    expect(await readFile(path.join(project, "migrations", "001_baptisms.sql"), "utf8")).toMatch(/CREATE TABLE/);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 2 });

    const since = await type("/rollback 1 confirm");
    // The answer to the command, with what came back...
    const done = await reply(/^↩️ <b>Task 1\/2: Create baptisms migration rolled back: 1 file restored, 1 removed\.[^<]*<\/b>\n\n♻️/, since);
    expect(done.text).toMatch(/\n\n♻️ Restored: README\.md\n🗑 Removed: migrations\/001_baptisms\.sql$/);
    // ...and the orchestrator's notification, through the other workflow (in either order).
    const note = await reply(/^↩️ <b>Task 1\/2: Create baptisms migration rolled back: [^<]*Send \/approve to run it again[^<]*<\/b>\n\n📊 Progress/, since);
    expect(note.text).not.toMatch(/Restored:/);
    // The project is as it was before the task.
    expect(await readFile(path.join(project, "README.md"), "utf8")).toBe(README);
    await expect(readFile(path.join(project, "migrations", "001_baptisms.sql"))).rejects.toThrow(/ENOENT/);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 1, current_task: { status: "rolled_back" } });
  });

  it("a long /diff goes as a task-1.diff document, and as text when Telegram will not take it", async () => {
    // Task 1 again, this time with a long change.
    await rm(gate);
    const since = await type("/approve");
    await claudeStarted(2);
    const lines = Array.from({ length: 300 }, (_, i) => `INSERT INTO baptisms VALUES (${i}, 1);`).join("\n");
    await mkdir(path.join(project, "migrations"), { recursive: true });
    await writeFile(path.join(project, "migrations", "002_seed.sql"), `${lines}\n`);
    await writeFile(gate, "");
    await reply(/✅ <b>Task 1\/2.*complete/, since);
    await reply(/✋ <b>/, since);
    // Telegram refuses the document three times: n8n's Telegram node gives up and the text goes instead.
    telegram.failNext("sendDocument", 3, 1);
    const from = await type("/diff 1");
    const text = await reply(/🔍 <b>Task 1: Create baptisms migration<\/b>/, from, CHAT, 45_000);
    expect(text.text).toMatch(/1 file changed \(\+300 −0\): migrations\/002_seed\.sql/);
    expect(text.text).toMatch(/The diff is 30\d lines \([\d.]+ KB\), too long for a message: send <code>orchestrator diff 1<\/code>/);
    expect(text.text).toMatch(/\(Telegram did not take the \.diff file: Too Many Requests: retry after 1\)$/);
    expect(text.text).not.toContain("<pre>");
    // What n8n sent each time: the document upload, with the summary as its HTML caption.
    const tries = telegram.calls("sendDocument");
    expect(tries).toHaveLength(3);
    for (const t of tries) {
      expect(t.params).toMatchObject({ chat_id: String(CHAT), parse_mode: "HTML" });
      expect(String(t.params.caption)).toMatch(/^🔍 <b>Task 1: Create baptisms migration<\/b> \(completed\)\n1 file changed \(\+300 −0\): migrations\/002_seed\.sql\nThe whole diff: 30\d lines, [\d.]+ KB\.$/);
    }
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 2 });
  }, 120_000);

  it("/logs and an unknown command are answered too", async () => {
    const logs = await reply(/📜 <b>Recent Logs<\/b>[\s\S]*<pre>/, await type("/logs 5"));
    expect(logs.text).toMatch(/Full logs: <code>/);
    const help = await reply(/Unknown command <code>\/dance<\/code>/, await type("/dance"));
    expect(help.text).toMatch(/\/approve - run the task waiting for approval/);
  });

  it("serves only the allowed chat, and only Telegram (the secret token)", async () => {
    const since = await type("/skip", STRANGER);
    const hook = telegram.webhook!;
    const forged = await deliverWebhook(hook.url, telegram.createMessageUpdate(CHAT, "/skip"), "not-the-secret");
    expect(forged.status).toBe(403);
    // Another command from the right chat is answered; nothing ever went to the stranger.
    await reply(/Orchestrator Status/, await type("/status"));
    expect(telegram.sent.slice(since).filter((e) => e.chat_id === STRANGER)).toHaveLength(0);
    expect(await orchestratorStatus()).toMatchObject({ status: "waiting_approval", task: 2, progress: { skipped: 0 } });
  });

  it("a notification without the right secret is refused and not sent", async () => {
    const since = telegram.sent.length;
    const body = JSON.stringify({ id: "forged-1", event: "task_completed", type: "success", message: "FORGED" });
    const res = await fetch(`${n8n.url}/webhook/orchestrator-notify`, { method: "POST", headers: { "content-type": "application/json", "X-Webhook-Secret": "wrong" }, body });
    expect(res.status).toBe(401);
    // A right one is sent (proves the path works) and the forged one never was.
    const ok = await fetch(`${n8n.url}/webhook/orchestrator-notify`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Webhook-Secret": SECRET },
      body: JSON.stringify({ id: "manual-1", event: "task_failed", type: "error", message: "Task 9/9: <b>x</b> & y failed.", task: { title: "T", error: "boom <x>", duration_s: 3 }, progress: { done: 1, total: 2, percent: 50 } }),
    });
    expect(ok.status).toBe(200);
    const failed = await reply(/❌ <b>Task 9\/9: &lt;b&gt;x&lt;\/b&gt; &amp; y failed\.<\/b>/, since);
    expect(failed.text).toMatch(/❗ boom &lt;x&gt;/);
    expect(failed.text).toMatch(/\/retry to run it again/);
    expect(telegram.sent.slice(since).some((e) => e.text.includes("FORGED"))).toBe(false);
  });

  it("the daily startup says why the day did not start when the orchestrator refuses", async () => {
    const refused = await reply(/The day did not start/, 0);
    expect(refused.text).toMatch(/A session is active/);
  });

  it("a notification Telegram will not take is answered 503, so the orchestrator sends it again", async () => {
    // The fake fails the next sendMessage calls whoever sends them: start right after a daily
    // startup message, so that nothing else is sent in the next 10 s.
    await reply(/The day did not start/, telegram.sent.length, CHAT, 25_000);
    telegram.failNext("sendMessage", 3, 1);
    const res = await fetch(`${n8n.url}/webhook/orchestrator-notify`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Webhook-Secret": SECRET },
      body: JSON.stringify({ id: "manual-2", event: "session_paused", type: "info", message: "Paused by the test." }),
      signal: AbortSignal.timeout(WAIT),
    });
    // The Telegram node tried 3 times, then its error output answered.
    const refused = telegram.calls("sendMessage").filter((c) => c.error?.startsWith("Too Many Requests"));
    expect(refused.map((c) => String(c.params.text).includes("Paused by the test."))).toEqual([true, true, true]);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "error", error: "telegram_failed" });
  });

  it("when the orchestrator is down, the chat is told so (after 3 tries), by both workflows that call it", async () => {
    expect((await service.stop("SIGTERM")).exitCode).toBe(0);
    const since = await type("/status");
    const down = await reply(/Orchestrator not responding/, since);
    expect(down.text).toMatch(/Tried 3 times: .*(ECONNREFUSED|connect|refused)/i);
    const day = await reply(/The day did not start[\s\S]*did not answer/, since);
    expect(day.text).toMatch(/ECONNREFUSED|connect|refused/i);
  });

  it("every message is HTML without n8n's attribution", () => {
    const ours = telegram.sent.filter((e) => e.chat_id === CHAT);
    expect(ours.length).toBeGreaterThan(8);
    for (const e of ours) {
      expect(e.parse_mode).toBe("HTML");
      expect(e.text).not.toMatch(/sent automatically with/);
    }
  });

  it("stops n8n and its task runner", async () => {
    await n8n.stop();
    expect(n8n.pid === undefined ? false : groupAlive(n8n.pid)).toBe(false);
  }, 30_000);
});
