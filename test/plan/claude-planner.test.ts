// ClaudePlanner over the real ClaudeRunner and the fake CLI's plan scenario: the read-only
// argv, the prompt, the whole answer taken from the output log, the ExitPlanMode fallback, our
// parser's issues, the fix round, a cancel, and failures that name what to do.
import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NO_TASK_FILE } from "../../src/plan/claude-planner.js";
import { READ_ONLY_DENIED_TOOLS, READ_ONLY_TOOLS } from "../../src/runner/build-claude-args.js";
import { calls, removeDir, waitGone } from "../runner/runner-test-helpers.js";
import { planner, planSetup, request, writeDailyLog, type PlanSetup } from "./plan-test-helpers.js";

const setups: PlanSetup[] = [];
afterAll(() => setups.forEach((s) => removeDir(s.dir)));
const setup = (env: NodeJS.ProcessEnv = {}) => {
  const s = planSetup(env);
  setups.push(s);
  return s;
};
const DATE = "2026-03-02";
const flagValue = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe("ClaudePlanner", () => {
  it("drafts, checks and writes the task file, running Claude read-only with the daily log in its prompt", async () => {
    const s = setup({ FAKE_CLAUDE_COST: "0.25" });
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN_TASK: Add the hello endpoint", "FAKE_CLAUDE_PLAN_TASK: Test the hello endpoint"]);
    const r = await planner(s).plan(request(log, { max_budget_usd: 2 }));

    const file = path.join(s.tasksDir, `${DATE}-tasks.md`);
    expect(r.result).toEqual({
      kind: "written",
      file,
      kept_existing: null,
      tasks: [
        { id: 1, title: "Add the hello endpoint", type: "backend", requires_approval: false, verify: ["node --version"] },
        { id: 2, title: "Test the hello endpoint", type: "backend", requires_approval: false, verify: ["node --version"] },
      ],
    });
    expect(r.cost_usd).toBe(0.25);
    expect(readFileSync(file, "utf8")).toMatch(/^# Tasks\n\n## Task 1: Add the hello endpoint\n/);

    const [call] = calls(s.recordDir);
    expect(calls(s.recordDir)).toHaveLength(1);
    expect(r.session_id).toBeTruthy();
    expect(call?.cwd).toBe(s.project);
    expect(flagValue(call!.argv, "--permission-mode")).toBe("plan");
    expect(flagValue(call!.argv, "--allowedTools")).toBe(READ_ONLY_TOOLS.join(","));
    expect(flagValue(call!.argv, "--disallowedTools")).toBe(READ_ONLY_DENIED_TOOLS.join(","));
    expect(flagValue(call!.argv, "--max-budget-usd")).toBe("2.0000");
    expect(call?.argv).not.toContain("--resume");
    // The prompt: the daily log verbatim, the date, the format and the rules.
    expect(call?.prompt).toContain(`----- daily log begins -----\n${readFileSync(log, "utf8")}----- daily log ends -----`);
    expect(call?.prompt).toContain(`write the task file for ${DATE}`);
    expect(call?.prompt).toContain("**Requires Approval:** true");
    // The run's stream is in the plan's own log.
    expect(readFileSync(path.join(s.logsDir, "plans", "2026-03-02-p1-round0.log"), "utf8")).toContain('"type":"result"');
  }, 20_000);

  it("never opens the permission channel or bypasses permissions, whatever claude.permissions and claude.flags say; the fake changes nothing", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_WRITE: made.txt should not exist"]);
    const r = await planner(s, { permissions: "bypass", flags: ["--dangerously-skip-permissions", "--permission-mode", "acceptEdits", "--allowedTools", "Bash", "Write"], allowed_tools: ["Bash"], permission_mode: "acceptEdits" }).plan(request(log));
    expect(r.result.kind).toBe("written");
    const argv = calls(s.recordDir)[0]!.argv;
    expect(argv).not.toContain("--dangerously-skip-permissions");
    expect(argv).not.toContain("--input-format");
    expect(argv).not.toContain("--permission-prompt-tool");
    expect(argv.filter((a) => a === "--permission-mode")).toHaveLength(1);
    expect(argv.filter((a) => a === "--allowedTools")).toHaveLength(1);
    expect(argv).not.toContain("Bash");
    expect(existsSync(path.join(s.project, "made.txt"))).toBe(false);

    const asked = setup();
    const log2 = writeDailyLog(asked, DATE, ["FAKE_CLAUDE: plan"]);
    const r2 = await planner(asked, { permissions: "ask" }).plan(request(log2));
    expect(r2.result.kind).toBe("written");
    const call = calls(asked.recordDir)[0]!;
    expect(call.argv).not.toContain("--input-format");
    // The prompt went in as plain stdin (no stream-json message).
    expect(call.prompt.startsWith("Plan a day of work.")).toBe(true);
  }, 20_000);

  it("takes the whole answer from the output log, not the outcome's 4000-character summary", async () => {
    const s = setup();
    const titles = Array.from({ length: 40 }, (_, i) => `FAKE_CLAUDE_PLAN_TASK: Step ${i + 1} of the long day, with a title long enough to add up`);
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", ...titles]);
    const r = await planner(s).plan(request(log));
    expect(r.result.kind).toBe("written");
    if (r.result.kind !== "written") return;
    expect(r.result.tasks).toHaveLength(40);
    expect(readFileSync(r.result.file, "utf8").length).toBeGreaterThan(8000);
  }, 20_000);

  it("falls back to the plan of the last ExitPlanMode call when the result text holds no task file", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN: exit-plan-mode"]);
    const r = await planner(s).plan(request(log));
    expect(r.result).toMatchObject({ kind: "written", tasks: [{ id: 1, title: "Add the greeting module" }, { id: 2, type: "database", requires_approval: true }] });
  }, 20_000);

  it("an answer without a task file fails saying so, and writes nothing", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN: no-file"]);
    const r = await planner(s).plan(request(log));
    expect(r.result).toEqual({ kind: "failed", error: NO_TASK_FILE });
    expect(existsSync(s.tasksDir)).toBe(false);
  }, 20_000);

  it("a draft our parser refuses is reported as file:line issues, nothing written; the fix round resumes the session with only the issues", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN: bad-first"]);
    const p = planner(s);
    const first = await p.plan(request(log));
    expect(first.result).toEqual({
      kind: "invalid",
      issues: [
        `${DATE}-tasks.md:7: duplicate task number 1 (first used at line 3); give each task its own number`,
        `${DATE}-tasks.md:7: task 1 has neither **Claude Instruction:** nor **Description:**; add one so Claude knows what to do`,
      ],
    });
    expect(existsSync(s.tasksDir)).toBe(false);
    if (first.result.kind !== "invalid") return;

    const second = await p.plan(request(log, { round: 1, resume_session_id: first.session_id, issues: first.result.issues }));
    expect(second.result.kind).toBe("written");
    const [, fix] = calls(s.recordDir);
    expect(fix?.argv.slice(-2)).toEqual(["--resume", first.session_id]);
    expect(fix?.argv).toContain("--permission-mode");
    expect(fix?.prompt).toBe(
      `Our parser found these problems in your task file:\n- ${first.result.issues[0]}\n- ${first.result.issues[1]}\n\nAnswer with the whole corrected task file in one \`\`\`markdown block.\n`,
    );
    expect(second.session_id).toBe(first.session_id);
    expect(existsSync(path.join(s.logsDir, "plans", "2026-03-02-p1-round1.log"))).toBe(true);
  }, 20_000);

  it("a fix round with no session to resume is a fresh run: the daily log's prompt plus the issues", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN: bad-first"]);
    const r = await planner(s).plan(request(log, { round: 1, resume_session_id: null, issues: ["x.md:3: something is wrong"] }));
    expect(r.result.kind).toBe("written");
    const [call] = calls(s.recordDir);
    expect(call?.argv).not.toContain("--resume");
    expect(call?.prompt).toContain("----- daily log begins -----");
    expect(call?.prompt).toContain("A first draft of this task file had these problems (our parser found them):\n- x.md:3: something is wrong\n");
  }, 20_000);

  it("an unreadable daily log fails naming the file, and Claude is not started", async () => {
    const s = setup();
    const missing = path.join(s.dailyDir, "2026-03-03.md");
    const r = await planner(s).plan(request(missing));
    expect(r).toEqual({ cost_usd: null, session_id: null, result: { kind: "failed", error: expect.stringContaining(`could not read the daily log ${missing}`) } });
    expect(calls(s.recordDir)).toHaveLength(0);
  });

  it("Claude's failure is the plan's, with the outcome's reason; a usage limit says when it resets", async () => {
    const s = setup({ FAKE_CLAUDE_RESET_IN_S: "600" });
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: usage_limit"]);
    const r = await planner(s).plan(request(log));
    expect(r.result).toEqual({ kind: "failed", error: expect.stringMatching(/^usage limit reached: You've hit your 5-hour limit · resets .* \(it resets at \d\d:\d\d, in 1[01] min: send \/plan again then\)$/) });

    const e = setup();
    const log2 = writeDailyLog(e, DATE, ["FAKE_CLAUDE: is_error"]);
    expect((await planner(e).plan(request(log2))).result).toEqual({ kind: "failed", error: expect.stringContaining("API Error: 401") });
  }, 20_000);

  it("an abort ends the run (its process too) and writes nothing: cancelled", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan", "FAKE_CLAUDE_PLAN: hang"]);
    const controller = new AbortController();
    const running = planner(s).plan(request(log, { signal: controller.signal }));
    while (calls(s.recordDir).length === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const r = await running;
    expect(r.result).toEqual({ kind: "cancelled" });
    expect(await waitGone(calls(s.recordDir)[0]!.pid)).toBe(true);
    expect(existsSync(s.tasksDir)).toBe(false);
  }, 20_000);

  it("writes beside an existing task file, never over it", async () => {
    const s = setup();
    const log = writeDailyLog(s, DATE, ["FAKE_CLAUDE: plan"]);
    const mine = path.join(s.tasksDir, `${DATE}-tasks.md`);
    const p = planner(s);
    const r1 = await p.plan(request(log));
    expect(r1.result).toMatchObject({ kind: "written", file: mine, kept_existing: null });
    writeFileSync(mine, "# my own edits\n");
    const r2 = await p.plan(request(log, { plan_id: "2026-03-02-p2" }));
    expect(r2.result).toMatchObject({ kind: "written", file: path.join(s.tasksDir, `${DATE}-tasks-2.md`), kept_existing: mine });
    expect(readFileSync(mine, "utf8")).toBe("# my own edits\n");
    expect(readdirSync(s.tasksDir).sort()).toEqual([`${DATE}-tasks-2.md`, `${DATE}-tasks.md`]);
  }, 20_000);
});
