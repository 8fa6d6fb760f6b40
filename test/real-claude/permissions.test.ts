/**
 * Claude's tool calls and questions answered by a person, with the real Claude Code CLI: the
 * service (`orchestrator serve`, claude.permissions: ask, no allowed_tools and no permission_mode)
 * runs the pinned CLI against the mock Messages API, and each request is answered over HTTP as
 * n8n or a phone would. In the CLI's default mode a command that changes something (`touch`,
 * `git tag`) is asked; read-only ones (`ls`) are not.
 *
 * The 60-second hold (no watchdog fires while Claude waits for a person) starts first and runs
 * beside the others, so the file takes about as long as the hold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PendingPermission } from "../../src/control/control-types.js";
import { PARKED_PROMPT } from "../../src/core/draft.js";
import type { SessionState } from "../../src/core/state.js";
import {
  bash, delayed, lastUserText, requestText, say, type ContentBlock, type MessagesRequest, type RecordedRequest, type Step,
} from "../fixtures/mock-messages-api/mock-messages-api.js";
import { readState } from "../support/run-orchestrator-bin.js";
import { groupMembers, logLines, realProject, resultLines, taskMd, type RealProject } from "./real-claude-harness.js";
import { serveProject, type RealService } from "./real-claude-service.js";

/** Ask mode with nothing pre-approved (the harness's allowed_tools and permission_mode left out). */
const ASK = { permissions: "ask", allowed_tools: null, permission_mode: null };
/** Tasks run one after another, no approval between them. */
const AUTO = ["  approval_mode: auto", "  checkpoint_after: []"];
const HTTP = "the HTTP API";
const HOLD_S = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `E2E_FIGURES=1` prints the figures (ask and answer latencies, the hold) at the end. */
const figures: string[] = [];
afterAll(() => {
  if (process.env.E2E_FIGURES) process.stdout.write(`permissions.test.ts figures:\n${figures.join("\n")}\n`);
});

interface Served {
  p: RealProject;
  s: RealService;
  /** The session's state as saved (state.json in the work folder). */
  state(): Promise<SessionState>;
}

/** A project served by `orchestrator serve`; `cleanups` stops and removes it. */
async function served(tasks: string, claude: Record<string, string | number | null>, cleanups: Array<() => Promise<void>>): Promise<Served> {
  const p = await realProject(tasks, { claude: { ...ASK, ...claude }, orchestrator: AUTO, paths: { tasks_dir: "." } });
  cleanups.push(() => p.close());
  const s = await serveProject(p);
  cleanups.push(() => s.stop());
  return { p, s, state: () => readState(p.work) };
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Every tool_result block of a request, in order. */
function resultBlocks(body: MessagesRequest | null): ContentBlock[] {
  return (body?.messages ?? []).flatMap((m) => (typeof m.content === "string" ? [] : m.content.filter((b) => b.type === "tool_result")));
}

const blockText = (b: ContentBlock | undefined): string => (typeof b?.content === "string" ? b.content : (b?.content ?? []).map((c) => c.text ?? "").join("\n"));

/** The control_request lines the CLI printed in a task log (its permission asks), as the runner saw them. */
async function asksInLog(file: string): Promise<{ request_id: string; tool: string; input: Record<string, unknown> }[]> {
  return (await logLines(file))
    .filter((l) => l.type === "control_request")
    .map((l) => {
      const r = l.request as { tool_name: string; input: Record<string, unknown> };
      return { request_id: l.request_id as string, tool: r.tool_name, input: r.input };
    });
}

/** The CLI's process group while the task runs (state.json records it at spawn). */
async function cliGroup(x: Served, index = 0): Promise<number> {
  const pgid = (await x.state()).tasks[index]?.pgid;
  if (typeof pgid !== "number") throw new Error(`task ${index + 1} has no process group in the state`);
  return pgid;
}

/** The argv of the CLI process (its pid is its group's id), from /proc while it runs. */
function cliArgv(pgid: number): string[] {
  return readFileSync(`/proc/${pgid}/cmdline`, "utf8").split("\0").filter(Boolean);
}

/** The value after `flag` in an argv, or null. */
function flagValue(argv: string[], flag: string): string | null {
  const i = argv.indexOf(flag);
  return i >= 0 ? (argv[i + 1] ?? null) : null;
}

/** Milliseconds from the mock answering with a tool_use to the request being listed as asked. */
function askLatency(conversation: RecordedRequest[], asked: PendingPermission): number {
  const toolUse = conversation.filter((r) => r.answer.startsWith("tool_use:")).at(-1);
  return Date.parse(asked.asked_at) - (toolUse?.answered_at ?? NaN);
}

/** POSTs an answer; resolves with the HTTP answer and how long until the model's next request arrived. */
async function answerAndTime(x: Served, marker: string, route: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown>; toModelMs: number }> {
  const before = x.p.api.conversation(marker).length;
  const sent = Date.now();
  const answer = await x.s.post(route, body);
  const next = await x.p.api.waitFor((r) => r.script === marker && x.p.api.conversation(marker).indexOf(r) >= before, 20_000, "the model's next request");
  return { ...answer, toModelMs: next.received_at - sent };
}

const exists = (p: RealProject, file: string) => existsSync(path.join(p.repo, file));

/**
 * The hold: a request left unanswered for 60 s with claude.timeout and idle_timeout at 20 s (and the
 * reminder due at 50 s of a 100 s permission_timeout), then allowed. Started before the other tests;
 * the last test checks what it saw.
 */
interface HoldSeen {
  x: Served;
  asked: PendingPermission;
  /** At 25 s and 45 s of waiting (past both watchdogs): the API status, the CLI's group, result lines so far. */
  checks: { at_s: number; status: string; group: number[]; results: number }[];
  pgid: number;
  answeredAfterMs: number;
  final: SessionState;
}
const HOLD_MARKER = "PERM-HOLD: create held.txt";
const holdCleanups: Array<() => Promise<void>> = [];
let hold: Promise<HoldSeen>;

async function runHold(): Promise<HoldSeen> {
  const x = await served(taskMd(1, "Hold", HOLD_MARKER, ["held.txt exists"]), { timeout: 20, idle_timeout: 20, permission_timeout: 100 }, holdCleanups);
  x.p.api.script(HOLD_MARKER, [bash("touch held.txt", "Create held.txt"), say("Created held.txt.")]);
  expect((await x.s.post("start", { task_file: "tasks.md" })).status).toBe(200);
  const asked = await x.s.untilAsked();
  const askedAt = Date.parse(asked.asked_at);
  const pgid = await cliGroup(x);
  const checks: HoldSeen["checks"] = [];
  for (const at of [25, 45]) {
    await sleep(askedAt + at * 1000 - Date.now());
    const task = (await x.state()).tasks[0];
    checks.push({ at_s: at, status: (await x.s.status()).status, group: groupMembers(pgid), results: task.output_log ? (await resultLines(task.output_log)).length : -1 });
  }
  await sleep(askedAt + HOLD_S * 1000 - Date.now());
  const answer = await x.s.post("permission", { id: asked.id, decision: "allow" });
  const answeredAfterMs = Date.now() - askedAt;
  expect(answer.status).toBe(200);
  await x.s.untilStatus("completed", 30_000);
  return { x, asked, checks, pgid, answeredAfterMs, final: await x.state() };
}

beforeAll(() => {
  hold = runHold();
  hold.catch(() => undefined); // awaited (and failing) in its own test
});
afterAll(async () => {
  await hold.catch(() => undefined);
  for (const c of holdCleanups.reverse()) await c();
});

describe("permission requests of the real Claude Code CLI, answered over HTTP (orchestrator serve, claude.permissions: ask)", () => {
  it("asks before a Bash command runs, lists it on /webhook/permissions, and runs it once allowed over HTTP (exactly one answer)", async () => {
    const marker = "PERM-ALLOW: create allowed.txt";
    const x = await served(taskMd(1, "Allow", marker, ["allowed.txt exists"]), {}, cleanups);
    x.p.api.script(marker, [bash("touch allowed.txt", "Create allowed.txt"), say("Created allowed.txt.")]);
    expect((await x.s.post("start", { task_file: "tasks.md" })).status).toBe(200);

    const asked = await x.s.untilAsked();
    const session = (await x.state()).session_id as string;
    expect(await x.s.pending()).toEqual([
      {
        id: `${session}-p1`,
        task: 1,
        kind: "tool",
        tool: "Bash",
        input: { command: "touch allowed.txt", description: "Create allowed.txt" },
        description: "Create allowed.txt",
        summary: "Bash: touch allowed.txt",
        // The CLI's own suggestion for a command like this one: the exact command.
        always_rule: "Bash(touch allowed.txt)",
        blocked_path: path.join(x.p.repo, "allowed.txt"),
        asked_at: expect.any(String),
        expires_at: new Date(Date.parse(asked.asked_at) + 1800_000).toISOString(),
      },
    ]);
    const waiting = await x.s.status();
    expect(waiting).toMatchObject({ status: "waiting_permission", commands: ["/permissions", "/tell", "/cancel"], current_task: { status: "running" } });
    expect(waiting.message).toContain(`Asks (${asked.id}): may it run Bash: touch allowed.txt?`);
    // Nothing ran yet, and the model has not been sent anything since its tool_use: the CLI waits.
    expect(exists(x.p, "allowed.txt")).toBe(false);
    expect(x.p.api.conversation(marker)).toHaveLength(1);
    // What the CLI sent, in the task log, is the request recorded (the same request_id).
    const pendingState = await x.state();
    expect(await asksInLog(pendingState.tasks[0].output_log as string)).toEqual([
      { request_id: pendingState.permissions?.[0]?.request_id, tool: "Bash", input: { command: "touch allowed.txt", description: "Create allowed.txt" } },
    ]);
    const pgid = await cliGroup(x);
    // The permission channel, and nothing pre-approved.
    const argv = cliArgv(pgid);
    expect([flagValue(argv, "--input-format"), flagValue(argv, "--permission-prompt-tool")]).toEqual(["stream-json", "stdio"]);
    expect(argv).not.toContain("--allowedTools");
    expect(argv).not.toContain("--permission-mode");

    const allowed = await answerAndTime(x, marker, "permission", { id: asked.id, decision: "allow" });
    expect(allowed).toMatchObject({ status: 200, json: { status: "ok", message: "Allowed Bash: touch allowed.txt.", id: asked.id, decision: "allow" } });
    figures.push(`allow: tool_use -> listed as asked ${askLatency(x.p.api.conversation(marker), asked)} ms; HTTP allow -> the model's next request ${allowed.toModelMs} ms`);
    // A second answer (another surface, a second press) changes nothing and says who was first.
    const again = await x.s.post("permission", { id: asked.id, decision: "deny" });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/^Already answered: allowed by the HTTP API at \d{4}-\d\d-\d\dT/);

    await x.s.untilStatus("completed");
    expect(exists(x.p, "allowed.txt")).toBe(true);
    const state = await x.state();
    expect(state.tasks[0]).toMatchObject({ status: "completed", result: "success", summary: "Created allowed.txt.", error: null, permission_denials: [] });
    expect(state.tasks[0].files_changed).toEqual([{ path: "allowed.txt", status: "added", insertions: 0, deletions: 0 }]);
    expect(state.permissions).toEqual([expect.objectContaining({ id: asked.id, status: "allowed", answered_by: HTTP, tool: "Bash" })]);
    expect(await x.s.pending()).toEqual([]);
    // The model got the command's real result, once.
    const calls = x.p.api.conversation(marker);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:Bash", "text"]);
    expect(resultBlocks(calls[1].body).map((b) => [blockText(b), b.is_error])).toEqual([["(Bash completed with no output)", false]]);
    // n8n heard of the request (its id, tool and input) and of the answer.
    const notes = x.s.notifications().filter((n) => n.event.startsWith("permission_"));
    expect(notes.map((n) => [n.event, n.message, n.permission?.id, n.permission?.input])).toEqual([
      ["permission_requested", "🔐 Task 1/1: Allow wants to run Bash: touch allowed.txt", asked.id, asked.input],
      ["permission_answered", "✅ Task 1/1: Allow: Bash: touch allowed.txt allowed by the HTTP API.", asked.id, asked.input],
    ]);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it("denied with a message: the command never runs, and the model's next request carries the message as the tool_result", async () => {
    const marker = "PERM-DENY: create denied.txt";
    const message = "Not in this repository: put the plan in your answer instead.";
    const x = await served(taskMd(1, "Deny", marker, ["denied.txt is not created"]), {}, cleanups);
    x.p.api.script(marker, [bash("touch denied.txt", "Create denied.txt"), say("Understood: I did not create denied.txt.")]);
    await x.s.post("start", { task_file: "tasks.md" });
    const asked = await x.s.untilAsked();

    const denied = await answerAndTime(x, marker, "permission", { id: asked.id, decision: "deny", message });
    expect(denied).toMatchObject({ status: 200, json: { message: "Denied Bash: touch denied.txt." } });
    figures.push(`deny: HTTP deny -> the model's next request ${denied.toModelMs} ms`);
    await x.s.untilStatus("completed");

    expect(exists(x.p, "denied.txt")).toBe(false);
    const calls = x.p.api.conversation(marker);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:Bash", "text"]);
    // The person's words, as they typed them, are the tool's result, marked as an error.
    expect(resultBlocks(calls[1].body).map((b) => [blockText(b), b.is_error])).toEqual([[message, true]]);
    const state = await x.state();
    expect(state.tasks[0]).toMatchObject({ status: "completed", summary: "Understood: I did not create denied.txt.", permission_denials: ["Bash"] });
    expect(state.tasks[0].files_changed).toEqual([]);
    expect(state.permissions?.[0]).toMatchObject({ status: "denied", answered_by: HTTP, message });
    expect(x.s.notifications().find((n) => n.event === "permission_answered")?.message).toBe(`🚫 Task 1/1: Deny: Bash: touch denied.txt denied by the HTTP API: ${message}`);
  });

  it('"always" answers one request; the same rule then covers the rest of that run and a later task (--allowedTools), while other calls are still asked', async () => {
    const first = "PERM-ALWAYS-FIRST: tag the repository twice";
    const second = "PERM-ALWAYS-SECOND: tag it once more, then create after-rule.txt";
    const x = await served(taskMd(1, "Tag twice", first, ["two tags"]) + taskMd(2, "Tag again", second, ["a third tag", "after-rule.txt exists"]), {}, cleanups);
    x.p.api.script(first, [bash("git tag always-1", "Tag"), bash("git tag always-1b", "Tag again"), say("Tagged twice.")]);
    x.p.api.script(second, [bash("git tag always-2", "Tag once more"), bash("touch after-rule.txt", "Create after-rule.txt"), say("Tagged and created after-rule.txt.")]);
    await x.s.post("start", { task_file: "tasks.md" });

    const asked = await x.s.untilAsked();
    // The CLI suggests a prefix rule for git tag: that is what "always" allows.
    expect(asked).toMatchObject({ task: 1, input: { command: "git tag always-1" }, always_rule: "Bash(git tag *)" });
    const always = await x.s.post("permission", { id: asked.id, decision: "always" });
    expect(always).toMatchObject({ status: 200, json: { message: "Allowed Bash: git tag always-1, and Bash(git tag *) for the rest of the session." } });

    // Task 2's git tag is not asked; its touch (no rule covers it) is.
    const later = await x.s.untilAsked((p) => p.task === 2);
    expect(later).toMatchObject({ tool: "Bash", input: { command: "touch after-rule.txt" } });
    // Task 2's CLI was started with the session's rule.
    expect(flagValue(cliArgv(await cliGroup(x, 1)), "--allowedTools")).toBe("Bash(git tag *)");
    expect((await x.s.post("permission", { id: later.id, decision: "allow" })).status).toBe(200);
    await x.s.untilStatus("completed");

    const state = await x.state();
    expect(state.tasks.map((t) => [t.status, t.summary])).toEqual([
      ["completed", "Tagged twice."],
      ["completed", "Tagged and created after-rule.txt."],
    ]);
    expect((await execa("git", ["tag", "--list"], { cwd: x.p.repo })).stdout.split("\n")).toEqual(["always-1", "always-1b", "always-2"]);
    expect(exists(x.p, "after-rule.txt")).toBe(true);
    // Two requests in all: git tag always-1b (same run, updatedPermissions) and always-2 (later run) were never asked.
    expect(state.permissions?.map((p) => [p.index + 1, p.input.command, p.status, p.message])).toEqual([
      [1, "git tag always-1", "always", "Bash(git tag *)"],
      [2, "touch after-rule.txt", "allowed", null],
    ]);
    expect(state.always_rules).toEqual(["Bash(git tag *)"]);
    expect((await x.s.post("permissions")).json.always_rules).toEqual(["Bash(git tag *)"]);
    // The CLI itself asked only those two (its logs), and the tags the rule let through really ran.
    expect((await asksInLog(state.tasks[0].output_log as string)).map((a) => a.input.command)).toEqual(["git tag always-1"]);
    expect((await asksInLog(state.tasks[1].output_log as string)).map((a) => a.input.command)).toEqual(["touch after-rule.txt"]);
    const tagged = x.p.api.conversation(second)[1];
    expect(resultBlocks(tagged.body).map((b) => [blockText(b), b.is_error])).toEqual([["(Bash completed with no output)", false]]);
  });

  it("an AskUserQuestion is answered over /webhook/answer (an option and free text), and the model reads the answers in the tool_result", async () => {
    const marker = "PERM-QUESTION: ask how greet() should greet";
    const q1 = "Which greeting should greet() use?";
    const q2 = "Who is greeted when no name is given?";
    const questions = [
      { question: q1, header: "Greeting", options: [{ label: "Hello", description: "Hello, <name>!" }, { label: "Hi", description: "Hi, <name>!" }], multiSelect: false },
      { question: q2, header: "Default", options: [{ label: "World", description: "Hello, World!" }, { label: "Nobody", description: "an error" }], multiSelect: false },
    ];
    const x = await served(taskMd(1, "Question", marker, ["the greeting is chosen"]), {}, cleanups);
    x.p.api.script(marker, [{ tool: "AskUserQuestion", input: { questions } }, say("I will use Hi, and greet the whole team by default.")]);
    await x.s.post("start", { task_file: "tasks.md" });

    const asked = await x.s.untilAsked();
    expect(asked).toMatchObject({ kind: "question", tool: "AskUserQuestion", input: { questions }, summary: q1, description: null, blocked_path: null });
    expect((await x.s.status()).status).toBe("waiting_permission");
    expect(x.s.notifications().find((n) => n.event === "question_asked")?.message).toBe(`❓ Task 1/1: Question: Claude asks: ${q1}`);
    // A question wants answers: a bare allow is refused and changes nothing.
    const bare = await x.s.post("permission", { id: asked.id, decision: "allow" });
    expect(bare.status).toBe(409);
    expect(bare.json.message).toBe(`${asked.id} is a question: answer it with answers (question -> option or text), or deny it.`);
    expect(await x.s.pending()).toHaveLength(1);

    const answers = { [q1]: "Hi", [q2]: "the whole team" };
    const answered = await answerAndTime(x, marker, "answer", { id: asked.id, answers });
    expect(answered).toMatchObject({ status: 200, json: { message: "Answered: Hi; the whole team" } });
    figures.push(`answer: HTTP answer -> the model's next request ${answered.toModelMs} ms`);
    await x.s.untilStatus("completed");

    const calls = x.p.api.conversation(marker);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:AskUserQuestion", "text"]);
    const [result] = resultBlocks(calls[1].body);
    // With a free-text answer among them the CLI words it so (options only: "Your questions have been answered: …").
    expect(blockText(result)).toBe(
      `The user answered: "${q1}"="Hi", "${q2}"="the whole team". Read the answers carefully — they may request clarification, changes, or that you not proceed — and follow what they actually say.`,
    );
    expect(result.is_error).not.toBe(true);
    const state = await x.state();
    expect(state.permissions?.[0]).toMatchObject({ kind: "question", status: "answered", answered_by: HTTP, answers });
    expect(state.tasks[0]).toMatchObject({ status: "completed", summary: "I will use Hi, and greet the whole team by default." });
  });

  it("/tell text reaches the model in its next request: said while Claude waits for a permission, and while a model request is in flight", async () => {
    const marker = "PERM-TELL: create told.txt";
    const waitingText = "TELL-WHILE-WAITING: told.txt is the right name";
    const workingText = "TELL-WHILE-WORKING: say done when finished";
    const x = await served(taskMd(1, "Tell", marker, ["told.txt exists"]), {}, cleanups);
    // `ls` is read-only: the CLI runs it without asking. Its request is answered after 2 s, the time to tell.
    x.p.api.script(marker, [bash("touch told.txt", "Create told.txt"), delayed(2000, bash("ls", "List the files")), say("Done: told.txt exists.")]);
    await x.s.post("start", { task_file: "tasks.md" });

    const asked = await x.s.untilAsked();
    const told = await x.s.post("tell", { text: waitingText });
    expect(told).toMatchObject({ status: 200, json: { message: "Sent to Task 1/1's Claude; it reads it on its next turn." } });
    await x.s.post("permission", { id: asked.id, decision: "allow" });
    // The request after the answer is in flight (2 s): tell again.
    const inFlight = await x.p.api.waitFor((r) => r.script === marker && x.p.api.conversation(marker).indexOf(r) === 1, 20_000, "the second model request");
    expect(inFlight.answered_at).toBeNull();
    expect((await x.s.post("tell", { text: workingText })).status).toBe(200);
    await x.s.untilStatus("completed");

    const calls = x.p.api.conversation(marker);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:Bash", "tool_use:Bash", "text"]);
    const texts = calls.map((c) => requestText(c.body));
    expect(texts.map((t) => [t.includes(waitingText), t.includes(workingText)])).toEqual([
      [false, false],
      [true, false], // with the tool_result of the allowed touch
      [true, true], // the next one after the tell in flight
    ]);
    expect(exists(x.p, "told.txt")).toBe(true);
    // Nothing runs any more: nobody to tell.
    const late = await x.s.post("tell", { text: "anyone there?" });
    expect(late.status).toBe(409);
    expect(late.json.message).toBe("Nothing to tell: no task is running. Send /status to see where things stand.");
  });

  it('"stop" denies the call and ends the task interrupted; the CLI is gone and the model is sent nothing more', async () => {
    const marker = "PERM-STOP: create stopped.txt";
    const x = await served(taskMd(1, "Stop", marker, ["stopped.txt exists"]), {}, cleanups);
    x.p.api.script(marker, [bash("touch stopped.txt", "Create stopped.txt"), say("Created stopped.txt.")]);
    await x.s.post("start", { task_file: "tasks.md" });
    const asked = await x.s.untilAsked();
    const pgid = await cliGroup(x);

    const stopped = await x.s.post("permission", { id: asked.id, decision: "stop" });
    expect(stopped).toMatchObject({ status: 200, json: { message: "Stopping Task 1/1: Bash: touch stopped.txt denied." } });
    const waiting = await x.s.untilStatus("waiting_approval", 20_000);
    const reason = "stopped by the HTTP API when asked to run Bash: touch stopped.txt";
    expect(waiting.waiting_reason).toBe(reason);
    const task = (await x.state()).tasks[0];
    expect(task).toMatchObject({ status: "interrupted", result: "interrupted", error: reason, pid: null });
    expect(exists(x.p, "stopped.txt")).toBe(false);
    expect(x.p.api.conversation(marker)).toHaveLength(1);
    // The CLI ended the run itself (deny with interrupt), before any watchdog or signal.
    expect((await resultLines(task.output_log as string)).map((r) => [r.subtype, r.is_error])).toEqual([["error_during_execution", true]]);
    expect(groupMembers(pgid)).toEqual([]);
    expect((await x.state()).permissions?.[0]).toMatchObject({ status: "stopped", answered_by: HTTP });
    expect(x.s.notifications().find((n) => n.event === "task_interrupted")?.message).toBe(`⏹ Task 1/1: Stop: ${reason}. Send /retry to run it again, or /skip.\nno files changed`);
  });

  it("unanswered for permission_timeout (4 s): reminded halfway, then the task is parked; /retry resumes the same Claude session and asks again", async () => {
    const marker = "PERM-PARK: create parked.txt";
    const x = await served(taskMd(1, "Park", marker, ["parked.txt exists"]), { permission_timeout: 4 }, cleanups);
    // By what the model reads: the parked prompt (after /retry) asks again; a successful result ends it.
    x.p.api.script(marker, (req: MessagesRequest): Step => {
      if (lastUserText(req).includes(PARKED_PROMPT)) return bash("touch parked.txt", "Create parked.txt");
      const last = resultBlocks(req).at(-1);
      return last && !last.is_error ? say("Created parked.txt after the retry.") : bash("touch parked.txt", "Create parked.txt");
    });
    await x.s.post("start", { task_file: "tasks.md" });
    const first = await x.s.untilAsked();
    const pgid = await cliGroup(x);

    const parked = await x.s.untilStatus("waiting_approval", 20_000);
    const reason = "waited 4 s for permission to run Bash: touch parked.txt";
    expect(parked.waiting_reason).toBe(reason);
    let state = await x.state();
    const session = state.tasks[0].claude_session_id as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", error: reason, resume_on_retry: true });
    const waitedMs = Date.parse(state.tasks[0].completed_at as string) - Date.parse(first.asked_at);
    expect(waitedMs).toBeGreaterThanOrEqual(4000);
    expect(waitedMs).toBeLessThan(4000 + 5000);
    figures.push(`timeout: asked -> task parked ${waitedMs} ms (permission_timeout 4 s)`);
    expect(state.permissions?.[0]).toMatchObject({ id: first.id, status: "expired", message: "no answer within 4 s", reminded: true });
    expect(exists(x.p, "parked.txt")).toBe(false);
    expect(groupMembers(pgid)).toEqual([]);
    const notes = x.s.notifications().map((n) => [n.event, n.message]);
    expect(notes).toEqual(expect.arrayContaining([
      ["permission_requested", "⏰ Still waiting: Task 1/1: Park wants to run Bash: touch parked.txt. Unanswered, it is denied and the task parked in 2 s."],
      ["permission_expired", `⌛ Task 1/1: Park: ${reason}; it is parked. Send /retry to continue it (the same Claude session; it asks again).`],
    ]));
    // A late answer to the expired request does nothing.
    const late = await x.s.post("permission", { id: first.id, decision: "allow" });
    expect(late.status).toBe(409);
    expect(late.json.message).toBe("Expired: no answer within 4 s.");
    expect(x.p.api.conversation(marker)).toHaveLength(1);

    expect((await x.s.post("retry")).status).toBe(200);
    const again = await x.s.untilAsked();
    expect(again).toMatchObject({ id: `${state.session_id}-p2`, task: 1, tool: "Bash", input: first.input });
    expect(flagValue(cliArgv(await cliGroup(x)), "--resume")).toBe(session);
    expect((await x.s.post("permission", { id: again.id, decision: "allow" })).status).toBe(200);
    await x.s.untilStatus("completed");

    state = await x.state();
    expect(state.tasks[0]).toMatchObject({ status: "completed", attempts: 2, claude_session_id: session, summary: "Created parked.txt after the retry." });
    expect(exists(x.p, "parked.txt")).toBe(true);
    // One Claude session over both runs (--resume): the same id at each start, the old conversation resent.
    const lines = await logLines(state.tasks[0].output_log as string);
    expect(lines.filter((l) => l.type === "system" && l.subtype === "init").map((l) => l.session_id)).toEqual([session, session]);
    expect((await resultLines(state.tasks[0].output_log as string)).map((r) => r.subtype)).toEqual(["error_during_execution", "success"]);
    const resumed = x.p.api.conversation(marker)[1];
    expect(lastUserText(resumed.body)).toContain(PARKED_PROMPT);
    expect(requestText(resumed.body).split(`## Instruction\n${marker}`)).toHaveLength(2); // the task prompt once, from the history
    expect(requestText(resumed.body)).toContain("touch parked.txt");
    // The expired call, as the CLI keeps it after a deny with interrupt: refused and interrupted (its
    // own words; the deny message sent with the interrupt is not what the model reads).
    expect(resultBlocks(resumed.body).map((b) => b.is_error)).toEqual([true]);
    expect(requestText(resumed.body)).toContain("[Request interrupted by user for tool use]");
    expect(state.permissions?.map((p) => [p.id, p.attempt, p.status])).toEqual([
      [first.id, 1, "expired"],
      [again.id, 2, "allowed"],
    ]);
  });

  it(`holds a request open for ${HOLD_S} s with claude.timeout and idle_timeout at 20 s: no watchdog fires, and the task completes once allowed`, async () => {
    const seen = await hold;
    const { x, asked, checks, pgid, answeredAfterMs, final } = seen;
    figures.push(`hold: answered after ${answeredAfterMs} ms; checks ${JSON.stringify(checks.map((c) => [c.at_s, c.status, c.group.length, c.results]))}`);
    // Past both watchdogs, twice: still waiting, the CLI alive, no result yet.
    for (const check of checks) {
      expect(check.status).toBe("waiting_permission");
      expect(check.group.length).toBeGreaterThan(0);
      expect(check.results).toBe(0);
    }
    expect(answeredAfterMs).toBeGreaterThanOrEqual(HOLD_S * 1000);
    expect(final.tasks[0]).toMatchObject({ status: "completed", result: "success", error: null, summary: "Created held.txt." });
    expect(final.tasks[0].duration_s as number).toBeGreaterThanOrEqual(HOLD_S);
    expect(final.permissions?.[0]).toMatchObject({ id: asked.id, status: "allowed", reminded: true });
    expect(exists(x.p, "held.txt")).toBe(true);
    // The halfway reminder (50 s of 100) came while it waited; nothing expired.
    const events = x.s.notifications().map((n) => n.event);
    expect(x.s.notifications().filter((n) => n.message.startsWith("⏰ Still waiting")).map((n) => n.permission?.id)).toEqual([asked.id]);
    expect(events).not.toContain("permission_expired");
    expect(events).not.toContain("task_failed");
    expect(x.p.api.conversation(HOLD_MARKER).map((c) => c.answer)).toEqual(["tool_use:Bash", "text"]);
    expect(groupMembers(pgid)).toEqual([]);
  });
});
