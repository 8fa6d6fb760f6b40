/**
 * Failure paths with the real Claude Code CLI under `orchestrator run`: an API error, no
 * credentials, the turn limit, and a model that never answers (the timeout ends the whole
 * process group, and what Claude's Bash tool left running outside it).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CONTINUE_PROMPT } from "../../src/core/build-prompt.js";
import { apiError, bash, hang, lastUserText, USAGE } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { orchestratorBin, readState, waitFor } from "../support/run-orchestrator-bin.js";
import { alive, groupMembers, realProject, resultLines, taskMd, type RealProject } from "./real-claude-harness.js";

const NEXT = taskMd(2, "Never reached", "This task must not run after a failure.", ["it does not run"]);

describe("failures with the real Claude Code CLI", () => {
  let p: RealProject | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it("an API error fails the task with the API's message", async () => {
    const instruction = "Refactor the greeter; the API refuses this one";
    p = await realProject(taskMd(1, "Refused", instruction, ["never"]) + NEXT);
    p.api.script(instruction, [apiError(400, "invalid_request_error", "scripted: messages.0.content is not acceptable to this mock")]);
    const run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    expect(run.exitCode).toBe(1);
    const state = await readState(p.work);
    expect(state.status).toBe("task_failed");
    expect(state.tasks[0]).toMatchObject({
      status: "failed",
      result: "failed",
      error: "Claude reported an error: API Error: 400 scripted: messages.0.content is not acceptable to this mock",
    });
    expect(state.tasks[0].claude_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(state.tasks[1].status).toBe("pending");
    expect(run.stdout).toContain("scripted: messages.0.content is not acceptable to this mock");
  });

  it("no credentials: the task fails saying Claude Code is not logged in, and nothing reaches the API", async () => {
    const instruction = "Anything at all, with no API key";
    p = await realProject(taskMd(1, "No key", instruction, ["never"]), { noApiKey: true });
    const run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    expect(run.exitCode).toBe(1);
    const state = await readState(p.work);
    expect(state.tasks[0].error).toBe(
      `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "Not logged in · Please run /login")`,
    );
    expect(p.api.requests.filter((r) => r.path.startsWith("/v1/messages"))).toEqual([]);
  });

  it("the turn limit: auto-continues up to claude.max_continuations, then fails with 'reached its turn limit'", async () => {
    const instruction = "Write one.txt, two.txt and three.txt, one command at a time";
    p = await realProject(taskMd(1, "Too many turns", instruction, ["three files"]) + NEXT, { claude: { max_turns: 1, max_continuations: 1 } });
    p.api.script(instruction, [bash("echo one > one.txt"), bash("echo two > two.txt"), bash("echo three > three.txt")]);
    const run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("reached its turn limit; auto-continuing (1/1)");
    const state = await readState(p.work);
    const task = state.tasks[0];
    expect(task).toMatchObject({ status: "failed", error: "Claude reached its turn limit (1)", continuations: 1, attempts: 1 });
    expect(state.tasks[1].status).toBe("pending");
    // Two runs of one Claude session, each stopped by --max-turns 1 after one tool call.
    expect(await p.readRepo("one.txt")).toBe("one\n");
    expect(await p.readRepo("two.txt")).toBe("two\n");
    await expect(p.readRepo("three.txt")).rejects.toThrow(/ENOENT/);
    const calls = p.api.conversation(instruction);
    expect(calls).toHaveLength(2);
    expect(lastUserText(calls[1].body)).toContain(CONTINUE_PROMPT);
    const results = await resultLines(task.output_log as string);
    expect(results.map((r) => [r.subtype, r.session_id])).toEqual([
      ["error_max_turns", task.claude_session_id],
      ["error_max_turns", task.claude_session_id],
    ]);
    // Both runs are paid for, once each (a resumed run reports the session's running total).
    expect(task.cost_usd).toBeCloseTo(results[1].total_cost_usd as number, 10);
    expect(task.tokens?.input_tokens).toBe(2 * USAGE.input_tokens);
  });

  it("a model that never answers: the timeout ends claude's whole process group and what its Bash tool left behind", async () => {
    const instruction = "Start a background helper, then wait for an answer that never comes";
    p = await realProject(taskMd(1, "Hangs", instruction, ["never"]) + NEXT, { claude: { timeout: 5 } });
    p.api.script(instruction, [bash("nohup sleep 300 >/dev/null 2>&1 & echo $! > helper.pid", "Start a helper"), hang()]);
    const started = Date.now();
    const running = orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    let helper = 0;
    try {
      const pgid = await waitFor(async () => (await readState(p!.work)).tasks[0]?.pgid ?? undefined, 20_000, "claude's pgid in state.json");
      await p.api.waitFor((r) => r.answer === "hang", 20_000, "the hanging request");
      helper = Number((await readFile(path.join(p.repo, "helper.pid"), "utf8")).trim());
      expect(alive(helper)).toBe(true);
      expect(groupMembers(pgid)).toContain(pgid); // claude leads its group

      const run = await running;
      expect(run.exitCode).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
      const state = await readState(p.work);
      expect(state.tasks[0]).toMatchObject({ status: "failed", error: "timed out after 5 s", pid: null, pgid: null });
      expect(state.tasks[1].status).toBe("pending");
      expect(groupMembers(pgid)).toEqual([]);
      expect(alive(helper)).toBe(false); // it was in a session of its own, outside claude's group
      await waitFor(async () => (p!.api.hangingCount === 0 ? true : undefined), 5_000, "the hanging connection to close");
    } finally {
      running.kill("SIGTERM");
      await running;
      if (helper > 0 && alive(helper)) process.kill(helper, "SIGKILL"); // a failed run must not leave it for 5 minutes
    }
  });
});
