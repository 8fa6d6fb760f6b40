import { afterEach, describe, expect, it } from "@jest/globals";
import { access } from "node:fs/promises";
import { PassThrough, Writable } from "node:stream";
import { planWaitBoundS } from "../../src/cli/commands/plan-command.js";
import { runCli } from "../../src/cli/run-cli.js";
import { heldStep, startPlanHarness, writeStep, type PlanHarness } from "../http/plan-harness.js";

// `orchestrator plan` and `orchestrator start --replace`, in-process through runCli, against the
// real HTTP API and orchestrator on 127.0.0.1 with a fake planner (test/http/plan-harness.ts).

class Capture extends Writable {
  text = "";
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
}

let h: PlanHarness;
afterEach(() => h.close());

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const env = { PORT: String(h.port), HOST: "127.0.0.1", WEBHOOK_SECRET: h.secret };
  const code = await runCli(argv, { stdout, stderr, stdin: new PassThrough(), cwd: h.dir, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("orchestrator plan: asks, waits, prints", () => {
  it("waits while Claude drafts, then prints the task list, exit 0", async () => {
    h = await startPlanHarness();
    const held = heldStep(writeStep(h.tasksDir, 3));
    h.planner.steps.push(held.step);
    const release = setTimeout(held.release, 400);
    const r = await cli(["plan"]);
    clearTimeout(release);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`Planning from ${h.dailyLog} (plan ${h.today}-p1). Claude reads it and the code, read-only; the task list comes when it is ready, with Start, Show file and Discard.\n`);
    expect(r.stdout).toMatch(/^📝 Plan ready: 3 tasks from .*\n1\. Task number 1 \(backend\)\n2\. Task number 2 \(backend\)\n3\. Task number 3 \(backend\)\nWritten to /);
    expect(h.planner.requests[0]?.daily_log).toBe(h.dailyLog);
  });

  it("a daily log named: sent as daily_log; --json prints the plan as the service answers it", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir));
    const r = await cli(["plan", `${h.today}.md`, "--json"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { plan: { status: string; tasks: unknown[] }; text: string };
    expect(json.plan).toMatchObject({ status: "ready", tasks: [{ id: 1 }, { id: 2 }] });
    expect(json.text).toContain("## Task 2: Task number 2");
  });

  it("a plan that fails twice: the errors on stderr, exit 1", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(() => ({ kind: "invalid", issues: ["draft.md:1: no tasks found"] }), () => ({ kind: "invalid", issues: ["draft.md:7: task 2 has no title"] }));
    const r = await cli(["plan"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`❌ Plan ${h.today}-p1 from ${h.dailyLog} failed: the task file Claude drafted still has 1 problem after one fix.\n• draft.md:7: task 2 has no title`);
    expect(h.planner.requests.map((q) => [q.round, q.resume_session_id, q.issues])).toEqual([
      [0, null, []],
      [1, "plan-sess-1", ["draft.md:1: no tasks found"]],
    ]);
  });

  it("--no-wait answers once it started; a second plan meanwhile is refused (exit 1); --discard stops it", async () => {
    h = await startPlanHarness();
    const held = heldStep(writeStep(h.tasksDir));
    h.planner.steps.push(held.step);
    const r = await cli(["plan", "--no-wait"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/^Planning from /);
    expect(h.orchestrator.state.plan?.status).toBe("running");
    const again = await cli(["plan", "--no-wait"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^A plan is already being made\./);
    const dropped = await cli(["plan", "--discard"]);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toMatch(/^Plan .* discarded \(stopped while Claude drafted it\)/);
    held.release();
  });

  it("waits at most claude.timeout × 2 + 60 s (two rounds of Claude)", async () => {
    h = await startPlanHarness();
    expect(planWaitBoundS(h.config)).toBe(h.config.claude.timeout * 2 + 60);
    expect(planWaitBoundS({ claude: { ...h.config.claude, timeout: 300 } })).toBe(660);
  });

  it("no daily log: the service's 404, exit 2", async () => {
    h = await startPlanHarness({ dailyLog: false });
    const r = await cli(["plan"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^No daily log for today: write /);
  });
});

describe("orchestrator plan --show | --start | --discard", () => {
  it("--show prints the plan and its file; --start starts it; again is refused", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir));
    expect((await cli(["plan"])).code).toBe(0);
    const shown = await cli(["plan", "--show"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^📝 Plan ready: 2 tasks[\s\S]*\n\n## Task 1: Task number 1\n/);
    const started = await cli(["plan", "--start", `${h.today}-p1`]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^Loaded 2 tasks from /);
    expect(h.orchestrator.state.plan?.status).toBe("started");
    const again = await cli(["plan", "--start"]);
    expect([again.code, again.stderr]).toEqual([1, `Plan ${h.today}-p1 cannot be started: it has been started already (/status).\n`]);
  });

  it("--discard of a ready plan removes its file", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir));
    await cli(["plan"]);
    const file = h.orchestrator.state.plan?.file ?? "";
    expect(await exists(file)).toBe(true);
    const dropped = await cli(["plan", "--discard", `${h.today}-p1`]);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toContain(`${file} removed`);
    await h.until((s) => s.plan?.status === "discarded");
    for (let i = 0; i < 100 && (await exists(file)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await exists(file)).toBe(false);
  });

  it("--start --replace leaves an unfinished session", async () => {
    h = await startPlanHarness();
    await cli(["start"]).then((r) => expect(r.code).toBe(2)); // no task file yet: the daily log's hint
    h.planner.steps.push(writeStep(h.tasksDir, 1));
    await cli(["plan"]);
    await cli(["plan", "--start"]);
    const first = h.orchestrator.state.session_id;
    h.planner.steps.push(async (request) => writeStep(h.tasksDir, 2)({ ...request, date: `${request.date}-b` }));
    expect((await cli(["plan"])).code).toBe(0);
    h.clock.advance(2000);
    expect((await cli(["plan", "--start"])).code).toBe(1); // a session is active
    const replaced = await cli(["plan", "--start", "--replace"]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(/is left unfinished\. Loaded 2 tasks/);
    expect(h.orchestrator.state.session_id).not.toBe(first);
  });

  it("bad combinations are exit 2 with the reason", async () => {
    h = await startPlanHarness();
    const replace = await cli(["plan", "--replace"]);
    expect([replace.code, replace.stderr]).toEqual([2, "orchestrator plan: --replace goes with --start (start the plan even though a session is unfinished).\n"]);
    const both = await cli(["plan", "--show", "--start"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/option '--show' cannot be used with option '--start'/);
    expect(h.planner.requests).toHaveLength(0);
  });
});

describe("orchestrator start --replace", () => {
  it("without it an unfinished session refuses (exit 1); with it today's file starts anew", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir, 2));
    await cli(["plan"]);
    expect((await cli(["start"])).code).toBe(0);
    const first = h.orchestrator.state.session_id;
    h.clock.advance(2000);
    const refused = await cli(["start"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--replace");
    const replaced = await cli(["start", "--replace"]);
    expect(replaced.code).toBe(0);
    expect(h.orchestrator.state.session_id).not.toBe(first);
  });
});

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

describe("help", () => {
  it("orchestrator plan --help and start --help name the new options", async () => {
    h = await startPlanHarness();
    const plan = await cli(["plan", "--help"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Usage: orchestrator plan \[options\] \[daily_log\]/);
    for (const option of ["--no-wait", "--show", "--start", "--discard", "--replace", "--json"]) expect(plan.stdout).toContain(option);
    expect((await cli(["start", "--help"])).stdout).toContain("--replace");
    expect((await cli(["--help"])).stdout).toMatch(/^ {2}plan \[daily_log\] \[--no-wait\] \[--show\] \[--start\] \[--discard\] \[--replace\]/m);
  });
});
