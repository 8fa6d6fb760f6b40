/**
 * The real Claude Code CLI (node_modules/.bin/claude) driven by the real `orchestrator run` bin
 * through a three-task file, in a temp git repo, against the mock Messages API. Claude really
 * writes and edits the files (the Write and Bash tools run inside the CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import path from "node:path";
import { bash, lastUserText, requestText, say, toolResults, USAGE, write } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { orchestratorBin, readState } from "../support/run-orchestrator-bin.js";
import type { SessionState } from "../../src/core/state.js";
import { logLines, realProject, resultLines, SECRETS, taskMd, type RealProject } from "./real-claude-harness.js";

const T1 = "Create src/greet.js exporting a greet(name) function";
const T2 = "Change the greeting in src/greet.js from Hello to Hi and document it";
const T3 = "Print the environment with env, then start CHANGELOG.md";
const CRITERIA = [["src/greet.js exists", "greet('Ada') returns 'Hello, Ada!'"], ["greet('Ada') returns 'Hi, Ada!'", "README.md says how to use it"], ["CHANGELOG.md lists greet()"]];

describe("orchestrator run with the real Claude Code CLI: three tasks", () => {
  let p: RealProject;
  let state: SessionState;
  let run: Awaited<ReturnType<typeof orchestratorBin>>;

  beforeAll(async () => {
    p = await realProject(
      taskMd(1, "Greeting module", T1, CRITERIA[0]) + taskMd(2, "Friendlier greeting", T2, CRITERIA[1]) + taskMd(3, "Changelog", T3, CRITERIA[2], "documentation"),
    );
    p.api.script(T1, [
      write(path.join(p.repo, "src/greet.js"), "export const greet = (name) => `Hello, ${name}!`;\n"),
      say("Created src/greet.js with greet(name)."),
    ]);
    p.api.script(T2, [bash("sed -i 's/Hello/Hi/' src/greet.js && printf '\\nUse greet(name).\\n' >> README.md", "Edit the greeting"), say("Changed it to Hi and documented greet().")]);
    p.api.script(T3, [bash("env", "Print the environment"), write(path.join(p.repo, "CHANGELOG.md"), "# Changelog\n\n- greet(name)\n"), say("Started CHANGELOG.md.")]);
    run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    state = await readState(p.work);
  });
  afterAll(async () => p?.close());

  it("runs all three tasks to completion and exits 0", () => {
    expect({ exit: run.exitCode, stderr: run.stderr }).toEqual({ exit: 0, stderr: "" });
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => [t.status, t.result, t.attempts, t.error])).toEqual([
      ["completed", "success", 1, null],
      ["completed", "success", 1, null],
      ["completed", "success", 1, null],
    ]);
    expect(run.stdout).toContain("Progress: 3/3 tasks (100%)");
  });

  it("really changed the files in the git repo", async () => {
    expect(await p.gitStatus()).toEqual(["?? CHANGELOG.md", "?? src/greet.js", " M README.md"].sort());
    expect(await p.readRepo("src/greet.js")).toBe("export const greet = (name) => `Hi, ${name}!`;\n");
    expect(await p.readRepo("README.md")).toBe("# Greeter\n\nUse greet(name).\n");
    expect(await p.readRepo("CHANGELOG.md")).toContain("- greet(name)");
  });

  it("records each task's cost, tokens and Claude session id in state.json, as the CLI reported them", async () => {
    const sessions = new Set<string>();
    for (const [i, t] of state.tasks.entries()) {
      const calls = p.api.conversation([T1, T2, T3][i]).length;
      expect(calls).toBe(i === 2 ? 3 : 2);
      const [result] = await resultLines(t.output_log as string);
      expect(t.claude_session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(t.claude_session_id).toBe(result.session_id);
      expect(t.cost_usd).toBeGreaterThan(0);
      expect(t.cost_usd).toBe(result.total_cost_usd);
      expect(t.tokens).toEqual({
        input_tokens: USAGE.input_tokens * calls,
        output_tokens: USAGE.output_tokens * calls,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      });
      expect(t.num_turns).toBeGreaterThanOrEqual(1);
      expect(t.summary).toBe(["Created src/greet.js with greet(name).", "Changed it to Hi and documented greet().", "Started CHANGELOG.md."][i]);
      sessions.add(t.claude_session_id as string);
    }
    expect(sessions.size).toBe(3); // a fresh Claude session per task
  });

  it("keeps the stream in each task's log: init, the tool calls, their results, the result line", async () => {
    const tools = [["Write"], ["Bash"], ["Bash", "Write"]];
    for (const [i, t] of state.tasks.entries()) {
      expect(t.output_log).toBe(path.join(p.work, "orchestrator_logs", state.session_id as string, `task-${i + 1}-output.log`));
      const lines = await logLines(t.output_log as string);
      expect(lines[0]).toMatchObject({ type: "system", subtype: "init", session_id: t.claude_session_id, cwd: p.repo });
      const used = lines
        .filter((l) => l.type === "assistant")
        .flatMap((l) => ((l.message as { content: { type: string; name?: string }[] }).content ?? []).filter((c) => c.type === "tool_use").map((c) => c.name));
      expect(used).toEqual(tools[i]);
      // The tool results (the prompt's own echo, --replay-user-messages, is a user line too, without one).
      const results = lines.filter((l) => l.type === "user" && JSON.stringify((l as { message?: unknown }).message ?? "").includes('"tool_result"'));
      expect(results.length).toBe(tools[i].length);
      expect(lines[lines.length - 1]).toMatchObject({ type: "result", subtype: "success", is_error: false });
    }
  });

  it("sent the model each task's prompt: title, acceptance criteria and instruction", () => {
    for (const [i, marker] of [T1, T2, T3].entries()) {
      const first = p.api.conversation(marker)[0].body;
      const prompt = lastUserText(first);
      expect(prompt).toContain(`# Task ${i + 1}: ${state.tasks[i].title}`);
      expect(prompt).toContain(`## Acceptance criteria\n${CRITERIA[i].map((c) => `- ${c}`).join("\n")}`);
      expect(prompt).toContain(`## Instruction\n${marker}`);
      // The model is offered the tools the task needs.
      expect(first?.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(["Bash", "Write", "Edit"]));
    }
  });

  it("kept our secrets from the child: `env` run by Claude's Bash tool shows none of them", () => {
    const envCall = p.api.conversation(T3).find((r) => toolResults(r.body).some((t) => t.includes("ANTHROPIC_BASE_URL=")));
    expect(envCall).toBeDefined();
    const printed = toolResults(envCall?.body ?? null).find((t) => t.includes("ANTHROPIC_BASE_URL=")) as string;
    expect(printed).toContain(`HOME=${p.home}`); // it is the child's real environment
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(printed).not.toContain(`${name}=`);
      expect(printed).not.toContain(value);
    }
    // Nor did any secret reach the model by any other way.
    const everything = JSON.stringify(p.api.requests.map((r) => [r.headers, r.body]));
    for (const value of Object.values(SECRETS)) expect(everything).not.toContain(value);
    expect(requestText(envCall?.body ?? null)).toContain(T3);
  });
});
