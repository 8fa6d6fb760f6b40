/**
 * `orchestrator run <file> --yes` (the real bin) on a git repository with the fake claude changing
 * files: a Verify command that fails first and passes once Claude, resumed with the feedback, fixes
 * the file; a fix that does not fix (the task fails naming the command, exit 1); a task that
 * changes nothing ("no files changed").
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { readState } from "../support/run-orchestrator-bin.js";
import { gitStatusChanges, makeE2eProject, runInProject, type E2eProject } from "../support/e2e-project.js";

/** Exits 1 (saying why on stdout) until answer.txt holds 42. */
const CHECK = `import { readFileSync } from "node:fs";
let text;
try { text = readFileSync("answer.txt", "utf8").trim(); } catch { console.log("answer.txt is missing"); process.exit(1); }
if (text !== "42") { console.log(\`answer.txt holds \${JSON.stringify(text)}, not 42\`); process.exit(1); }
console.log("answer.txt is right");
`;

/** A task that adds answer.txt (wrong: 41), changes README.md, deletes old.txt; its fix writes `fix`. */
const answerTask = (fix: string) => `# Tasks

## Task 1: Write the answer
**Type:** backend
**Description:** Put the answer in answer.txt
**Verify:** node check.mjs
**Claude Instruction:**
Write the answer, update the readme, remove the old notes.
FAKE_CLAUDE_WRITE: answer.txt 41\\n
FAKE_CLAUDE_WRITE: README.md # Project\\n\\nThe answer is in answer.txt.\\n
FAKE_CLAUDE_DELETE: old.txt
FAKE_CLAUDE_FIX: answer.txt ${fix}\\n
`;

describe("orchestrator run with Verify and git", () => {
  let project: E2eProject | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  async function setUp(tasks: string): Promise<{ p: E2eProject; file: string }> {
    const p = await makeE2eProject();
    project = p;
    await p.writeRepoFiles({ "check.mjs": CHECK, "README.md": "# Project\n", "old.txt": "old notes\n" });
    await p.commitAll("initial");
    await p.writeConfig();
    return { p, file: await p.writeTasks("tasks.md", tasks) };
  }

  it("a first attempt that fails verification is fixed in the same Claude session and passes", async () => {
    const { p, file } = await setUp(answerTask("42"));
    const run = await runInProject(p, ["run", file, "--yes"]);
    expect(run.timedOut).toBe(false);
    expect(run.exitCode).toBe(0);
    // Log lines are JSON when stdout is not a terminal: quotes inside a message are escaped.
    expect(run.output).toMatch(/verification failed \(node check\.mjs exited 1: answer\.txt holds \\?"41\\?", not 42\); Claude is fixing it \(1\/1\)/);
    expect(run.output).toMatch(/3 files changed \(\+\d+ −\d+\): /);
    expect(run.output).toMatch(/✅ verified: node check\.mjs/);

    const state = await readState(p.orchDir);
    expect(state.status).toBe("completed");
    const task = state.tasks[0]!;
    expect(task).toMatchObject({ status: "completed", error: null, attempts: 1 });
    expect(task.verification).toMatchObject({ passed: true, attempts: 2, failure: null });
    expect(task.verification?.commands.map((c) => [c.command, c.exit_code])).toEqual([["node check.mjs", 0]]);

    // What the state says the task changed is what git status shows in the repository.
    const recorded = Object.fromEntries((task.files_changed ?? []).map((f) => [f.path, f.status]));
    expect(recorded).toEqual(await gitStatusChanges(p.repo));
    expect(recorded).toEqual({ "answer.txt": "added", "README.md": "modified", "old.txt": "deleted" });
    expect(task.git?.base).toMatch(/^[0-9a-f]{40}$/);
    expect(task.git?.head).toMatch(/^[0-9a-f]{40}$/);

    // The fix ran in Claude's session of the first attempt, with the feedback as its prompt.
    const calls = await p.calls();
    expect(calls).toHaveLength(2);
    const firstSession = state.tasks[0]?.claude_session_id;
    expect(calls[0]?.argv).not.toContain("--resume");
    expect(calls[1]?.argv).toEqual(expect.arrayContaining(["--resume", firstSession]));
    expect(calls[1]?.prompt).toMatch(/^Verification failed: `node check\.mjs` exited 1[\s\S]*answer\.txt holds "41", not 42[\s\S]*Fix it\.$/);
    expect(calls[1]?.fix).toBe(true);
  });

  it("a fix that does not fix: verification fails twice, the task fails naming the command, exit 1", async () => {
    const { p, file } = await setUp(answerTask("43"));
    const run = await runInProject(p, ["run", file, "--yes"]);
    expect(run.timedOut).toBe(false);
    expect(run.exitCode).toBe(1); // README: "a task failed"

    const state = await readState(p.orchDir);
    expect(state.status).toBe("task_failed");
    const task = state.tasks[0]!;
    expect(task.status).toBe("failed");
    expect(task.error).toBe('verification failed: node check.mjs exited 1: answer.txt holds "43", not 42');
    expect(task.verification).toMatchObject({ passed: false, attempts: 2 });
    expect(task.verification?.commands.map((c) => [c.command, c.exit_code])).toEqual([["node check.mjs", 1]]);
    // verify_retries 1: the first run and one fix, no more.
    const calls = await p.calls();
    expect(calls.map((c) => c.fix)).toEqual([false, true]);
    expect(run.output).toMatch(/verification failed: node check\.mjs exited 1: answer\.txt holds/);
    // The failed task's changes are still recorded (a person judges, rolls back or retries).
    const recorded = Object.fromEntries((task.files_changed ?? []).map((f) => [f.path, f.status]));
    expect(recorded).toEqual(await gitStatusChanges(p.repo));
  });

  it("a task that reports success but changes nothing says no files changed", async () => {
    const { p, file } = await setUp(`## Task 1: Look around
**Description:** Read the code, change nothing
**Claude Instruction:**
Only read.
`);
    const run = await runInProject(p, ["run", file, "--yes"]);
    expect(run.timedOut).toBe(false);
    expect(run.exitCode).toBe(0);
    expect(run.output).toMatch(/Task 1\/1: Look around complete\. Progress: 1\/1 \(100%\)\\nno files changed"/);
    const state = await readState(p.orchDir);
    expect(state.tasks[0]).toMatchObject({ status: "completed", files_changed: [] });
    expect(state.tasks[0]?.verification ?? null).toBeNull();
    expect(await gitStatusChanges(p.repo)).toEqual({});
  });
});
