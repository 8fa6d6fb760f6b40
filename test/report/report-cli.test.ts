import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SessionState } from "../../src/core/state.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import type { DayReport } from "../../src/report/day-report-types.js";
import { orchestratorBin, readState, tempDir } from "../support/run-orchestrator-bin.js";

// The real bin with the fake claude: `orchestrator run` writes the day report by itself when
// the session completes, and `orchestrator report` makes it again offline, from the state file
// alone (no service runs), with numbers that are the state's.

const TASKS = [
  "## Task 1: Write the notes\n**Type:** documentation\n**Description:** Write notes\n**Claude Instruction:**\nFAKE_CLAUDE_WRITE: notes.txt hello\n",
  "## Task 2: Check the notes\n**Type:** testing\n**Requires Approval:** true\n**Description:** Check them\n**Claude Instruction:**\nCheck notes.txt\n",
].join("\n---\n\n");

let dir: string;
let run: Awaited<ReturnType<typeof orchestratorBin>>;
let state: SessionState;
let date: string;
let reportFile: string;

beforeAll(async () => {
  dir = await tempDir("orch-report-cli-");
  await writeFile(path.join(dir, "tasks.md"), TASKS);
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  daily_budget_usd: 2\npaths:\n  results_dir: out/results\n");
  run = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir });
  state = await readState(dir);
  date = localDate(new Date(state.started_at as string));
  reportFile = path.join(dir, "out/results", `${date}-report.md`);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the day report of orchestrator run", () => {
  it("is written when the session completes, to paths.results_dir, and the run says where", async () => {
    expect(run.exitCode).toBe(0);
    expect(state.status).toBe("completed");
    expect(run.stdout).toContain(`day report written: ${reportFile}`);
    const markdown = await readFile(reportFile, "utf8");
    expect(markdown).toContain(`# Day report ${date}`);
    expect(markdown).toContain(`Session \`${state.session_id}\``);
    expect(markdown).toContain("| Tasks | 2: 2 done |");
    const cost = state.tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0);
    expect(markdown).toContain(`| Cost | $${cost.toFixed(4)}, budget $2.00 (${Math.round((cost / 2) * 100)} % used) |`);
    expect(markdown).toMatch(/\| 1 \| Write the notes \| ✅ completed \| 1 \| \d+ s \| \$0\.0123 \| /);
  });
});

describe("orchestrator report, offline", () => {
  it("--json: writes the file again and prints {file, summary, report}, the numbers the state file's", async () => {
    await rm(reportFile);
    const r = await orchestratorBin(["report", date, "--json"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; summary: string; report: DayReport };
    expect(out.file).toBe(reportFile);
    await stat(reportFile);
    const report = out.report;
    expect(report).toMatchObject({ date, session_id: state.session_id, session_status: "completed", task_file: path.join(dir, "tasks.md") });
    expect(report.totals).toMatchObject({ tasks: 2, completed: 2, success_rate: 1, budget_usd: 2 });
    expect(report.totals.cost_usd).toBeCloseTo(state.tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0), 10);
    expect(report.totals.claude_s).toBeCloseTo(state.tasks.reduce((sum, t) => sum + (t.duration_s ?? 0), 0), 10);
    expect(report.totals.tokens_total).toBe(state.tasks.reduce((sum, t) => sum + (t.tokens ? t.tokens.input_tokens + t.tokens.output_tokens + t.tokens.cache_creation_input_tokens + t.tokens.cache_read_input_tokens : 0), 0));
    expect(report.tasks.map((t) => [t.title, t.status, t.attempts, t.duration_s, t.cost_usd, t.num_turns])).toEqual(state.tasks.map((t) => [t.title, t.status, t.attempts, t.duration_s, t.cost_usd, t.num_turns]));
    expect(out.summary).toBe(report ? out.summary : "");
    expect(out.summary.split("\n")[0]).toBe(`📊 Day report ${date} (session ${state.session_id}, completed)`);
  });

  it("without --json: the summary and where the file is", async () => {
    const r = await orchestratorBin(["report", date], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^📊 Day report ${date}[\\s\\S]*\\n\\nReport: ${reportFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  });

  it("a date that is not the session's: exit 2, saying which date the state holds", async () => {
    const r = await orchestratorBin(["report", "2000-01-01"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`orchestrator report: No session on 2000-01-01: the state holds session ${state.session_id} of ${date} (completed). Ask for ${date} (orchestrator report ${date}, /report ${date}).`);
    const bad = await orchestratorBin(["report", "tomorrow"], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/A report's date is YYYY-MM-DD/);
  });

  it("no state file: exit 2, nothing to report (and the date's report file, when there is one)", async () => {
    const r = await orchestratorBin(["report", date, "--state", "none.json"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`orchestrator report: No session on ${date}: the state holds none yet, nothing to report. Its report is ${reportFile}.`);
    const other = await orchestratorBin(["report", "2000-01-01", "--state", "none.json"], { cwd: dir });
    expect(other.stderr).toBe("orchestrator report: No session on 2000-01-01: the state holds none yet, nothing to report.");
  });
});
