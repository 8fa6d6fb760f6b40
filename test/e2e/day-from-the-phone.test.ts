/**
 * A day from the phone: the real service process (orchestrator + Express + grammY bot + n8n
 * notifier) with the fake claude, driven through a fake Telegram Bot API server, pushing to a
 * local n8n catcher. The process is killed with SIGKILL mid-task and started again.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { FakeBotApi, FAKE_TOKEN, type SentEntry } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { liveProcesses } from "../support/live-processes.js";
import { groupAlive, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";

const CHAT = 4242;
const SECRET = "phone-day-webhook-secret";

const tasks = `# Tasks for today

## Task 1: Create baptisms migration
**Type:** database
**Description:** Create the migration
**Claude Instruction:**
Create the migration file.

---

## Task 2: Create baptisms server actions
**Type:** backend
**Description:** Server actions
**Claude Instruction:**
Write the actions.
FAKE_CLAUDE: gate

---

## Task 3: Create baptisms UI
**Type:** frontend
**Description:** The list page
**Claude Instruction:**
Build the page.
`;

describe("a day from the phone", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("start, approve, progress, completion, pause, kill -9 mid-task, restart, status, retry, done", async () => {
    const dir = await tempDir("phone-day-");
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await writeFile(path.join(dir, "orchestrator_tasks", `${localDate(new Date())}-tasks.md`), tasks);
    await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: required\n  auto_approve: []\n  checkpoint_after: []\n");
    const gate = path.join(dir, "gate-open");
    const telegram = await FakeBotApi.start();
    cleanups.push(() => telegram.close());
    const n8n = await HttpCatcher.start(200);
    cleanups.push(() => n8n.close());
    const env = {
      TELEGRAM_BOT_TOKEN: FAKE_TOKEN,
      TELEGRAM_CHAT_ID: String(CHAT),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      N8N_NOTIFY_URL: `${n8n.url}/webhook/orchestrator-notify`,
      WEBHOOK_SECRET: SECRET,
      FAKE_CLAUDE_GATE: gate,
    };
    let service: RunningService = await startService(dir, env);
    cleanups.push(() => service.stop("SIGKILL"));

    /** Sends a command from the phone and waits for a reply (a new message) matching `pattern`. */
    const say = async (text: string, pattern: RegExp, method: SentEntry["method"] = "sendMessage"): Promise<SentEntry> => {
      const since = telegram.sent.length;
      telegram.pushMessage(CHAT, text);
      return telegram.waitFor((e) => e.method === method && e.chat_id === CHAT && pattern.test(e.text), 15_000, since);
    };
    const next = (pattern: RegExp, method: SentEntry["method"] = "sendMessage", since = 0) =>
      telegram.waitFor((e) => e.method === method && e.chat_id === CHAT && pattern.test(e.text), 15_000, since);

    // /start loads today's file and lists its tasks.
    const started = await say("/start", /Create baptisms migration[\s\S]*Create baptisms server actions[\s\S]*Create baptisms UI/);
    expect(started.text).toMatch(/3 tasks/);
    let state = await readState(dir);
    expect(state).toMatchObject({ status: "waiting_approval", current_task_index: 0 });

    // /approve runs task 1; its completion is a new message with the progress.
    const mark = telegram.sent.length;
    await say("/approve", /Task 1\/3/);
    const done1 = await next(/Task 1\/3[\s\S]*(complete|Complete)/, "sendMessage", mark);
    expect(done1.text).toMatch(/1\/3 \(33%\)/);
    state = await readState(dir);
    expect(state.tasks[0]?.status).toBe("completed");
    expect(state).toMatchObject({ status: "waiting_approval", current_task_index: 1 });

    // /approve task 2, which works until the gate opens: the progress message is edited.
    const mark2 = telegram.sent.length;
    await say("/approve", /Task 2\/3/);
    await next(/Working, step/, "editMessageText", mark2);
    // /pause while it runs: it keeps running and the session will stop after it.
    await say("/pause", /[Pp]aus/);
    state = await readState(dir);
    expect(state).toMatchObject({ status: "running", pause_requested: true });
    const pgid = state.tasks[1]?.pgid as number;
    expect(pgid).toBeGreaterThan(1);
    // Everything so far reached n8n (and was acknowledged) before the crash.
    await waitFor(async () => ((await readState(dir)).outbox.length === 0 ? true : undefined), 10_000, "an empty outbox");

    // kill -9 mid-task; the claude child survives its parent until the restart ends it.
    await service.stop("SIGKILL");
    expect(groupAlive(pgid)).toBe(true);
    service = await startService(dir, env);
    // Ended before the service took commands; a zombie waiting for PID 1 to reap it is not alive.
    expect(await liveProcesses({ pgid })).toEqual([]);
    state = await readState(dir);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[1]).toMatchObject({ status: "interrupted", attempts: 1 });

    // /status from the phone shows the interrupted task.
    const status = await say("/status", /Status/);
    expect(status.text).toMatch(/[Ii]nterrupted/);
    expect(status.text).toMatch(/Task 2/);

    // /retry runs it again (the gate is open now) and the session goes on.
    await writeFile(gate, "open");
    const mark3 = telegram.sent.length;
    await say("/retry", /Task 2\/3/);
    await next(/Task 2\/3[\s\S]*(complete|Complete)/, "sendMessage", mark3);
    state = await readState(dir);
    expect(state).toMatchObject({ status: "waiting_approval", current_task_index: 2 });
    const mark4 = telegram.sent.length;
    await say("/approve", /Task 3\/3/);
    await next(/(Session|session)[\s\S]*(complete|Complete)|All .*tasks/, "sendMessage", mark4);
    state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => [t.status, t.attempts])).toEqual([
      ["completed", 1],
      ["completed", 2],
      ["completed", 1],
    ]);

    // n8n received every event exactly once by id, with the secret.
    await waitFor(async () => ((await readState(dir)).outbox.length === 0 ? true : undefined), 10_000, "outbox drained");
    const bodies = n8n.requests.map((r) => r.body as { id: string; event: string; type: string });
    const ids = bodies.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    const events = bodies.map((b) => b.event);
    for (const e of ["session_started", "approval_needed", "task_started", "task_completed", "task_interrupted", "session_completed"]) {
      expect(events).toContain(e);
    }
    expect(events.filter((e) => e === "task_completed")).toHaveLength(3);
    expect(events.filter((e) => e === "session_completed")).toHaveLength(1);
    for (const r of n8n.requests) expect(r.headers["x-webhook-secret"]).toBe(SECRET);
    // Sequence numbers carried on across the restart (no id reused, none skipped).
    const seqs = ids.map((id) => Number(id.split("-").at(-1))).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    expect((await service.stop("SIGTERM")).exitCode).toBe(0);
  }, 90_000);
});
