/**
 * The fake claude's file directives (FAKE_CLAUDE_WRITE / DELETE / FIX, see its header), run as a
 * process the way the runner starts it: what it changes in its cwd, the stream-json it prints for
 * each change, the fix run that reads back its session's first prompt, and the paths it refuses.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { FAKE_CLAUDE, tempDir } from "../support/run-orchestrator-bin.js";

const ARGS = ["-p", "--output-format", "stream-json", "--verbose"];

describe("the fake claude's file directives", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  async function fake(prompt: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
    const r = await execa("node", [FAKE_CLAUDE, ...ARGS, ...extraArgs], {
      cwd: path.join(dir, "work"),
      input: prompt,
      reject: false,
      timeout: 10_000,
      env: { FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions"), ...env },
    });
    const lines = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    return { ...r, lines };
  }

  async function setUp() {
    dir = await tempDir("fake-claude-files-");
    await mkdir(path.join(dir, "work"));
  }

  it("writes, overwrites and deletes, printing Write and Bash tool rounds like the real CLI", async () => {
    await setUp();
    const work = path.join(dir, "work");
    await writeFile(path.join(work, "old.txt"), "old\n");
    await writeFile(path.join(work, "keep.txt"), "before\n");
    const r = await fake(
      [
        "Do the task.",
        "FAKE_CLAUDE_WRITE: src/new.txt line 1\\nline 2\\ttab \\\\n literal",
        'FAKE_CLAUDE_WRITE: "a dir/ünï code.txt" spaced',
        "FAKE_CLAUDE_WRITE: keep.txt after\\n",
        "FAKE_CLAUDE_WRITE: empty.txt",
        "FAKE_CLAUDE_DELETE: old.txt",
        "FAKE_CLAUDE_DELETE: missing.txt",
        "FAKE_CLAUDE_FIX: keep.txt only on a fix run",
      ].join("\n"),
    );
    expect(r.exitCode).toBe(0);
    expect(await readFile(path.join(work, "src/new.txt"), "utf8")).toBe("line 1\nline 2\ttab \\n literal");
    expect(await readFile(path.join(work, "a dir/ünï code.txt"), "utf8")).toBe("spaced");
    expect(await readFile(path.join(work, "keep.txt"), "utf8")).toBe("after\n");
    expect(await readFile(path.join(work, "empty.txt"), "utf8")).toBe("");
    expect(existsSync(path.join(work, "old.txt"))).toBe(false);

    const uses = r.lines.filter((l) => l.type === "assistant").flatMap((l) => l.message.content).filter((c: any) => c.type === "tool_use");
    expect(uses.slice(0, 6).map((u: any) => [u.name, u.input.file_path ?? u.input.command])).toEqual([
      ["Write", path.join(work, "src/new.txt")],
      ["Write", path.join(work, "a dir/ünï code.txt")],
      ["Write", path.join(work, "keep.txt")],
      ["Write", path.join(work, "empty.txt")],
      ["Bash", 'rm -r -- "old.txt"'],
      ["Bash", 'rm -r -- "missing.txt"'],
    ]);
    const results = r.lines.filter((l) => l.type === "user").map((l) => l.message.content[0]);
    expect(results[0]).toMatchObject({ type: "tool_result", tool_use_id: uses[0].id, is_error: false, content: `File created successfully at: ${path.join(work, "src/new.txt")}` });
    expect(results[2].content).toBe(`The file ${path.join(work, "keep.txt")} has been updated.`);
    expect(results[5]).toMatchObject({ is_error: true, content: "rm: cannot remove 'missing.txt': No such file or directory" });
    expect(r.lines.at(-1)).toMatchObject({ type: "result", subtype: "success", is_error: false });
  });

  it("applies FIX lines only when resumed with verification feedback, from the session's first prompt", async () => {
    await setUp();
    const work = path.join(dir, "work");
    const first = await fake("Task.\nFAKE_CLAUDE_WRITE: answer.txt 41\nFAKE_CLAUDE_FIX: answer.txt 42\n");
    const session = first.lines[0]?.session_id as string;
    expect(await readFile(path.join(work, "answer.txt"), "utf8")).toBe("41");
    expect(await readdir(path.join(dir, "sessions"))).toEqual([`${session}.prompt`]);

    // Resumed with other feedback (a person's retry, a turn-limit continuation): no fix.
    await fake("Please try again, more carefully.", ["--resume", session]);
    expect(await readFile(path.join(work, "answer.txt"), "utf8")).toBe("41");

    const fix = await fake("Verification failed: `node check.mjs` exited 1.\n\nFix it.", ["--resume", session]);
    expect(fix.exitCode).toBe(0);
    expect(await readFile(path.join(work, "answer.txt"), "utf8")).toBe("42");
    expect(fix.lines.every((l) => l.session_id === session)).toBe(true);
  });

  it("keeps no prompt in the temp folder unless asked, and refuses paths outside its cwd", async () => {
    await setUp();
    // FAKE_CLAUDE_SESSIONS unset: the default folder is <os.tmpdir()>/fake-claude-sessions, and a
    // prompt is kept there only when it has a FIX line to read back.
    const tmp = path.join(dir, "tmp");
    await mkdir(tmp);
    const run = (input: string) =>
      execa("node", [FAKE_CLAUDE, ...ARGS], { cwd: path.join(dir, "work"), input, reject: false, timeout: 10_000, env: { TMPDIR: tmp, FAKE_CLAUDE_SESSIONS: undefined } });
    expect((await run("FAKE_CLAUDE_WRITE: a.txt a\n")).exitCode).toBe(0);
    expect(await readdir(tmp)).toEqual([]);
    const withFix = await run("FAKE_CLAUDE_FIX: a.txt b\n");
    const session = JSON.parse(withFix.stdout.split("\n")[0] as string).session_id as string;
    expect(await readdir(path.join(tmp, "fake-claude-sessions"))).toEqual([`${session}.prompt`]);

    for (const bad of ["../escape.txt", "/etc/passwd-fake", ".", "sub/../../x"]) {
      const r = await fake(`FAKE_CLAUDE_WRITE: ${bad} nope\n`);
      expect([bad, r.exitCode]).toEqual([bad, 2]);
      expect(r.stderr).toMatch(/is not a relative path inside/);
    }
    expect(existsSync(path.join(dir, "escape.txt"))).toBe(false);
    const unclosed = await fake('FAKE_CLAUDE_DELETE: "no end\n');
    expect(unclosed.exitCode).toBe(2);
    expect(unclosed.stderr).toMatch(/unclosed quoted path/);
  });
});
