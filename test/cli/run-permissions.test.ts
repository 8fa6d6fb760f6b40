// `orchestrator run` answering Claude's permission requests inline (claude.permissions: ask, the
// default), with the fake claude asking over the stdio channel:
// - at a terminal, in-process through runCli with a fake TTY stdin (as run-interactive.test.ts):
//   [y]es / [a]lways / [n]o / [s]top, a question's options by number or own words;
// - at a real pseudo terminal: the bin under `script -qefc` (util-linux; node-pty is not installed);
// - without a terminal (stdin ignored, like cron and CI): each request denied with NOBODY_THERE,
//   --yes or not.
import { afterAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { NOBODY_THERE } from "../../src/cli/commands/answer-permissions-inline.js";
import { runCli } from "../../src/cli/run-cli.js";
import { BIN, FAKE_CLAUDE, orchestratorBin, readState, tempDir } from "../support/run-orchestrator-bin.js";

const QUESTION = { questions: [{ question: "Which database?", header: "DB", multiSelect: false, options: [{ label: "PostgreSQL", description: "" }, { label: "SQLite", description: "" }] }] };
const askLine = (tool: string, input: object) => `FAKE_CLAUDE_ASK: ${tool} ${JSON.stringify(input)}`;
const TOUCH = askLine("Bash", { command: "touch made.txt" });

const task = (n: number, instruction: string) => `## Task ${n}: Make file ${n}
**Type:** backend
**Description:** Create file ${n}
**Claude Instruction:**
${instruction}

---
`;

// auto: no checkpoint prompt before a task, so the prompts seen are the permission ones.
const CONFIG = "orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: 20\n  idle_timeout: 20\n  kill_grace: 1\nlogging:\n  level: error\n";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function project(...instructions: string[]): Promise<string> {
  const dir = await tempDir("orch-run-permissions-");
  dirs.push(dir);
  await writeFile(path.join(dir, "tasks.md"), `# Tasks\n\n${instructions.map((t, i) => task(i + 1, t)).join("")}`);
  await writeFile(path.join(dir, "config.yaml"), CONFIG);
  await mkdir(path.join(dir, "record")); // the fake's FAKE_CLAUDE_RECORD
  return dir;
}

type Line = Record<string, any>;
const asks = async (dir: string): Promise<Line[]> =>
  (await readFile(path.join(dir, "record", "permissions.jsonl"), "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);

/** A prompt ends with one of these; the fake TTY answers it. */
const PROMPT = /(\[s\]top: |\(Enter for nothing\)\? |Your answer(?: \(a number, or your own words\))?: |\[q\]uit: )$/;
const ALLOW_PROMPT = "🔐 Allow Bash: touch made.txt?  [y]es / [a]lways / [n]o / [s]top: ";

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

/** `orchestrator run tasks.md` with a TTY stdin giving `answers` in order, one per prompt ("q" once they run out). */
async function runAnswering(dir: string, answers: string[]) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const queue = [...answers];
  const prompts: string[] = [];
  const unexpected: string[] = [];
  const stdout = new Terminal((prompt) => {
    prompts.push(prompt);
    const answer = queue.shift();
    if (answer === undefined) unexpected.push(prompt);
    setImmediate(() => stdin.write(`${answer ?? "q"}\n`));
  });
  const stderr = new Terminal();
  try {
    const code = await runCli(["run", "tasks.md"], { stdout, stderr, stdin, cwd: dir, env: { PATH: process.env.PATH ?? "", CLAUDE_CLI_PATH: FAKE_CLAUDE, FAKE_CLAUDE_RECORD: path.join(dir, "record") } });
    return { code, prompts, unexpected, stdout: stdout.text, stderr: stderr.text };
  } finally {
    stdin.end();
  }
}

describe("orchestrator run at a terminal asks about each permission request", () => {
  it("'y' allows: the prompt names the call, the call is carried out, the run completes", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["y"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts).toEqual([ALLOW_PROMPT]);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(true);
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.permissions?.[0]).toMatchObject({ status: "allowed", answered_by: "the terminal" });
    expect(await asks(dir)).toMatchObject([{ asked: true, response: { behavior: "allow" } }]);
  });

  it("'a' allows always: the rule is kept for the session and a later task is not asked", async () => {
    const dir = await project(TOUCH, askLine("Bash", { command: "touch two.txt" }));
    const r = await runAnswering(dir, ["a"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts).toHaveLength(1);
    expect(r.code).toBe(0);
    const state = await readState(dir);
    expect(state.always_rules).toEqual(["Bash(touch *)"]);
    expect(existsSync(path.join(dir, "two.txt"))).toBe(true);
    expect((await asks(dir)).map((a) => [a.asked, a.allowed_by ?? null])).toEqual([[true, null], [false, "Bash(touch *)"]]);
  });

  it("'always' typed in full is always too", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["always"]);
    expect(r.code).toBe(0);
    const state = await readState(dir);
    expect(state.permissions?.[0]?.status).toBe("always");
    expect(state.always_rules).toEqual(["Bash(touch *)"]);
  });

  it("'n' denies with the message typed next: Claude reads it, nothing is done, the task goes on to its end", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["n", "not in this repo"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts).toEqual([ALLOW_PROMPT, "What should Claude know (Enter for nothing)? "]);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(false);
    expect(await asks(dir)).toMatchObject([{ response: { behavior: "deny", message: "not in this repo" } }]);
    expect((await readState(dir)).tasks[0]).toMatchObject({ status: "completed", permission_denials: ["Bash"] });
  });

  it("the deny message reaches Claude as typed (case kept)", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["N", "Use ./TMP, not the repo"]);
    expect(r.code).toBe(0);
    expect(await asks(dir)).toMatchObject([{ response: { behavior: "deny", message: "Use ./TMP, not the repo" } }]);
  });

  it("'s' stops the task: interrupted, saying who stopped it; the run then asks whether to run it again ('q': exit 3)", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["s", "", "q"]);
    expect(r.unexpected).toEqual([]);
    expect(r.prompts.slice(0, 2)).toEqual([ALLOW_PROMPT, "What should Claude know (Enter for nothing)? "]);
    expect(r.prompts[2]).toMatch(/stopped by the terminal when asked to run Bash: touch made\.txt.*\[q\]uit: $/s);
    expect(r.code).toBe(3);
    const state = await readState(dir);
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", error: "stopped by the terminal when asked to run Bash: touch made.txt" });
    expect(await asks(dir)).toMatchObject([{ response: { behavior: "deny", interrupt: true, message: "the terminal stopped the task." } }]);
  });

  it("an answer it does not know is asked again", async () => {
    const dir = await project(TOUCH);
    const r = await runAnswering(dir, ["maybe", "y"]);
    expect(r.prompts).toEqual([ALLOW_PROMPT, ALLOW_PROMPT]);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(true);
  });

  it("a question: its options by number; the chosen label reaches Claude", async () => {
    const dir = await project(askLine("AskUserQuestion", QUESTION));
    const r = await runAnswering(dir, ["2"]);
    expect(r.unexpected).toEqual([]);
    expect(r.stdout).toContain("❓ Claude asks: Which database?\n  1. PostgreSQL\n  2. SQLite\n");
    expect(r.prompts).toEqual(["Your answer (a number, or your own words): "]);
    expect(r.code).toBe(0);
    expect((await readState(dir)).tasks[0]?.summary).toContain('answers: {"Which database?":"SQLite"}');
  });

  it("a question answered in a person's own words reaches Claude as typed", async () => {
    const dir = await project(askLine("AskUserQuestion", QUESTION));
    const r = await runAnswering(dir, ["Use MySQL 8, like Prod"]);
    expect(r.code).toBe(0);
    expect((await readState(dir)).permissions?.[0]?.answers).toEqual({ "Which database?": "Use MySQL 8, like Prod" });
  });
});

describe("orchestrator run without a terminal", () => {
  it.each([[[] as string[]], [["--yes"]]])("denies each request saying nobody was there (args %p); the task goes on without the call", async (extra) => {
    const dir = await project(TOUCH);
    const r = await orchestratorBin(["run", "tasks.md", ...extra], { cwd: dir, env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: path.join(dir, "record") } });
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(false);
    expect(await asks(dir)).toMatchObject([{ asked: true, response: { behavior: "deny", message: NOBODY_THERE } }]);
    const state = await readState(dir);
    expect(state.permissions?.[0]).toMatchObject({ status: "denied", answered_by: "orchestrator run (no terminal)", message: NOBODY_THERE });
    expect(state.tasks[0]).toMatchObject({ status: "completed", permission_denials: ["Bash"] });
  }, 30_000);

  it("--help says --yes does not approve tool calls", async () => {
    const dir = await project(TOUCH);
    const r = await orchestratorBin(["run", "--help"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--yes\s+approve checkpoints \(never Claude's tool calls/);
  });
});

// A real pseudo terminal: `script` runs the bin on a pty and forwards our pipe to it (skipped,
// and shown as skipped, where util-linux's script is missing).
const hasScript = await execa("script", ["--version"], { reject: false }).then((r) => r.exitCode === 0, () => false);

(hasScript ? describe : describe.skip)("orchestrator run on a real pseudo terminal (script -qefc)", () => {
  /** Runs the bin under script; answers each prompt matching a key of `answers` (in order) with its value. */
  async function onPty(dir: string, answers: [RegExp, string][]) {
    const command = `exec '${process.execPath}' '${BIN}' run tasks.md`;
    const child = execa("script", ["-qefc", command, "/dev/null"], {
      cwd: dir,
      reject: false,
      stdin: "pipe",
      timeout: 25_000,
      env: { PATH: process.env.PATH, CLAUDE_CLI_PATH: FAKE_CLAUDE, FAKE_CLAUDE_RECORD: path.join(dir, "record"), TERM: "dumb" },
    });
    let out = "";
    const queue = [...answers];
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const next = queue[0];
      if (next && next[0].test(out)) {
        queue.shift();
        out = "";
        child.stdin.write(`${next[1]}\r`);
      }
    });
    const r = await child;
    return { code: r.exitCode, left: queue.length };
  }

  it("'y' at the real prompt allows the call; the run completes (exit 0)", async () => {
    const dir = await project(TOUCH);
    const r = await onPty(dir, [[/Allow Bash: touch made\.txt\?\s+\[y\]es \/ \[a\]lways \/ \[n\]o \/ \[s\]top: /, "y"]]);
    expect(r.left).toBe(0);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(true);
    expect((await readState(dir)).permissions?.[0]).toMatchObject({ status: "allowed", answered_by: "the terminal" });
  }, 30_000);

  it("'n' and a message at the real prompt deny the call with that message", async () => {
    const dir = await project(TOUCH);
    const r = await onPty(dir, [
      [/\[s\]top: /, "n"],
      [/Enter for nothing\)\? /, "use the scratch folder"],
    ]);
    expect(r.left).toBe(0);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, "made.txt"))).toBe(false);
    expect(await asks(dir)).toMatchObject([{ response: { behavior: "deny", message: "use the scratch folder" } }]);
  }, 30_000);
});
