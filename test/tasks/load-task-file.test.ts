import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { TaskFileError } from "../../src/core/errors.js";
import { loadTaskFile, TASK_FILE_MAX_BYTES } from "../../src/tasks/load-task-file.js";
import { makeFifo } from "../support/make-fifo.js";

const fixture = (name: string): Promise<string> =>
  readFile(new URL(`../fixtures/tasks/${name}`, import.meta.url), "utf8");

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "load-task-file-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` to a new file in the temp folder and returns its path. */
async function write(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The TaskFileError that loading `path` throws. */
async function failure(path: string): Promise<TaskFileError> {
  const error: unknown = await loadTaskFile(path).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof TaskFileError)) throw new Error(`expected a TaskFileError, got ${String(error)}`);
  return error;
}

describe("loadTaskFile: picks the format from the file name", () => {
  const cases: [string, string, (string | number)[]][] = [
    ["seed.md", "seed-2025-11-20-tasks.md", [1, 2, 3]],
    ["seed.txt", "seed-2025-11-20-tasks.md", [1, 2, 3]],
    ["seed.yaml", "seed-full.yaml", ["task-001"]],
    ["seed.yml", "seed-minimal.yaml", ["task-001"]],
    ["SEED.YAML", "seed-quick-start.yaml", ["task-001"]],
  ];

  it.each(cases)("%s (from %s)", async (name, source, ids) => {
    const path = await write(name, await fixture(source));
    const tasks = await loadTaskFile(path);
    expect(tasks.map((t) => t.id)).toEqual(ids);
  });

  it("reads the seed markdown tasks in full", async () => {
    const path = await write("full.md", await fixture("seed-2025-11-20-tasks.md"));
    const [first] = await loadTaskFile(path);
    expect(first).toMatchObject({ id: 1, title: "Create baptisms migration", type: "database", requires_approval: true, line: 3 });
  });
});

describe("loadTaskFile: the shipped example", () => {
  it("orchestrator_tasks/example-tasks.md loads as the seed's three tasks, the first with a Verify command", async () => {
    const path = fileURLToPath(new URL("../../orchestrator_tasks/example-tasks.md", import.meta.url));
    const tasks = await loadTaskFile(path);
    expect(tasks.map((t) => [t.id, t.title, t.requires_approval, t.verify])).toEqual([
      [1, "Create baptisms migration", true, ["node --version"]],
      [2, "Create baptisms server actions", true, []],
      [3, "Create baptisms UI - List page", false, []],
    ]);
  });
});

describe("loadTaskFile: failures are TaskFileErrors with a clear message", () => {
  it("a missing file", async () => {
    const path = join(dir, "nope.md");
    const error = await failure(path);
    expect(error.message).toBe(`task file not found: ${path}. Create it or pass another file.`);
    expect(error.file).toBe(path);
    expect(error.issues).toEqual([]);
  });

  it("a directory", async () => {
    const path = join(dir, "a-folder.md");
    await mkdir(path);
    const error = await failure(path);
    expect(error.message).toBe(`task file is a directory: ${path}. Pass a .md or .yaml task file.`);
    expect(error.cause).toBeDefined();
  });

  it("an unreadable path", async () => {
    const file = await write("plain.md", "x");
    const path = join(file, "child.md"); // a file used as a folder: ENOTDIR
    const error = await failure(path);
    expect(error.message).toMatch(new RegExp(`^cannot read task file ${escape(path)}: .*ENOTDIR.*Check that it is a readable file\\.$`));
  });

  const invalid: [string, string, string[]][] = [
    ["empty.md", "", [":1: no tasks found"]],
    [
      "broken.md",
      "## Task 1: A\n**Requires Approval:** maybe\n\n## Task 1: B\n**Description:** b\n",
      [":1: task 1 has neither", ":2: **Requires Approval:** \"maybe\"", ":4: duplicate task number 1 (first used at line 1)"],
    ],
    ["broken.yaml", "tasks:\n  - id: a\n    name: A\n", [":2: task \"a\" has neither"]],
    ["syntax.yml", "tasks:\n  - id: a\n   name: b\n", [":3: YAML syntax error"]],
  ];

  it.each(invalid)("parse issues in %s: one formatted issue per line", async (name, text, starts) => {
    const path = await write(name, text);
    const error = await failure(path);
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(starts.length);
    lines.forEach((line, i) => expect(line.startsWith(`${path}${starts[i]}`)).toBe(true));
    expect(error.issues).toHaveLength(starts.length);
    expect(error.issues.every((issue) => issue.file === path)).toBe(true);
    expect(error.file).toBe(path);
  });

  it("names the file as given, even a relative path", async () => {
    const absolute = await write("relative.md", "# nothing\n");
    const given = relative(process.cwd(), absolute);
    const error = await failure(given);
    expect(error.message).toBe(`${given}:1: no tasks found; start each task with a heading like '## Task 1: Title'`);
    expect(error.issues[0].file).toBe(given);
  });
});

describe("loadTaskFile: only regular files, bounded, and the bytes as written", () => {
  const task = (i: number, body = `Do thing ${i}`) => `## Task ${i}: Task ${i}\n**Description:** ${body}\n`;

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const path = join(dir, "pipe.md");
    await makeFifo(path);
    const started = Date.now();
    const error = await failure(path);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.message).toBe(`task file is a FIFO (named pipe), not a regular file: ${path}. Pass a .md or .yaml task file.`);
  });

  it("refuses a character device (it would never end)", async () => {
    expect((await failure("/dev/zero")).message).toBe("task file is a character device, not a regular file: /dev/zero. Pass a .md or .yaml task file.");
  });

  it("loads a 5 MB file, and refuses one over the cap naming the limit", async () => {
    const big = await write("five-mb.md", task(1, "x".repeat(5 * 1024 * 1024)));
    const [only] = await loadTaskFile(big);
    expect(only?.description).toHaveLength(5 * 1024 * 1024);
    expect(TASK_FILE_MAX_BYTES).toBe(16 * 1024 * 1024);
    const over = await write("over.md", Buffer.alloc(TASK_FILE_MAX_BYTES + 1, "a"));
    expect((await failure(over)).message).toBe(`task file is too large: ${over} is 16 MiB (${TASK_FILE_MAX_BYTES + 1} bytes), over the 16 MiB limit. Split it into smaller task files.`);
  });

  it("reports invalid UTF-8 and NUL bytes as file:line issues instead of altering the text", async () => {
    const bytes = Buffer.concat([Buffer.from(task(1) + "\n---\n"), Buffer.from("## Task 2: Bad \xff byte\n", "latin1"), Buffer.from("**Description:** a\0b\r\n")]);
    const path = await write("bytes.md", bytes);
    const error = await failure(path);
    expect(error.message.split("\n")).toEqual([`${path}:5: not valid UTF-8; save the file as UTF-8`, `${path}:6: contains a NUL byte; a task file is plain text (is this a binary file?)`]);
    expect(error.issues.map((i) => i.line)).toEqual([5, 6]);
  });

  it("says a UTF-16 file is UTF-16", async () => {
    const path = await write("utf16.md", Buffer.from("\ufeff" + task(1), "utf16le"));
    expect((await failure(path)).message).toBe(`${path}:1: the file is UTF-16; save it as UTF-8`);
  });

  it("keeps valid UTF-8 (and a UTF-8 BOM) exactly", async () => {
    const path = await write("unicode.md", "\ufeff" + task(1, "ünïcödé — 日本語 🚀"));
    expect((await loadTaskFile(path))[0]?.description).toBe("ünïcödé — 日本語 🚀");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("loadTaskFile: Verify commands that could never run", () => {
  it("are mistakes at the task's line, naming the command and the way out, before anything runs", async () => {
    const file = await write("verify-shell.md", "## Task 1: A\n**Verify:**\n- npm test && npm run lint\n- node -e \"1\"\n**Claude Instruction:** x\n\n## Task 2: B\n**Verify:** echo 'open\n**Claude Instruction:** y\n");
    const error = await failure(file);
    expect(error.issues.map((i) => i.line)).toEqual([1, 7]);
    expect(error.message).toContain('task 1: Verify command "npm test && npm run lint" cannot run: it has the shell operator "&&"');
    expect(error.message).toContain("give each command its own item");
    expect(error.message).toMatch(/task 2: Verify command "echo 'open" cannot run: .*quote/);
  });
  it("a command in quotes or split over items loads", async () => {
    const file = await write("verify-ok.md", "## Task 1: A\n**Verify:**\n- npm test\n- sh -c 'npm test && npm run lint'\n**Claude Instruction:** x\n");
    const [task] = await loadTaskFile(file);
    expect(task?.verify).toEqual(["npm test", "sh -c 'npm test && npm run lint'"]);
  });
});
