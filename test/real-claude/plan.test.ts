/**
 * Planning a day with the real Claude Code CLI (the pinned one) under `orchestrator serve`:
 * POST /webhook/plan with a daily log in daily_logs/, the mock Messages API drafting the task file.
 *
 * What the pinned CLI (2.1.330) does with the planner's flags (`-p --permission-mode plan
 * --allowedTools Read,Glob,Grep,LS --disallowedTools Bash,Edit,Write,…`, the prompt on stdin),
 * recorded here: Read runs (allowed by the rule), Write and Bash are not tools of the run at all
 * ("No such tool available: Write. Write is disabled for this session, in subagents as well as
 * here.", no permission_denials entry), the last assistant text is the result line's `result`
 * (is_error false, exit 0), and `--resume` of the planning session carries the conversation on.
 * ExitPlanMode is not offered in -p either; a call to it is answered "No such tool available" and
 * the run goes on, so the planner takes the plan from the call's input in the stream.
 *
 * The CLI is started through a small wrapper that writes its argv (and, by exec, keeps its pid)
 * so the test can check the flags and that no process of a run is left.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PlanRecord } from "../../src/core/plan.js";
import { loadTaskFile } from "../../src/tasks/load-task-file.js";
import { lastUserText, requestText, say, toolResults, type MessagesRequest, type Step } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { readState, waitFor } from "../support/run-orchestrator-bin.js";
import { alive, CLAUDE, groupMembers, logLines, realProject, taskMd, type RealProject } from "./real-claude-harness.js";
import { serveProject, type RealService } from "./real-claude-service.js";

/** A task file in our format: `[title, extra field lines]` per task, numbered from 1 unless `ids` says otherwise. */
function taskFile(tasks: Array<[string, string[]]>, ids?: number[]): string {
  return [
    "# Tasks",
    "",
    ...tasks.flatMap(([title, fields], i) => [
      `## Task ${ids?.[i] ?? i + 1}: ${title}`,
      "**Type:** backend",
      "**Priority:** medium",
      ...fields,
      `**Description:** ${title}.`,
      "**Acceptance Criteria:**",
      `- ${title} is done`,
      "**Claude Instruction:**",
      `${title}, following src/greet.js.`,
      "",
      "---",
      "",
    ]),
  ].join("\n");
}

const GOOD = taskFile([
  ["Add a farewell function", ["**Requires Approval:** false", "**Verify:**", "- node --test"]],
  ["Bump the package version", ["**Requires Approval:** true"]],
]);
/** Two tasks numbered 1: our parser refuses it ("duplicate task number 1"). */
const BAD = taskFile([
  ["Add a farewell function", []],
  ["Bump the package version", []],
], [1, 1]);
const fenced = (file: string) => `Here is the task file for the day:\n\n\`\`\`markdown\n${file}\`\`\`\n`;

/** The claude wrapper: writes its argv (NUL-separated) to <dir>/argv-<pid>, then becomes the real CLI (same pid). */
async function argvRecorder(p: RealProject): Promise<{ dir: string; runs(): Promise<{ pid: number; argv: string[] }[]> }> {
  const dir = path.join(p.work, "argv");
  await mkdir(dir);
  const wrapper = path.join(p.work, "claude-wrapper.sh");
  await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\0' "$@" > '${dir}/argv-'$$\nexec '${CLAUDE}' "$@"\n`);
  await chmod(wrapper, 0o755);
  p.env.CLAUDE_CLI_PATH = wrapper;
  return {
    dir,
    runs: async () => {
      const files = (await readdir(dir)).filter((f) => f.startsWith("argv-"));
      const runs = await Promise.all(files.map(async (f) => ({ pid: Number(f.slice(5)), argv: (await readFile(path.join(dir, f), "utf8")).split("\0").filter(Boolean) })));
      return runs.sort((a, b) => a.pid - b.pid);
    },
  };
}

/** The value after `flag` in an argv, or null. */
function flagValue(argv: string[], flag: string): string | null {
  const i = argv.indexOf(flag);
  return i >= 0 ? (argv[i + 1] ?? null) : null;
}

/** The flags every planning run must have: plan mode, read tools only, never the permission channel or a bypass. */
function expectReadOnly(argv: string[]): void {
  expect(flagValue(argv, "--permission-mode")).toBe("plan");
  expect(argv.filter((a) => a === "--permission-mode")).toHaveLength(1); // config's acceptEdits is gone
  expect(flagValue(argv, "--allowedTools")?.split(",").sort()).toEqual(["Glob", "Grep", "LS", "Read"]);
  expect(flagValue(argv, "--disallowedTools")?.split(",")).toEqual(expect.arrayContaining(["Bash", "Edit", "Write", "MultiEdit", "NotebookEdit", "WebFetch", "WebSearch"]));
  for (const flag of ["--input-format", "--permission-prompt-tool", "--dangerously-skip-permissions", "--replay-user-messages"]) expect(argv).not.toContain(flag);
  expect(argv).not.toContain("acceptEdits");
}

/** The latest plan once `check` holds (GET /webhook/plan's twin, POST /webhook/plan_show); rejects after `ms` saying where it stood. */
async function untilPlan(s: RealService, check: (p: PlanRecord) => boolean, ms = 60_000): Promise<PlanRecord> {
  let last = "no plan";
  try {
    return await waitFor(async () => {
      const plan = (await s.post("plan_show")).json.plan as PlanRecord | null;
      last = plan ? `${plan.status} (round ${plan.round}): ${plan.error ?? ""} ${plan.issues.join("; ")}` : "no plan";
      return plan && check(plan) ? plan : undefined;
    }, ms, "the plan");
  } catch {
    throw new Error(`the plan did not get there within ${ms} ms; last seen ${last}\n--- service output (end) ---\n${s.output().slice(-4000)}`);
  }
}

/** No process of any recorded run is left: the CLI (its pid leads its group) and its group. */
async function expectNoneLeft(runs: { pid: number }[]): Promise<void> {
  for (const { pid } of runs) {
    await waitFor(async () => (!alive(pid) && groupMembers(pid).length === 0 ? true : undefined), 10_000, `run ${pid} to be gone`);
  }
}

describe("planning from the daily log with the real Claude Code CLI", () => {
  let p: RealProject | undefined;
  let s: RealService | undefined;
  afterEach(async () => {
    await s?.stop();
    await p?.close();
    p = s = undefined;
  });

  /** A project whose repo has src/greet.js, a daily log in daily_logs/ naming `marker`, and the argv wrapper. */
  async function setUp(marker: string, claude: Record<string, string | number | null> = {}) {
    // Config as for tasks that write (Bash, Write, Edit, acceptEdits): a plan must override all of it.
    p = await realProject(taskMd(1, "Unused", "Not run here", ["nothing"]), { files: { "src/greet.js": "export const greet = (name) => `Hello, ${name}!`;\n" }, claude });
    const dailyLog = path.join(p.work, "daily_logs", "today-goals.md");
    await mkdir(path.dirname(dailyLog));
    await writeFile(dailyLog, `# Today\n\n## Goals\n- Say goodbye as well as hello (${marker})\n- Release it\n`);
    const argv = await argvRecorder(p);
    return { project: p, dailyLog, argv };
  }

  it("a bad first draft goes back to the same Claude session (--resume) once; the fixed file is written, parses, and nothing was changed", async () => {
    const marker = "PLAN-DAY-7c2e";
    const { project, dailyLog, argv } = await setUp(marker);
    // Round 0: read the code, try to write a file (refused), then a draft with two "Task 1"s. Round 1 (the fix prompt): the good file.
    const script = (req: MessagesRequest): Step => {
      if (lastUserText(req).includes("duplicate task number 1")) return say(fenced(GOOD));
      const seen = toolResults(req).length;
      if (seen === 0) return { tool: "Read", input: { file_path: path.join(project.repo, "src/greet.js") } };
      if (seen === 1) return { tool: "Write", input: { file_path: path.join(project.repo, "PLAN.md"), content: "not allowed\n" } };
      return say(fenced(BAD));
    };
    project.api.script(marker, script);
    s = await serveProject(project);

    const asked = await s.post("plan", { daily_log: "today-goals.md" });
    expect(asked.status).toBe(200);
    const plan = await untilPlan(s, (x) => x.status === "ready" || x.status === "failed");
    expect(plan).toMatchObject({ status: "ready", round: 1, daily_log: dailyLog, issues: [], error: null, kept_existing: null });
    const file = path.join(project.work, "orchestrator_tasks", `${plan.date}-tasks.md`);
    expect(plan.file).toBe(file);
    expect(plan.tasks).toEqual([
      { id: 1, title: "Add a farewell function", type: "backend", requires_approval: false, verify: ["node --test"] },
      { id: 2, title: "Bump the package version", type: "backend", requires_approval: true, verify: [] },
    ]);
    // The file is the draft as Claude wrote it, and our parser reads it.
    expect(await readFile(file, "utf8")).toBe(GOOD);
    expect((await loadTaskFile(file)).map((t) => [t.id, t.title, t.requires_approval])).toEqual([[1, "Add a farewell function", false], [2, "Bump the package version", true]]);
    expect(s.notifications().filter((n) => n.event.startsWith("plan_")).map((n) => n.event)).toEqual(["plan_started", "plan_fixing", "plan_ready"]);

    // Two runs of the CLI, both read-only; the second resumed the first's session.
    const runs = await argv.runs();
    expect(runs).toHaveLength(2);
    for (const run of runs) expectReadOnly(run.argv);
    const logs = [0, 1].map((r) => path.join(project.work, "orchestrator_logs", "plans", `${plan.id}-round${r}.log`));
    const round0 = await logLines(logs[0] as string);
    const round1 = await logLines(logs[1] as string);
    const session = round0.find((l) => l.type === "result")?.session_id as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(plan.claude_session_id).toBe(session);
    expect(flagValue(runs[0]?.argv ?? [], "--resume")).toBeNull();
    expect(flagValue(runs[1]?.argv ?? [], "--resume")).toBe(session);
    expect(round1.find((l) => l.type === "result")).toMatchObject({ session_id: session, is_error: false, subtype: "success" });

    // What the CLI did in round 0: Read ran (allowed by the rule), Write is not a tool of the run.
    const results = round0.filter((l) => l.type === "user").flatMap((l) => ((l.message as { content: { type: string; content?: unknown; is_error?: boolean }[] }).content ?? []).filter((b) => b.type === "tool_result"));
    expect(results).toHaveLength(2);
    expect(String(results[0]?.content)).toContain("Hello, ${name}!");
    expect(results[1]).toMatchObject({ is_error: true, content: expect.stringContaining("No such tool available: Write") });
    const result0 = round0.find((l) => l.type === "result");
    expect(result0).toMatchObject({ is_error: false, subtype: "success", permission_denials: [], result: fenced(BAD) });
    expect(await project.gitStatus()).toEqual([]); // nothing written in the repo

    // The fix round's request: the whole first conversation (the daily log once), then our parser's words.
    const fix = project.api.conversation(marker).find((r) => lastUserText(r.body).includes("duplicate task number 1"));
    expect(lastUserText(fix?.body ?? null)).toContain(`${plan.date}-tasks.md:`);
    expect(requestText(fix?.body ?? null).split(marker).length - 1).toBe(1);

    // Planning cost counts toward the day's spend: both runs, each once (round 1's total_cost_usd is the session's).
    const sessionTotal = round1.find((l) => l.type === "result")?.total_cost_usd as number;
    expect(sessionTotal).toBeGreaterThan(0);
    expect(plan.cost_usd).toBeCloseTo(sessionTotal, 10);
    expect((await readState(project.work)).spend?.usd).toBeCloseTo(sessionTotal, 10);

    await expectNoneLeft(runs);
  });

  it("a plan handed over through ExitPlanMode (which -p does not offer) is taken from the call; permissions: ask adds no channel", async () => {
    const marker = "PLAN-DAY-e41b";
    const { project, argv } = await setUp(marker, { permissions: "ask" });
    // The model "exits plan mode" with the file as the plan, then ends with a line that holds no task file.
    project.api.script(marker, (req: MessagesRequest): Step => (toolResults(req).length === 0 ? { tool: "ExitPlanMode", input: { plan: GOOD } } : say("The plan is ready for your approval.")));
    s = await serveProject(project);

    expect((await s.post("plan", { daily_log: "today-goals.md" })).status).toBe(200);
    const plan = await untilPlan(s, (x) => x.status === "ready" || x.status === "failed");
    expect(plan).toMatchObject({ status: "ready", round: 0, issues: [], error: null });
    // Not fenced: taken from the first "## Task" heading on (the "# Tasks" title line before it is left out).
    expect(await readFile(plan.file as string, "utf8")).toBe(GOOD.slice(GOOD.indexOf("## Task 1:")));
    expect(plan.tasks.map((t) => t.title)).toEqual(["Add a farewell function", "Bump the package version"]);

    // What the pinned CLI made of the call: an error tool_result, the run went on, the result is the last text.
    const lines = await logLines(path.join(project.work, "orchestrator_logs", "plans", `${plan.id}-round0.log`));
    const call = lines.find((l) => l.type === "assistant" && JSON.stringify(l.message).includes('"name":"ExitPlanMode"'));
    expect(call).toBeDefined();
    const init = lines.find((l) => l.type === "system" && l.subtype === "init");
    expect(init).toMatchObject({ permissionMode: "plan" });
    expect(init?.tools).not.toContain("ExitPlanMode");
    expect(init?.tools).not.toContain("Write");
    expect(init?.tools).toContain("Read");
    expect(JSON.stringify(lines.find((l) => l.type === "user"))).toContain("No such tool available: ExitPlanMode");
    expect(lines.find((l) => l.type === "result")).toMatchObject({ is_error: false, result: "The plan is ready for your approval.", permission_denials: [] });

    const runs = await argv.runs();
    expect(runs).toHaveLength(1);
    expectReadOnly(runs[0]?.argv ?? []);
    expect(await project.gitStatus()).toEqual([]);
    await expectNoneLeft(runs);
  });
});
