import { afterAll, describe, expect, it } from "@jest/globals";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { runCli } from "../../src/cli/run-cli.js";
import { FAKE_CLAUDE, readState, tempDir } from "../support/run-orchestrator-bin.js";

// `orchestrator run` at a terminal: it asks at a checkpoint and after a failure. Run in-process
// through runCli with a fake TTY stdin that answers each prompt as it appears on stdout.

const task = (n: number, extra = "") => `## Task ${n}: Make file ${n}
**Type:** backend
**Requires Approval:** false
**Description:** Create file ${n}
**Acceptance Criteria:**
- file ${n} exists

**Claude Instruction:**
Create file number ${n}.
${extra}
---
`;

// logging.level: error keeps the run's log lines (written to io.stdout, the Terminal below) few.
const CONFIG = "orchestrator:\n  approval_mode: required\n  auto_approve: []\nclaude:\n  timeout: 20\n  idle_timeout: 20\n  kill_grace: 1\nlogging:\n  level: error\n";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function project(body: string): Promise<string> {
  const dir = await tempDir("orch-interactive-");
  dirs.push(dir);
  await writeFile(path.join(dir, "tasks.md"), `# Tasks\n\n${body}`);
  await writeFile(path.join(dir, "config.yaml"), CONFIG);
  return dir;
}

const PROMPT = /\[q\]uit: $/;

/** Collects what is written; calls onPrompt when a write ends with a question. */
class Terminal extends Writable {
  text = "";
  constructor(private readonly onPrompt?: (prompt: string) => void) {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const s = String(chunk);
    this.text += s;
    cb();
    if (this.onPrompt && PROMPT.test(s)) this.onPrompt(s);
  }
}

interface Session {
  code: number;
  prompts: string[];
  stdout: string;
  stderr: string;
  /** Prompts that came after the scripted answers ran out (answered "q"). */
  unexpected: string[];
}

/** Runs `orchestrator run <dir>/tasks.md` with stdin a TTY that gives `answers` in order, one per prompt. */
async function runAnswering(dir: string, answers: string[], env: Record<string, string> = {}): Promise<Session> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const queue = [...answers];
  const prompts: string[] = [];
  const unexpected: string[] = [];
  const stdout = new Terminal((prompt) => {
    prompts.push(prompt);
    const answer = queue.shift();
    if (answer === undefined) unexpected.push(prompt);
    // Answer once readline is listening (the prompt is written before it awaits the line).
    setImmediate(() => stdin.write(`${answer ?? "q"}\n`));
  });
  const stderr = new Terminal();
  try {
    // A relative path: it must resolve against io.cwd, not the test process's cwd.
    const code = await runCli(["run", "tasks.md"], {
      stdout,
      stderr,
      stdin,
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", CLAUDE_CLI_PATH: FAKE_CLAUDE, ...env },
    });
    return { code, prompts, stdout: stdout.text, stderr: stderr.text, unexpected };
  } finally {
    stdin.end();
  }
}

const APPROVAL = /Task 1\b.*waits for approval .*Run it\? \[y\]es \/ \[s\]kip \/ \[q\]uit: $/;

describe("orchestrator run at a terminal", () => {
  it("asks at each checkpoint; 'y' twice runs both tasks (exit 0, completed)", async () => {
    const dir = await project(task(1) + task(2));
    const r = await runAnswering(dir, ["y", "y"]);
    expect(r.unexpected).toEqual([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.prompts).toHaveLength(2);
    expect(r.prompts[0]).toMatch(APPROVAL);
    expect(r.prompts[1]).toMatch(/Task 2\b.*\[y\]es \/ \[s\]kip \/ \[q\]uit: $/);
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(r.stdout).toContain("Progress: 2/2");
  });

  it("'s' skips the task at the checkpoint and goes on to the next", async () => {
    const dir = await project(task(1) + task(2));
    const r = await runAnswering(dir, ["s", "y"]);
    expect(r.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => [t.status, t.attempts])).toEqual([["skipped", 0], ["completed", 1]]);
  });

  it("'q' stops with exit 3 and the session saved as waiting_approval", async () => {
    const dir = await project(task(1) + task(2));
    const r = await runAnswering(dir, ["q"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts).toHaveLength(1);
    expect(r.code).toBe(3);
    const state = await readState(dir);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks.map((t) => t.status)).toEqual(["pending", "pending"]);
  });

  it("after a failure asks retry/skip/quit; 's' skips the failed task and the session goes on", async () => {
    const dir = await project(task(1, "FAKE_CLAUDE: crash") + task(2));
    const r = await runAnswering(dir, ["y", "s", "y"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts[0]).toMatch(APPROVAL);
    expect(r.prompts[1]).toMatch(/Task 1\b.*failed: .*exited 3: fatal: something broke.*\[r\]etry \/ \[s\]kip \/ \[q\]uit: $/s);
    expect(r.prompts).toHaveLength(3);
    expect(r.code).toBe(0);
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => t.status)).toEqual(["skipped", "completed"]);
    expect(state.tasks[0]?.error).toMatch(/fatal: something broke/);
  });

  it("'r' runs the failed task again; 'q' after a failure exits 1 with the state task_failed", async () => {
    const dir = await project(task(1, "FAKE_CLAUDE: crash") + task(2));
    const r = await runAnswering(dir, ["y", "r", "q"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts.slice(1).every((p) => /\[r\]etry \/ \[s\]kip \/ \[q\]uit: $/.test(p))).toBe(true);
    expect(r.code).toBe(1);
    const state = await readState(dir);
    expect(state.status).toBe("task_failed");
    expect(state.tasks.map((t) => [t.status, t.attempts])).toEqual([["failed", 2], ["pending", 0]]);
  });
});
