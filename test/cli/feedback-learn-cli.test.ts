import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import type { DayReport } from "../../src/report/day-report-types.js";
import { freePort } from "../support/start-service.js";
import { orchestratorBin, readState, tempDir } from "../support/run-orchestrator-bin.js";

// The evening, on the real bin with the fake claude and no service: `orchestrator learn` adds a
// lesson that the next run's every prompt carries (the fake records them), `orchestrator
// feedback` rates the day's tasks into feedback/<date>.md, and the day report shows it.

const TASKS = [
  "## Task 1: Write the notes\n**Type:** documentation\n**Description:** Write notes\n**Claude Instruction:**\nFAKE_CLAUDE_WRITE: notes.txt hello\n",
  "## Task 2: Check the notes\n**Type:** testing\n**Description:** Check them\n**Claude Instruction:**\nCheck notes.txt\n",
].join("\n---\n\n");

interface Call {
  prompt: string;
  argv: string[];
}

let dir: string;
let rec: string;
let today: string;
let state: SessionState;
let learned: Awaited<ReturnType<typeof orchestratorBin>>;
let run: Awaited<ReturnType<typeof orchestratorBin>>;

beforeAll(async () => {
  dir = await tempDir("orch-feedback-cli-");
  rec = path.join(dir, "rec");
  await mkdir(rec);
  await writeFile(path.join(dir, "tasks.md"), TASKS);
  learned = await orchestratorBin(["learn", "Use", "plural", "table", "names"], { cwd: dir });
  run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir, env: { FAKE_CLAUDE_RECORD: rec } });
  state = await readState(dir);
  today = localDate(new Date());
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("orchestrator learn, with no service", () => {
  it("appends the lesson to orchestrator_learnings.md, dated, by the CLI", async () => {
    expect(learned.stderr).toBe("");
    expect(learned.exitCode).toBe(0);
    expect(learned.stdout).toBe("📝 Learned: every task's prompt from now on has it (orchestrator_learnings.md).");
    expect(await readFile(path.join(dir, "orchestrator_learnings.md"), "utf8")).toBe(`# Learnings\n\n- Use plural table names (${today}, the CLI)\n`);
  });

  it("every task's prompt of the next run carries it, before the instruction", async () => {
    expect(run.exitCode).toBe(0);
    const calls = (await readFile(path.join(rec, "calls.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Call);
    expect(calls).toHaveLength(2);
    for (const [i, call] of calls.entries()) {
      expect(call.prompt).toContain(`## Lessons from earlier work\n- Use plural table names (${today}, the CLI)\n\n## Instruction\n`);
      expect(call.prompt.indexOf("## Lessons")).toBeLessThan(call.prompt.indexOf(i === 0 ? "FAKE_CLAUDE_WRITE" : "Check notes.txt"));
    }
  });

  it("without words: exit 2, saying what to give", async () => {
    const r = await orchestratorBin(["learn", " "], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("orchestrator learn: give the lesson: orchestrator learn <text...>");
  });
});

describe("orchestrator feedback, with no service", () => {
  it("rates task 1 with a note, then the last finished task down, into feedback/<today>.md", async () => {
    const up = await orchestratorBin(["feedback", "1", "up", "good", "job"], { cwd: dir });
    expect(up.stderr).toBe("");
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toBe(`Thanks: 👍 and your note for Task 1: Write the notes (feedback/${today}.md)`);
    const down = await orchestratorBin(["feedback", "down", "--note", "wrong file", "--json"], { cwd: dir });
    expect(down.exitCode).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ status: "ok", task: 2, rating: "down", note: "wrong file", file: path.join(dir, "feedback", `${today}.md`) });
    const text = await readFile(path.join(dir, "feedback", `${today}.md`), "utf8");
    expect(text).toMatch(new RegExp(`^# Feedback - ${today}\\n\\n## task-1: Write the notes\\nRating: 👍\\n\\n- good job \\(the CLI, \\d\\d:\\d\\d\\)\\n\\n## task-2: Check the notes\\nRating: 👎\\n\\n- wrong file \\(the CLI, \\d\\d:\\d\\d\\)\\n$`));
  });

  it("the day report, written again since the session is complete, has each task's rating and notes; --json too", async () => {
    const date = localDate(new Date(state.started_at as string));
    const markdown = await readFile(path.join(dir, "results", `${date}-report.md`), "utf8");
    expect(markdown).toMatch(/## Feedback\n\n### Task 1: Write the notes\n\nRating: 👍\n\n- good job \(the CLI, \d\d:\d\d\)\n\n### Task 2: Check the notes\n\nRating: 👎\n\n- wrong file \(the CLI, \d\d:\d\d\)\n/);
    const r = await orchestratorBin(["report", date, "--json"], { cwd: dir });
    const report = (JSON.parse(r.stdout) as { report: DayReport }).report;
    expect(report.tasks.map((t) => t.feedback && [t.feedback.rating, t.feedback.rating_text, t.feedback.notes.length])).toEqual([["up", "👍", 1], ["down", "👎", 1]]);
  });

  it("the history says who rated task 1", async () => {
    const r = await orchestratorBin(["history", "--grep", "feedback", "--task", "1"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n")).toEqual([expect.stringMatching(/^\S+ feedback by the CLI: Thanks: 👍 and your note for Task 1: Write the notes \(feedback\/\d{4}-\d\d-\d\d\.md\)$/)]);
  });

  it("no such task, or nothing to record: exit 2 with the reason", async () => {
    const none = await orchestratorBin(["feedback", "9", "up"], { cwd: dir });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toBe("No Task 9 in this session: it has 2 tasks (1-2).");
    const empty = await orchestratorBin(["feedback"], { cwd: dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toBe("orchestrator feedback: give a rating (up, down or 1-5), a note, or both: orchestrator feedback [task] up|down|1-5 [note...]");
  });

  it("a service that ran here once but is stopped (its secret is left): written from the files all the same", async () => {
    await writeFile(path.join(dir, ".webhook-secret"), "a".repeat(64), { mode: 0o600 });
    const r = await orchestratorBin(["feedback", "2", "4"], { cwd: dir, env: { PORT: String(await freePort()) } });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(await readFile(path.join(dir, "feedback", `${today}.md`), "utf8")).toContain("## task-2: Check the notes\nRating: 4/5\n");
  });
});
