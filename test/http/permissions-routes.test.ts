/**
 * The permission routes over real HTTP on 127.0.0.1, with a real Orchestrator whose runner is the
 * real ClaudeRunner running the fake claude in ask mode: /webhook/permissions lists what waits,
 * /webhook/permission answers it exactly once (409 naming who answered), /webhook/answer answers
 * an AskUserQuestion, /webhook/tell steers, /webhook/revoke drops an "always" rule, and
 * /webhook/status shows waiting_permission meanwhile.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { fakeConfig, readJsonl, tempDir } from "../runner/runner-test-helpers.js";
import { openTestControl } from "../support/open-test-control.js";

type Json = Record<string, any>;

const QUESTION = { questions: [{ question: "Which database?", header: "DB", multiSelect: false, options: [{ label: "PostgreSQL", description: "" }, { label: "SQLite", description: "" }] }] };

/** A task file whose tasks carry these instruction lines (FAKE_CLAUDE_ASK directives). */
function taskFile(...instructions: string[]): string {
  return instructions.map((text, i) => `## Task ${i + 1}: Task number ${i + 1}\n**Type:** backend\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\n${text}\n`).join("\n---\n\n");
}

const askLine = (tool: string, input: object) => `FAKE_CLAUDE_ASK: ${tool} ${JSON.stringify(input)}`;

async function startPermissionHarness(tasks: string) {
  const root = tempDir("perm-http-");
  const work = path.join(root, "work");
  const record = path.join(root, "record");
  await mkdir(work);
  await mkdir(record);
  const clock = new ManualClock();
  const runner = new ClaudeRunner(fakeConfig(work, { permissions: "ask" }), { env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: record }, dropEnv: [] });
  const tc = await openTestControl({ prefix: "orchestrator-perm-http-", clock, runner });
  await writeFile(path.join(tc.tasksDir, "tasks.md"), tasks);
  const secret = randomBytes(16).toString("hex");
  const app = createHttpApp({ control: tc.control, secret, logger: tc.logger, clock, version: "1.2.3", accessLogFile: null });
  const server = await startHttpServer(app, "127.0.0.1", 0);

  async function post(route: string, body: Json = {}): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${server.url}/webhook/${route}`, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": secret }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }
  const until = (pred: (s: SessionState) => boolean) => tc.orchestrator.waitFor(pred, 15_000);
  /** Starts the session and approves task 1; resolves once its first request is pending. */
  async function runToFirstAsk(): Promise<Json> {
    expect((await post("start", { task_file: "tasks.md" })).status).toBe(200);
    expect((await post("approve")).status).toBe(200);
    await until((s) => (s.permissions ?? []).some((p) => p.status === "pending"));
    const list = await post("permissions");
    return list.json.pending[0] as Json;
  }
  const asks = () => readJsonl<Json>(path.join(record, "permissions.jsonl"));
  async function close(): Promise<void> {
    await tc.orchestrator.shutdown();
    await server.close();
    await rm(tc.dir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
  return { work, record, clock, tc, post, until, runToFirstAsk, asks, close };
}

type PermissionHarness = Awaited<ReturnType<typeof startPermissionHarness>>;

describe("the permission routes", () => {
  let h: PermissionHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it("lists the pending request, shows waiting_permission, allows it once (the effect happens), and answers a second time with 409 naming who answered", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const pending = await h.runToFirstAsk();
    const state = h.tc.orchestrator.state;
    const asked = h.clock.now().toISOString();
    expect(pending).toEqual({
      id: `${state.session_id}-p1`,
      task: 1,
      kind: "tool",
      tool: "Bash",
      input: { command: "touch made.txt" },
      description: "touch made.txt", // the fake's own words: the command
      summary: "Bash: touch made.txt",
      always_rule: "Bash(touch *)",
      blocked_path: path.join(h.work, "made.txt"),
      asked_at: asked,
      expires_at: new Date(Date.parse(asked) + 1800_000).toISOString(),
    });
    const list = await h.post("permissions");
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ status: "ok", always_rules: [], message: expect.stringContaining(`${pending.id}: Task 1 wants to run Bash: touch made.txt`) });

    const status = await h.post("status");
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ status: "waiting_permission", task: 1, commands: ["/permissions", "/tell", "/cancel"] });
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(false);

    const allowed = await h.post("permission", { id: pending.id, decision: "allow" });
    expect(allowed.status).toBe(200);
    expect(allowed.json).toMatchObject({ status: "ok", message: "Allowed Bash: touch made.txt.", id: pending.id, decision: "allow" });

    const again = await h.post("permission", { id: pending.id, decision: "deny", by: "Telegram @bob" });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ status: "error", error: "refused", message: `Already answered: allowed by the HTTP API at ${asked}.` });

    const done = await h.until((s) => s.tasks[0]?.status === "completed");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(true);
    expect(done.permissions?.[0]).toMatchObject({ status: "allowed", answered_by: "the HTTP API" });
    expect(h.asks()).toMatchObject([{ tool: "Bash", asked: true, response: { behavior: "allow" } }]);
    expect((await h.post("permissions")).json).toMatchObject({ pending: [], message: expect.stringMatching(/^No permission request is waiting\./) });
  });

  it("a bad decision is 400 naming the valid ones; a missing id is 400; an unknown id is refused", async () => {
    h = await startPermissionHarness(taskFile("nothing to ask"));
    const bad = await h.post("permission", { id: "x-p1", decision: "maybe" });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ status: "error", error: "bad_request", message: '"decision" must be one of allow, always, deny, stop (got "maybe").' });
    const noId = await h.post("permission", { decision: "allow" });
    expect(noId.status).toBe(400);
    expect(noId.json.message).toMatch(/^Send "id"/);
    const unknown = await h.post("permission", { id: "x-p1", decision: "allow" });
    expect(unknown.status).toBe(409);
    expect(unknown.json.message).toBe("No permission request x-p1 in this session. Send /permissions to see the pending ones.");
  });

  it("concurrent answers: exactly one is applied, the others hear who was first; the CLI gets one answer", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const pending = await h.runToFirstAsk();
    const answers = await Promise.all([
      h.post("permission", { id: pending.id, decision: "allow", by: "HTTP one" }),
      h.post("permission", { id: pending.id, decision: "deny", by: "HTTP two" }),
      h.post("permission", { id: pending.id, decision: "always", by: "HTTP three" }),
      h.post("permission", { id: pending.id, decision: "stop", by: "HTTP four" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = h.tc.orchestrator.state.permissions?.[0]?.answered_by;
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.message).toContain(`by ${winner} at`);
    await h.until((s) => s.tasks[0]?.status !== "running");
    expect(h.asks().filter((a) => a.asked)).toHaveLength(1);
  });

  it("deny with a message: Claude reads it, nothing is done, the task still completes", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const pending = await h.runToFirstAsk();
    const denied = await h.post("permission", { id: pending.id, decision: "deny", message: "use the scratch folder" });
    expect(denied.status).toBe(200);
    const done = await h.until((s) => s.tasks[0]?.status === "completed");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(false);
    expect(h.asks()).toMatchObject([{ response: { behavior: "deny", message: "use the scratch folder" } }]);
    expect(done.tasks[0]?.permission_denials).toEqual(["Bash"]);
  });

  it("stop: the task ends interrupted with who stopped it, and the session waits", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const pending = await h.runToFirstAsk();
    expect((await h.post("permission", { id: pending.id, decision: "stop", by: "Telegram @ana" })).status).toBe(200);
    const s = await h.until((st) => st.tasks[0]?.status === "interrupted");
    expect(s.tasks[0]?.error).toBe("stopped by Telegram @ana when asked to run Bash: touch made.txt");
    expect(s.status).toBe("waiting_approval");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(false);
    expect((await h.post("status")).json).toMatchObject({ status: "waiting_approval" });
  });

  it("a request that expired (the task was cancelled while it waited) answers 409 saying so; the status leaves waiting_permission", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const pending = await h.runToFirstAsk();
    const cancel = await h.post("cancel", { by: "Telegram @ana" });
    expect(cancel.status).toBe(200);
    const s = await h.until((st) => st.tasks[0]?.status === "interrupted");
    expect(s.tasks[0]?.error).toBe("cancelled by Telegram @ana");
    const late = await h.post("permission", { id: pending.id, decision: "allow" });
    expect(late.status).toBe(409);
    expect(late.json.message).toBe("Expired: the run ended before it was answered.");
    expect((await h.post("status")).json.status).toBe("waiting_approval");
    expect(existsSync(path.join(h.work, "made.txt"))).toBe(false);
  });

  it("always: the rule is listed, a later task's same call is not asked; /webhook/revoke drops it", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch one.txt" }), askLine("Bash", { command: "touch two.txt" })));
    const pending = await h.runToFirstAsk();
    expect((await h.post("permission", { id: pending.id, decision: "always" })).status).toBe(200);
    await h.until((s) => s.tasks[0]?.status === "completed");
    expect((await h.post("permissions")).json).toMatchObject({ pending: [], always_rules: ["Bash(touch *)"] });
    expect((await h.post("approve")).status).toBe(200);
    const done = await h.until((s) => s.tasks[1]?.status === "completed");
    expect(existsSync(path.join(h.work, "two.txt"))).toBe(true);
    expect((done.permissions ?? []).map((p) => p.id)).toEqual([pending.id]);
    expect(h.asks().map((a) => [a.input.command, a.asked, a.allowed_by ?? null])).toEqual([
      ["touch one.txt", true, null],
      ["touch two.txt", false, "Bash(touch *)"],
    ]);
    const revoked = await h.post("revoke", { rule: "Bash(touch *)" });
    expect(revoked.status).toBe(200);
    expect((await h.post("permissions")).json.always_rules).toEqual([]);
    expect((await h.post("revoke", { rule: "Bash(touch *)" })).status).toBe(409);
  });

  it("/webhook/answer answers an AskUserQuestion: the answer reaches Claude; /webhook/permission cannot answer it", async () => {
    h = await startPermissionHarness(taskFile(askLine("AskUserQuestion", QUESTION)));
    const pending = await h.runToFirstAsk();
    expect(pending).toMatchObject({ kind: "question", tool: "AskUserQuestion", summary: "Which database?", input: QUESTION });
    expect((await h.post("status")).json.status).toBe("waiting_permission");
    const allow = await h.post("permission", { id: pending.id, decision: "allow" });
    expect(allow.status).toBe(409);
    expect(allow.json.message).toBe(`${pending.id} is a question: answer it with answers (question -> option or text), or deny it.`);
    const bad = await h.post("answer", { id: pending.id, answers: { "Which database?": 2 } });
    expect(bad.status).toBe(400);

    const answered = await h.post("answer", { id: pending.id, answers: { "Which database?": "SQLite" } });
    expect(answered.status).toBe(200);
    expect(answered.json).toMatchObject({ status: "ok", message: "Answered: SQLite", id: pending.id });
    const done = await h.until((s) => s.tasks[0]?.status === "completed");
    expect(done.tasks[0]?.summary).toContain('answers: {"Which database?":"SQLite"}');
    const again = await h.post("answer", { id: pending.id, answers: { "Which database?": "PostgreSQL" } });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/^Already answered: answered by the HTTP API at /);
  });

  it("/webhook/tell: 409 when nothing runs, 400 without text, and while a task runs the text reaches Claude", async () => {
    h = await startPermissionHarness(taskFile(askLine("Bash", { command: "touch made.txt" })));
    const idle = await h.post("tell", { text: "hello" });
    expect(idle.status).toBe(409);
    expect(idle.json).toMatchObject({ status: "error", error: "refused", message: "Nothing to tell: no task is running. Send /status to see where things stand." });
    expect((await h.post("tell", {})).status).toBe(400);

    const pending = await h.runToFirstAsk();
    const told = await h.post("tell", { text: "use the other table" });
    expect(told.status).toBe(200);
    expect(told.json.message).toBe("Sent to Task 1/1's Claude; it reads it on its next turn.");
    expect((await h.post("permission", { id: pending.id, decision: "allow" })).status).toBe(200);
    const done = await h.until((s) => s.tasks[0]?.status === "completed");
    expect(done.tasks[0]?.summary).toContain("told: use the other table");
    // Finished: nothing runs any more.
    expect((await h.post("tell", { text: "too late" })).status).toBe(409);
  });
});
