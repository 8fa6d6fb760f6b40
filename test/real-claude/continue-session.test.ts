/**
 * Going on with the same Claude session, with the real Claude Code CLI: auto-continuation after
 * the turn limit (`orchestrator run`), and a person's retry with feedback (in-process, as the
 * service does it), both through `claude --resume <session_id>`.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import path from "node:path";
import { openApp, type App } from "../../src/app/open-app.js";
import { loadConfig } from "../../src/config/load-config.js";
import { CONTINUE_PROMPT } from "../../src/core/build-prompt.js";
import type { SessionState, SessionStatus } from "../../src/core/state.js";
import type { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { loadTaskFile } from "../../src/tasks/load-task-file.js";
import {
  apiError, bash, lastUserText, requestText, say, toolResults, USAGE, write, type MessagesRequest, type Step,
} from "../fixtures/mock-messages-api/mock-messages-api.js";
import { orchestratorBin, readState } from "../support/run-orchestrator-bin.js";
import { processEnv, realProject, resultLines, taskMd, type RealProject } from "./real-claude-harness.js";

/** Resolves with the state once the session is in `status` (now or later); rejects after `ms`. */
function until(o: Orchestrator, status: SessionStatus, ms = 60_000): Promise<SessionState> {
  return o.waitFor((s) => s.status === status, ms);
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("continuing a Claude session with the real Claude Code CLI", () => {
  let p: RealProject | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    await p?.close();
    app = p = undefined;
  });

  it("auto-continues a run that hit the turn limit: --resume of the same session, 'auto-continuing (1/2)', then done", async () => {
    const instruction = "Write part-a.txt and part-b.txt, one file per turn, then report";
    p = await realProject(taskMd(1, "Two parts", instruction, ["part-a.txt and part-b.txt exist"]), { claude: { max_turns: 1 } });
    p.api.script(instruction, [write(path.join(p.repo, "part-a.txt"), "A\n"), write(path.join(p.repo, "part-b.txt"), "B\n"), say("Wrote both parts.")]);
    const run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    expect({ exit: run.exitCode, stderr: run.stderr }).toEqual({ exit: 0, stderr: "" });
    expect(run.stdout).toContain("reached its turn limit; auto-continuing (1/2)");
    expect(run.stdout).toContain("reached its turn limit; auto-continuing (2/2)");

    const task = (await readState(p.work)).tasks[0];
    expect(task).toMatchObject({ status: "completed", result: "success", attempts: 1, continuations: 2, summary: "Wrote both parts.", error: null });
    expect(await p.readRepo("part-a.txt")).toBe("A\n");
    expect(await p.readRepo("part-b.txt")).toBe("B\n");

    // Three runs of one session: each resumed run saw the whole conversation, then "continue".
    const calls = p.api.conversation(instruction);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:Write", "tool_use:Write", "text"]);
    for (const call of calls.slice(1)) {
      expect(lastUserText(call.body)).toContain(CONTINUE_PROMPT);
      expect(count(requestText(call.body), "## Instruction")).toBe(1); // the task prompt once, from the history
    }
    expect(toolResults(calls[2].body)).toHaveLength(2);
    const results = await resultLines(task.output_log as string);
    expect(results.map((r) => [r.subtype, r.session_id])).toEqual([
      ["error_max_turns", task.claude_session_id],
      ["error_max_turns", task.claude_session_id],
      ["success", task.claude_session_id],
    ]);
    // Every run paid for once: the sum of the runs, which is the session's total at the end.
    expect(task.cost_usd).toBeCloseTo(results[2].total_cost_usd as number, 10);
    expect(task.cost_usd).toBeCloseTo(3 * (results[0].total_cost_usd as number), 10);
    expect(task.tokens).toEqual({ input_tokens: 3 * USAGE.input_tokens, output_tokens: 3 * USAGE.output_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it("retry with feedback resumes the task's Claude session with the feedback instead of starting over", async () => {
    const instruction = "Add a NOTES.md with a first line about greet()";
    const feedback = "Also add a line saying greet() is case-sensitive";
    p = await realProject(taskMd(1, "Notes", instruction, ["NOTES.md exists"]), { orchestrator: ["  approval_mode: auto", "  checkpoint_after: []"] });
    const notes = path.join(p.repo, "NOTES.md");
    p.api.script(instruction, (req: MessagesRequest, turn: number): Step => {
      const last = lastUserText(req);
      if (last.includes("FEEDBACK_APPLIED")) return say("Added the line you asked for.");
      if (last.includes(feedback)) return bash(`echo 'greet() is case-sensitive.' >> NOTES.md && echo FEEDBACK_APPLIED`, "Apply the feedback");
      if (turn === 0) return write(notes, "greet(name) says hello.\n");
      return apiError(400, "invalid_request_error", "scripted: the first attempt stops here");
    });

    const env = processEnv(p);
    const config = await loadConfig({ configPath: null, cwd: p.work, env });
    app = await openApp(config, { env, console: null });
    const o = app.orchestrator;
    const file = path.join(p.work, "tasks.md");
    await o.dispatch({ type: "start", task_file: file, tasks: await loadTaskFile(file), session_id: "real-claude-retry" });

    const failed = (await until(o, "task_failed")).tasks[0];
    expect(failed).toMatchObject({ status: "failed", attempts: 1, error: "Claude reported an error: API Error: 400 scripted: the first attempt stops here" });
    const session = failed.claude_session_id;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const before = p.api.conversation(instruction).length;

    expect((await o.dispatch({ type: "retry", feedback })).ok).toBe(true);
    const done = (await until(o, "completed")).tasks[0];
    expect(done).toMatchObject({ status: "completed", attempts: 2, claude_session_id: session, summary: "Added the line you asked for.", error: null, feedback });
    expect(await p.readRepo("NOTES.md")).toBe("greet(name) says hello.\ngreet() is case-sensitive.\n");

    // The retry's first request: the old conversation (the prompt, the first Write), then the feedback alone.
    const resumed = p.api.conversation(instruction)[before];
    const text = requestText(resumed.body);
    expect(lastUserText(resumed.body)).toContain(feedback);
    expect(lastUserText(resumed.body)).not.toContain("## Instruction");
    expect(count(text, `## Instruction\n${instruction}`)).toBe(1);
    expect(text).toContain("greet(name) says hello.");
    const results = await resultLines(done.output_log as string);
    expect(results.map((r) => r.session_id)).toEqual([session, session]);
  });
});
