/**
 * A task's `**Verify:**` command with the real Claude Code CLI under `orchestrator run`: Claude
 * writes greeting.txt wrong, `node check.mjs` fails, the orchestrator resumes the same Claude
 * session (`--resume`) with "Verification failed: …", Claude fixes the file, the check passes.
 * The orchestrator's state and logs live inside the repo here, so its snapshots must leave them
 * out of what the task changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState, TaskRecord } from "../../src/core/state.js";
import { bash, lastUserText, requestText, say, toolResults, USAGE, write, type MessagesRequest, type Step } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { BIN, orchestratorBin, readState } from "../support/run-orchestrator-bin.js";
import { CLAUDE, logLines, realProject, resultLines, SECRETS, taskMd, type RealProject } from "./real-claude-harness.js";

const INSTRUCTION = "Write greeting.txt so that it greets the world";
const FEEDBACK = "Verification failed:";

/**
 * Exits 1 (saying why) unless greeting.txt contains "hello world". Each run first appends its
 * parent's command line and its environment to ../verify-probe.jsonl (outside the repo, so the
 * task's changes stay greeting.txt alone): the test checks it ran without a shell or our secrets.
 */
const CHECK = `import { appendFileSync, readFileSync } from "node:fs";
const parent = readFileSync(\`/proc/\${process.ppid}/cmdline\`, "utf8").split("\\0").filter(Boolean);
appendFileSync("../verify-probe.jsonl", JSON.stringify({ parent, env: process.env }) + "\\n");
let text;
try { text = readFileSync("greeting.txt", "utf8"); } catch { console.log("greeting.txt is missing"); process.exit(1); }
if (!text.includes("hello world")) { console.log(\`greeting.txt says \${JSON.stringify(text.trim())}, not "hello world"\`); process.exit(1); }
console.log("greeting.txt says hello world");
`;

/**
 * Claude's Bash tool prints the process chain above it (its shell, the claude CLI, what started
 * the CLI), one "ANCESTOR <pid> <argv>" line each, then its environment.
 */
const PROBE = `p=$$; for i in 1 2 3 4; do echo "ANCESTOR $p $(tr '\\0' ' ' < /proc/$p/cmdline)"; p=$(sed -E 's/^.*\\) [A-Za-z] ([0-9]+) .*$/\\1/' /proc/$p/stat); done; env`;

/** The orchestrator's own files, inside the repo (paths: relative to the work folder). */
const OWN = { state_file: "repo/state.json", logs_dir: "repo/orchestrator_logs", daily_dir: "repo/daily_logs" };
const isOwn = (file: string) => file.startsWith("state.json") || file.startsWith("orchestrator_logs/") || file.startsWith("daily_logs/") || file.startsWith("results/");

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The ANCESTOR lines of a probe's output: [{pid, argv}], from the shell upwards. */
function ancestors(output: string): { pid: number; argv: string }[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("ANCESTOR "))
    .map((l) => {
      const [, pid, argv] = /^ANCESTOR (\d+) (.*)$/.exec(l) as RegExpExecArray;
      return { pid: Number(pid), argv: argv.trim() };
    });
}

/** The two probes' outputs (first run, fix run): the tool result the model answered next. */
function probeOutputs(p: RealProject): string[] {
  const calls = p.api.conversation(INSTRUCTION);
  return [calls[1], calls[5]].map((c) => lastUserText(c?.body ?? null));
}

describe("a Verify command with the real Claude Code CLI: fails, Claude fixes it in the same session, passes", () => {
  let p: RealProject;
  let run: Awaited<ReturnType<typeof orchestratorBin>>;
  let state: SessionState;
  let task: TaskRecord;
  let statusBefore: string[];

  beforeAll(async () => {
    p = await realProject(taskMd(1, "Greeting", INSTRUCTION, ['greeting.txt says "hello world"'], "backend", ["**Verify:** node check.mjs"]), {
      paths: OWN,
      files: { "check.mjs": CHECK },
    });
    const greeting = path.join(p.repo, "greeting.txt");
    // Stateless, as the mock wants: the first run is told apart from the fix by the feedback in the history.
    p.api.script(INSTRUCTION, (req: MessagesRequest, turn: number): Step => {
      const messages = req.messages ?? [];
      const fedBack = messages.findIndex((m) => m.role === "user" && requestText({ messages: [m] }).includes(FEEDBACK));
      if (fedBack < 0) return [bash(PROBE, "Look around"), write(greeting, "hello\n"), say("Wrote greeting.txt.")][Math.min(turn, 2)];
      const since = messages.slice(fedBack).filter((m) => m.role === "assistant").length;
      return [write(greeting, "hello world\n"), bash(PROBE, "Look around again"), say("Fixed greeting.txt: it says hello world now.")][Math.min(since, 2)];
    });
    statusBefore = await p.gitStatus();
    run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: p.work, env: p.env });
    state = await readState(p.repo);
    task = state.tasks[0];
  });
  afterAll(async () => p?.close());

  it("completes the task with verification passed on the second attempt, exit 0", async () => {
    expect({ exit: run.exitCode, stderr: run.stderr }).toEqual({ exit: 0, stderr: "" });
    expect(state.status).toBe("completed");
    expect(task).toMatchObject({ status: "completed", result: "success", attempts: 1, error: null, summary: "Fixed greeting.txt: it says hello world now." });
    expect(task.verification).toMatchObject({ passed: true, attempts: 2, failure: null });
    expect(task.verification?.commands.map((c) => [c.command, c.exit_code])).toEqual([["node check.mjs", 0]]);
    expect(task.verification?.summary).toMatch(/^✅ verified: node check\.mjs \(.+\)$/);
    expect(await p.readRepo("greeting.txt")).toBe("hello world\n");
    expect(run.stdout).toMatch(/verification failed \(node check\.mjs exited 1: greeting\.txt says \\?"hello\\?", not \\?"hello world\\?"\); Claude is fixing it \(1\/1\)/);
    expect(run.stdout).toContain("✅ verified: node check.mjs");
    // The passing run's output went to the verify log (inside the repo here, yet not a change).
    const log = task.verification?.commands[0]?.log as string;
    expect(log).toBe(path.join(p.repo, "orchestrator_logs", state.session_id as string, "task-1-verify.log"));
    expect(await readFile(log, "utf8")).toContain("greeting.txt says hello world");
  });

  it("sent the failure back to Claude: the fix run's first request ends with the feedback, after the whole first conversation", () => {
    const calls = p.api.conversation(INSTRUCTION);
    expect(calls.map((c) => c.answer)).toEqual(["tool_use:Bash", "tool_use:Write", "text", "tool_use:Write", "tool_use:Bash", "text"]);
    const fix = calls[3].body;
    const feedback = lastUserText(fix);
    expect(feedback).toMatch(/^Verification failed: `node check\.mjs` exited 1\./);
    expect(feedback).toContain('greeting.txt says "hello", not "hello world"');
    expect(feedback).toMatch(/Fix it\.$/);
    expect(feedback).not.toContain("## Instruction");
    // The resumed conversation: the task prompt once, the probe and the first Write with their results, the first answer.
    const text = requestText(fix);
    expect(text.split(`## Instruction\n${INSTRUCTION}`).length - 1).toBe(1);
    expect(text).toContain("Wrote greeting.txt.");
    expect(toolResults(fix)).toHaveLength(2);
    // The first run never saw any feedback.
    for (const call of calls.slice(0, 3)) expect(requestText(call.body)).not.toContain(FEEDBACK);
  });

  it("both runs are one Claude session: the same session id in state, the log's init and result lines, and --resume", async () => {
    const session = task.claude_session_id as string;
    expect(session).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const lines = await logLines(task.output_log as string);
    expect(lines.filter((l) => l.type === "system" && l.subtype === "init").map((l) => l.session_id)).toEqual([session, session]);
    expect((await resultLines(task.output_log as string)).map((r) => [r.subtype, r.session_id])).toEqual([
      ["success", session],
      ["success", session],
    ]);
    // What the CLI was started with, as its Bash tool saw it in /proc: -p both times, --resume <id> the second.
    const cli = probeOutputs(p).map((out) => ancestors(out)[1]?.argv ?? "");
    expect(cli[0]).toMatch(new RegExp(`^${escape(CLAUDE)} -p `));
    expect(cli[0]).not.toContain("--resume");
    expect(cli[1]).toMatch(new RegExp(`^${escape(CLAUDE)} -p .*--resume ${session}$`));
    // The prompts (task text, feedback) go through stdin, never the command line.
    for (const argv of cli) expect(argv).not.toMatch(/Greeting|greets|Verification|Fix it/);
    // The session's cost is what the CLI reported last (its total_cost_usd counts the resumed
    // session from its start); tokens and turns are the sum of the two runs.
    const results = await resultLines(task.output_log as string);
    expect(task.cost_usd).toBeCloseTo(results[1].total_cost_usd as number, 10);
    expect(task.cost_usd).toBeCloseTo(2 * (results[0].total_cost_usd as number), 10);
    expect(task.tokens).toEqual({ input_tokens: 6 * USAGE.input_tokens, output_tokens: 6 * USAGE.output_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    expect(task.num_turns).toBe((results[0].num_turns as number) + (results[1].num_turns as number));
  });

  it("records in files_changed exactly what git status shows the task changed: greeting.txt added, none of the orchestrator's own files", async () => {
    expect(statusBefore).toEqual([]);
    const after = await p.gitStatus();
    // The state, task logs and verify log are in the work tree (untracked)...
    expect(after).toEqual(expect.arrayContaining(["?? state.json", `?? orchestrator_logs/${state.session_id}/task-1-output.log`, `?? orchestrator_logs/${state.session_id}/task-1-verify.log`]));
    // ...but only the task's own file is a change of the task.
    const touched = after.filter((l) => !isOwn(l.slice(3)));
    expect(touched).toEqual(["?? greeting.txt"]);
    expect(task.files_changed).toEqual([{ path: "greeting.txt", status: "added", insertions: 1, deletions: 0 }]);
    expect([task.insertions, task.deletions]).toEqual([1, 0]);
    expect(task.git?.base).toMatch(/^[0-9a-f]{40}$/);
    expect(task.git?.head).toMatch(/^[0-9a-f]{40}$/);
    // The head snapshot holds greeting.txt as it is now, and no file of the orchestrator's.
    const files = (await execa("git", ["ls-tree", "-r", "--name-only", task.git?.head as string], { cwd: p.repo })).stdout.split("\n");
    expect(files.sort()).toEqual(["README.md", "check.mjs", "greeting.txt"]);
  });

  it("ran the claude CLI and the Verify command without a shell and without our secrets in their environment", async () => {
    const printed = probeOutputs(p)[1];
    expect(printed).toContain(`HOME=${p.home}`); // the CLI's real environment, as its Bash tool saw it
    // [the tool's shell, the claude CLI, the orchestrator, jest]: the CLI's parent is the orchestrator itself, no sh -c between.
    const chains = probeOutputs(p).map(ancestors);
    for (const chain of chains) {
      expect(chain[0]?.argv).toMatch(/^\/bin\/bash -c /); // Claude's Bash tool (the shell is the CLI's own)
      expect(chain[1]?.argv).toMatch(new RegExp(`^${escape(CLAUDE)} -p `));
      expect(chain[2]?.argv).toBe(`node ${BIN} run tasks.md --yes`);
    }
    expect(chains[1][2]?.pid).toBe(chains[0][2]?.pid); // one orchestrator...
    expect(chains[1][1]?.pid).not.toBe(chains[0][1]?.pid); // ...two CLI processes
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(printed).not.toContain(`${name}=`);
      expect(printed).not.toContain(value);
    }
    // check.mjs ran twice (failed, then passed), each time started by the orchestrator directly.
    const verifyRuns = (await readFile(path.join(p.work, "verify-probe.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { parent: string[]; env: Record<string, string> });
    expect(verifyRuns).toHaveLength(2);
    for (const v of verifyRuns) {
      expect(v.parent).toEqual(["node", BIN, "run", "tasks.md", "--yes"]);
      expect(v.env.HOME).toBe(p.home);
      for (const name of Object.keys(SECRETS)) expect(v.env[name]).toBeUndefined();
      for (const value of Object.values(SECRETS)) expect(JSON.stringify(v.env)).not.toContain(value);
    }
    // Nor did any secret reach the model by any other way.
    const everything = JSON.stringify(p.api.requests.map((r) => [r.headers, r.body]));
    for (const value of Object.values(SECRETS)) expect(everything).not.toContain(value);
  });
});
