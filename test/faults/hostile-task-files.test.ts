/**
 * Hostile task files through the real `orchestrator validate`, `orchestrator run` and an HTTP
 * start on `orchestrator serve`: HTML and Telegram markup in titles, shell metacharacters (never
 * executed: the prompt reaches claude verbatim, on stdin), NUL bytes, invalid UTF-8, a FIFO,
 * a 5 MB file and a 10,000-task file. Errors are `file:line: message` where a line applies.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { access, mkdir, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeFifo } from "../support/make-fifo.js";
import { orchestratorBin, tempDir } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

const SECRET = "hostile-task-files-secret-42";

const exists = (file: string) => access(file).then(() => true, () => false);

/** Figures for RELIABILITY.md, printed at the end when FAULT_FIGURES is set (quiet otherwise). */
const figures: string[] = [];

describe("hostile task files", () => {
  let dir: string;
  let tasksDir: string;
  let record: string;
  let service: RunningService;
  const markers = () => Array.from({ length: 7 }, (_, i) => path.join(dir, `pwned-${i}`));

  /** Task text a shell would run: every form, each touching its own marker file. */
  const shellTasks = () => {
    const [m0, m1, m2, m3, m4, m5, m6] = markers();
    const instruction = [`Run $(touch ${m0}) and \`touch ${m1}\`; touch ${m2}`, `echo x | touch ${m3} && touch ${m4} > ${m5}`, `'"; touch ${m6}; echo "'`, "$HOME ${PATH} %PATH% \\ \\n"].join("\n");
    const titles = ["<b>bold</b> & <script>alert(1)</script>", "*not bold* _nor italic_ [link](http://example.com) `code`", `$(touch ${m0}) title`];
    const text = titles.map((t, i) => `## Task ${i + 1}: ${t}\n**Type:** backend\n**Description:** ${t}\n**Claude Instruction:**\n${instruction}\n`).join("\n---\n\n");
    return { text, titles, instruction };
  };

  beforeAll(async () => {
    dir = await tempDir("hostile-task-files-");
    tasksDir = path.join(dir, "orchestrator_tasks");
    record = path.join(dir, "record");
    await mkdir(tasksDir);
    await mkdir(record);
    await writeFile(path.join(tasksDir, "shell-tasks.md"), shellTasks().text);
    // Line 6 has a NUL byte, line 7 a broken two-byte sequence (0xc3 then "(").
    await writeFile(path.join(tasksDir, "bytes-tasks.md"), Buffer.concat([Buffer.from("## Task 1: Fine\n**Description:** ok\n\n---\n\n## Task 2: Bin"), Buffer.from([0x00]), Buffer.from("ary\n**Description:** "), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]));
    await makeFifo(path.join(tasksDir, "fifo-tasks.md"));
  });

  afterAll(async () => {
    if (service) {
      const pid = service.process.pid ?? 0;
      expect((await service.stop("SIGTERM")).exitCode).toBe(0);
      expect(await processesWithMarker(`${pid}-`)).toEqual([]);
    }
    if (process.env.FAULT_FIGURES && figures.length > 0) process.stderr.write(`hostile-task-files figures:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => orchestratorBin(args, { cwd: dir, env: { FAKE_CLAUDE_RECORD: record, WEBHOOK_SECRET: SECRET } });
  const startOverHttp = async (taskFile: string) => {
    const started = performance.now();
    const r = await fetch(`${service.url}/webhook/start`, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": SECRET }, body: JSON.stringify({ task_file: taskFile }), signal: AbortSignal.timeout(30_000) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown>, ms: performance.now() - started };
  };
  /** A service on a fresh state (no session), so the next start is accepted whatever came before. */
  const freshService = async () => {
    if (service) expect((await service.stop("SIGTERM")).exitCode).toBe(0);
    for (const f of await readdir(dir)) if (f.startsWith("state.json")) await rm(path.join(dir, f), { force: true });
    service = await startService(dir, { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: record });
  };

  it("markup and shell metacharacters: validate shows titles verbatim, run never executes them and claude gets the text verbatim on stdin", async () => {
    const { titles, instruction } = shellTasks();
    const file = path.join(tasksDir, "shell-tasks.md");
    const validated = await cli("validate", file);
    expect(validated.exitCode).toBe(0);
    for (const t of titles) expect(validated.stdout).toContain(t);

    const run = await cli("run", file, "--yes");
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.exitCode).toBe(0);
    for (const m of markers()) expect(await exists(m)).toBe(false);
    const calls = (await readFile(path.join(record, "calls.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { argv: string[]; prompt: string });
    expect(calls).toHaveLength(3);
    calls.forEach((c, i) => {
      expect(c.prompt).toContain(`# Task ${i + 1}: ${titles[i]}`);
      expect(c.prompt).toContain(instruction);
      // Task text travels on stdin only, never as an argument.
      expect(c.argv.join(" ")).not.toContain("touch");
    });
    for (const m of markers()) expect(await exists(m)).toBe(false);
  });

  it("NUL bytes and invalid UTF-8: validate and run exit 2 with file:line for each, nothing runs", async () => {
    const file = path.join(tasksDir, "bytes-tasks.md");
    for (const command of ["validate", "run"]) {
      const r = await cli(command, file);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([
        `orchestrator: ${file}:6: contains a NUL byte; a task file is plain text (is this a binary file?)`,
        `${file}:7: not valid UTF-8; save the file as UTF-8`,
      ]);
    }
  });

  it("a FIFO: validate and run answer at once (exit 2) instead of waiting for a writer", async () => {
    const fifo = path.join(tasksDir, "fifo-tasks.md");
    for (const command of ["validate", "run"]) {
      const child = cli(command, fifo);
      // Before the fix this waited for a writer without end: bounded, and killed if it hangs.
      const { elapsedMs: ms } = await exitWithin(child, 10_000);
      const r = await child;
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim()).toBe(`orchestrator: task file is a FIFO (named pipe), not a regular file: ${fifo}. Pass a .md or .yaml task file.`);
      figures.push(`${command} on a FIFO: exit 2 in ${ms} ms (process start included)`);
    }
  });

  it("a 5 MB file and a 10,000-task file: validate answers in bounded time, an HTTP start works; markup and bad bytes over HTTP too", async () => {
    const five = path.join(tasksDir, "five-mb-tasks.md");
    await writeFile(five, `## Task 1: Big\n**Description:** ${"x".repeat(5 * 1024 * 1024)}\n`);
    const many = path.join(tasksDir, "many-tasks.md");
    await writeFile(many, Array.from({ length: 10_000 }, (_, i) => `## Task ${i + 1}: Task ${i + 1}\n**Description:** d ${i + 1}\n`).join("\n---\n\n"));
    for (const [file, count] of [[five, 1], [many, 10_000]] as const) {
      const started = Date.now();
      const r = await cli("validate", file);
      const ms = Date.now() - started;
      expect(r.exitCode).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe(`${file}: ${count} task${count === 1 ? "" : "s"} OK`);
      expect(ms).toBeLessThan(20_000);
      figures.push(`validate ${path.basename(file)}: ${ms} ms (process start included)`);
    }

    await freshService();
    // Refused while reading, before any session: no fresh state needed between them.
    const tasksReal = await realpath(tasksDir);
    const bytes = await startOverHttp("bytes-tasks.md");
    expect(bytes.status).toBe(400);
    expect(bytes.json.issues).toEqual([
      { file: path.join(tasksReal, "bytes-tasks.md"), line: 6, message: "contains a NUL byte; a task file is plain text (is this a binary file?)" },
      { file: path.join(tasksReal, "bytes-tasks.md"), line: 7, message: "not valid UTF-8; save the file as UTF-8" },
    ]);
    const fifo = await startOverHttp("fifo-tasks.md");
    expect(fifo.status).toBe(400);
    expect(fifo.json.message).toMatch(/^task_file "fifo-tasks\.md" is a FIFO \(named pipe\), not a regular file/);
    expect(fifo.ms).toBeLessThan(2_000);

    const { titles } = shellTasks();
    const shell = await startOverHttp("shell-tasks.md");
    expect(shell.status).toBe(200);
    expect((shell.json.tasks as { title: string }[]).map((t) => t.title)).toEqual(titles);

    await freshService();
    const big = await startOverHttp("five-mb-tasks.md");
    expect(big.status).toBe(200);
    await freshService();
    const lots = await startOverHttp("many-tasks.md");
    expect(lots.status).toBe(200);
    expect(lots.json).toMatchObject({ session: { total: 10_000 } });
    figures.push(`HTTP start: 5 MB file ${big.ms.toFixed(0)} ms, 10,000 tasks ${lots.ms.toFixed(0)} ms`);
    for (const m of markers()) expect(await exists(m)).toBe(false);
  });
});
