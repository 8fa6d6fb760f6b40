/**
 * Cost of a transition (issue #8, defect 8): every transition rewrote the whole state file,
 * tasks' text included, as pretty JSON (a 10,000-task file ran at about 4 tasks a second).
 * Now the text is written once per session to the definitions file beside state.json, and each
 * save writes only the tasks' status fields, compactly. Measured from outside: the real
 * `orchestrator run --yes` with the fake claude, and the bytes its process writes
 * (/proc/<pid>/io `wchar`: every write it makes, state, logs and pipes included) between two
 * moments of the run, per task completed in between.
 *
 * What cannot be promised: a write that does not grow with the number of tasks at all.
 * state.json stays the complete, current record of every task's status, so each save is about
 * 0.75 KB per task in the session; what is promised is that the tasks' text is never part of it.
 * The per-task cost for 1,000 tasks against 10 is in `npm run bench` (BENCHMARKS.md).
 */
import { describe, it, expect, afterAll } from "@jest/globals";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { orchestratorBin, tempDir } from "../support/run-orchestrator-bin.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

const TASKS = 1000;
/** Tasks completed before the first reading (the start and its definitions write are behind us). */
const FROM = 3;
/** Tasks measured. */
const SPAN = 12;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A markdown task file of `count` tasks, each with about `textBytes` of description and instruction. */
function taskFile(count: number, textBytes: number): string {
  const text = (n: number, what: string) => `${what} ${n}: ${"lorem ipsum ".repeat(Math.ceil(textBytes / 24))}`.slice(0, textBytes / 2);
  const tasks = Array.from(
    { length: count },
    (_, i) => `## Task ${i + 1}: Task ${i + 1}\n**Type:** backend\n**Description:** ${text(i + 1, "Describe")}\n**Acceptance Criteria:**\n- it works\n\n**Claude Instruction:**\n${text(i + 1, "Do")}\n`,
  );
  return `# Tasks\n\n${tasks.join("\n---\n\n")}`;
}

async function wchar(pid: number): Promise<number> {
  const io = await readFile(`/proc/${pid}/io`, "utf8");
  return Number(/^wchar: (\d+)$/m.exec(io)?.[1]);
}

async function completed(file: string): Promise<number> {
  try {
    const s = JSON.parse(await readFile(file, "utf8")) as SessionState;
    return s.tasks.filter((t) => t.status === "completed").length;
  } catch {
    return 0; // not written yet
  }
}

/** Polls (bounded) until at least `n` tasks are completed; returns the count seen and the process's wchar at that moment. */
async function readingAt(pid: number, stateFile: string, n: number): Promise<{ done: number; bytes: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const bytes = await wchar(pid);
    const done = await completed(stateFile);
    if (done >= n) return { done, bytes };
    if (Date.now() > deadline) throw new Error(`only ${done} tasks completed within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Figure {
  bytesPerTask: number;
  stateBytesPerTask: number;
  definitionsBytes: number;
  definitionsRewritten: boolean;
}

/** Runs a `TASKS`-task file with `textBytes` of text a task for FROM + SPAN tasks; the bytes written per task in the span. */
async function measure(textBytes: number): Promise<Figure> {
  const dir = await tempDir("orch-state-size-");
  dirs.push(dir);
  await writeFile(path.join(dir, "tasks.md"), taskFile(TASKS, textBytes));
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\n  checkpoint_after: []\n");
  const stateFile = path.join(dir, "state.json");
  const run = orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir });
  let exited = false;
  try {
    const pid = run.pid!;
    const a = await readingAt(pid, stateFile, FROM);
    const named = JSON.parse(await readFile(stateFile, "utf8")).task_definitions as string | undefined;
    const definitionsFile = named === undefined ? null : path.join(dir, named);
    const before = definitionsFile ? await stat(definitionsFile) : null;
    const b = await readingAt(pid, stateFile, a.done + SPAN);
    const after = definitionsFile ? await stat(definitionsFile) : null;
    run.kill("SIGTERM");
    // It stops (how it reports SIGTERM is run-interrupt.test.ts's business) and leaves nothing running.
    await exitWithin(run, 30_000);
    exited = true;
    expect(await processesWithMarker(`${pid}-`)).toEqual([]);
    // A large state reuses the replaced file's storage while it runs; a clean stop removes that spare.
    expect((await readdir(dir)).filter((n) => n.includes(".spare-") || n.includes(".tmp-"))).toEqual([]);
    return {
      bytesPerTask: (b.bytes - a.bytes) / (b.done - a.done),
      stateBytesPerTask: (await stat(stateFile)).size / TASKS,
      definitionsBytes: before?.size ?? 0,
      definitionsRewritten: !before || !after || after.ino !== before.ino || after.mtimeMs !== before.mtimeMs,
    };
  } finally {
    if (!exited) run.kill("SIGKILL");
    await run.catch(() => undefined);
  }
}

describe("the cost of a transition", () => {
  it(`does not include the tasks' text: ${TASKS} tasks with 3 KB of text each cost what ${TASKS} with 40 bytes do`, async () => {
    const small = await measure(40);
    const large = await measure(3000);
    if (process.env.FAULT_FIGURES)
      process.stdout.write(
        `state-size.test.ts figures: ${TASKS} tasks, bytes written per completed task: ${Math.round(small.bytesPerTask)} (40 B of text a task) vs ${Math.round(large.bytesPerTask)} (3 KB a task); ` +
          `state.json ${Math.round(large.stateBytesPerTask)} B a task; definitions file ${large.definitionsBytes} B, written once\n`,
      );
    // Before the fix each save carried the text, pretty-printed: 4.1x the bytes (1.9 MB vs 7.8 MB a task).
    expect(large.bytesPerTask / small.bytesPerTask).toBeLessThan(1.25);
    // state.json keeps only the status fields: well under a kilobyte a task.
    expect(large.stateBytesPerTask).toBeLessThan(1000);
    // The text is on disk once, in the definitions file, not rewritten while tasks complete.
    expect(large.definitionsBytes).toBeGreaterThan(TASKS * 2900);
    expect(large.definitionsRewritten).toBe(false);
    expect(small.definitionsRewritten).toBe(false);
  });
});
