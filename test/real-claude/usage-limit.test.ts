/**
 * Usage limits with the real Claude Code CLI (the pinned one, with an API key) under `orchestrator
 * serve`: the mock Messages API answers the task's first request with a 429, then works.
 *
 * What the pinned CLI (2.1.330) prints for that, recorded here: no rate_limit_event (those come
 * only for claude.ai subscriptions, or behind a gateway one signs in to), an assistant message of
 * its own (model "<synthetic>", error "rate_limit", api_error_status 429) and a result with
 * is_error: true, terminal_reason "api_error" and the text
 *   "API Error: Request rejected (429) · <the body's error.message>".
 * With `x-should-retry: false` it does not retry; CLAUDE_CODE_MAX_RETRIES=1 keeps it short otherwise.
 * The orchestrator waits (waiting_limit) rather than failing, and the same Claude session goes on.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import path from "node:path";
import { LIMIT_NOW_PROMPT, LIMIT_PROMPT } from "../../src/core/machine/usage-limits.js";
import { apiError, lastUserText, say, toolResults, write, type MessagesRequest, type Step } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { readState } from "../support/run-orchestrator-bin.js";
import { logLines, realProject, taskMd, type RealProject } from "./real-claude-harness.js";
import { serveProject, type RealService } from "./real-claude-service.js";

/**
 * The task's first request gets `first`; later ones write hello.txt, then say so (counted by the
 * tool results in the request, whatever the resumed history holds of the refused turn).
 */
function onceThen(first: Step, file: string): (req: MessagesRequest, turn: number) => Step {
  let answered = 0;
  return (req) => (answered++ === 0 ? first : toolResults(req).length === 0 ? write(file, "hello\n") : say("Wrote hello.txt."));
}

describe("usage limits with the real Claude Code CLI", () => {
  let p: RealProject | undefined;
  let s: RealService | undefined;
  afterEach(async () => {
    await s?.stop();
    await p?.close();
    p = s = undefined;
  });

  async function setUp(instruction: string) {
    p = await realProject(taskMd(1, "Greet", instruction, ["hello.txt exists"]), { orchestrator: ["  approval_mode: auto"], paths: { tasks_dir: "." } });
    // Keep the CLI's own retries short: the limit is the orchestrator's to wait out.
    p.env.CLAUDE_CODE_MAX_RETRIES = "1";
    return p;
  }

  it("an API key's 429 (no reset time): waiting_limit with the 5-minute wait, not a failure; /approve goes on in the same session", async () => {
    const instruction = "Write hello.txt; the API is rate limited at first";
    const project = await setUp(instruction);
    const message = "Number of requests has exceeded your rate limit";
    project.api.script(instruction, onceThen(apiError(429, "rate_limit_error", message, { "retry-after": "300" }), path.join(project.repo, "hello.txt")));
    s = await serveProject(project);
    const started = Date.now();
    expect((await s.post("start", { task_file: "tasks.md" })).status).toBe(200);
    const waiting = await s.untilStatus("waiting_limit", 60_000);
    // What the pinned CLI printed.
    const state = await readState(project.work);
    const task = state.tasks[0];
    const lines = await logLines(task?.output_log as string);
    const result = lines.find((l) => l.type === "result");
    expect(result).toMatchObject({ subtype: "success", is_error: true, result: `API Error: Request rejected (429) · ${message}`, terminal_reason: "api_error" });
    expect(lines.some((l) => l.type === "rate_limit_event")).toBe(false);
    expect(lines.find((l) => l.type === "assistant")).toMatchObject({ error: "rate_limit", api_error_status: 429 });
    expect(project.api.conversation(instruction).map((r) => r.answer)).toEqual(["error:429"]); // x-should-retry: false, no retry
    // Waiting, not failed: the backoff (no reset time), the task resumable, its session kept.
    expect(waiting.limit).toMatchObject({ type: null, resets_at: null, held: false, message: `API Error: Request rejected (429) · ${message}` });
    const resumeIn = Date.parse(waiting.limit?.resume_at ?? "") - started;
    expect(resumeIn).toBeGreaterThan(290_000);
    expect(resumeIn).toBeLessThan(360_000);
    expect(task).toMatchObject({ status: "interrupted", resume_on_retry: true });
    expect(task?.claude_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.notifications().map((n) => n.event)).toContain("usage_limit_reached");
    expect(s.notifications().map((n) => n.event)).not.toContain("task_failed");

    expect((await s.post("approve")).status).toBe(200);
    await s.untilStatus("completed", 90_000);
    expect(await project.readRepo("hello.txt")).toBe("hello\n");
    const after = (await readState(project.work)).tasks[0];
    expect(after).toMatchObject({ status: "completed", attempts: 1, claude_session_id: task?.claude_session_id, limit_resumes: 1 });
    // The resumed run carried the conversation on, told why.
    const resumed = project.api.conversation(instruction).slice(1);
    expect(lastUserText(resumed[0]?.body ?? null)).toContain(LIMIT_NOW_PROMPT);
  }, 180_000);

  it("a gateway's spend cap that says when it resets ('resets in 5s'): it waits and goes on by itself at the reset, with --resume", async () => {
    const instruction = "Write hello.txt; the gateway's cap is reached at first";
    const project = await setUp(instruction);
    const message = "spend limit reached · resets in 5s · request an increase at https://go.corp.example.com/claude-limits";
    const headers = { "retry-after": "5", "x-should-retry": "false", "anthropic-ratelimit-unified-status": "rejected", "anthropic-ratelimit-unified-reset": String(Math.floor(Date.now() / 1000) + 5) };
    project.api.script(instruction, onceThen(apiError(429, "billing_error", message, headers), path.join(project.repo, "hello.txt")));
    s = await serveProject(project);
    expect((await s.post("start", { task_file: "tasks.md" })).status).toBe(200);
    const waiting = await s.untilStatus("waiting_limit", 60_000);
    const limitedAt = Date.now();
    const resumeAt = Date.parse(waiting.limit?.resume_at ?? "");
    expect(waiting.limit?.message).toBe(`API Error: Request rejected (429) · ${message}`);
    expect(resumeAt - limitedAt).toBeLessThan(6_000);
    await s.untilStatus("completed", 60_000);
    const task = (await readState(project.work)).tasks[0];
    expect(task).toMatchObject({ status: "completed", attempts: 1, limit_resumes: 1 });
    const resumed = project.api.conversation(instruction).slice(1);
    expect(resumed[0]?.received_at ?? 0).toBeGreaterThanOrEqual(resumeAt);
    expect(lastUserText(resumed[0]?.body ?? null)).toContain(LIMIT_PROMPT);
    expect(await project.readRepo("hello.txt")).toBe("hello\n");
    const events = s.notifications().map((n) => n.event);
    expect(events.filter((e) => e === "usage_limit_reached")).toHaveLength(1);
    expect(events.filter((e) => e === "usage_limit_resumed")).toHaveLength(1);
  }, 120_000);
});
