import { describe, expect, it } from "@jest/globals";
import type { MachineContext, Transition } from "../../../src/core/machine.js";
import type { PlanRunResult, PlanTaskSummary } from "../../../src/core/plan.js";
import { def, failure, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes } from "./checkpoint-helpers.js";
import { ask, request } from "./permission-helpers.js";

// The plan family of the machine (src/core/machine/plan.ts): when a plan may start, what its runs
// come to (ready, fixed once, failed, cancelled), discard, a restart during one, and the commands
// that would start a second Claude while one drafts a plan.

const TODAY = "2026-01-01";
const LOG = "/work/daily_logs/2026-01-01.md";
const FILE = "/work/orchestrator_tasks/2026-01-01-tasks.md";

const summary = (id: number, over: Partial<PlanTaskSummary> = {}): PlanTaskSummary => ({ id, title: `Planned ${id}`, type: "backend", requires_approval: false, verify: [], ...over });
const written = (tasks: PlanTaskSummary[] = [summary(1), summary(2, { requires_approval: true, type: "database", verify: ["npm test"] })], file = FILE): PlanRunResult => ({ kind: "written", file, kept_existing: null, tasks });

class PlanDriver extends CheckpointDriver {
  plan(by: string | null = "Telegram @ana"): Transition {
    return this.send({ type: "plan", daily_log: LOG, date: TODAY, by });
  }
  /** The running plan's run (its current round unless told) ended with `result`. */
  planned(result: PlanRunResult, over: { cost_usd?: number | null; session_id?: string | null; round?: number; plan_id?: string } = {}): Transition {
    const p = this.state.plan;
    return this.send({ type: "plan_finished", plan_id: over.plan_id ?? p?.id ?? "none", round: over.round ?? p?.round ?? 0, cost_usd: over.cost_usd === undefined ? 0.2 : over.cost_usd, session_id: over.session_id === undefined ? "plan-sess" : over.session_id, result });
  }
  discard(id: string | null = null): Transition {
    return this.send({ type: "discard_plan", id, by: "HTTP 127.0.0.1" });
  }
}

/** No session, today's date, the budget given (default none), auto mode, no git. */
function driver(extra: Partial<MachineContext> = {}, policy = policies.auto): PlanDriver {
  return new PlanDriver(checks({ git: false }), policy, { today: TODAY, ...extra });
}

const budget = (dailyUsd: number | null) => ({ budget: { dailyUsd, warnRatio: 0.75 } });

describe("a plan is refused when another Claude runs or could not run", () => {
  it("while a task runs: names the task and what to do", () => {
    const d = driver();
    d.start([def(1), def(2)]);
    const t = d.plan();
    expect(t.reply).toEqual({ ok: false, message: "Task 1/2 is running (one Claude at a time): send /plan when it is done, or /cancel it first." });
    expect(t.state.plan).toBeUndefined();
    expect(t.effects).toEqual([]);
  });

  it("while a task waits for a usage limit", () => {
    const d = driver();
    d.start([def(1)]);
    d.end(outcome({ ok: false, kind: "usage_limit", reason: "usage limit reached", summary: null, limit: { type: "five_hour", resets_at: "2026-01-01T15:00:00.000Z", message: "You've hit your limit" } }));
    expect(d.state.status).toBe("waiting_limit");
    expect(d.plan().reply).toEqual({ ok: false, message: "A task is waiting for a usage limit to reset: a plan would hit the same limit. Send /plan after it has resumed, or /skip the task." });
  });

  it("while a permission request waits for an answer", () => {
    const d = driver();
    d.start([def(1)]);
    d.spawn();
    request(d, ask());
    // The task still runs (its Claude waits): the running refusal comes first.
    expect(d.state.permissions?.length ?? 0).toBeGreaterThan(0);
    expect(d.plan().reply).toMatchObject({ ok: false, message: expect.stringContaining("is running (one Claude at a time)") });
    expect(d.state.plan).toBeUndefined();
  });

  it("when today's budget is reached: the budget's advice", () => {
    const d = driver(budget(1));
    d.start([def(1), def(2)]);
    d.finish(outcome({ cost_usd: 1.5 }));
    expect(d.state.status).toBe("waiting_approval");
    expect(d.plan().reply).toEqual({ ok: false, message: "Budget reached: $1.50 of $1.00 spent today. Send /budget <dollars> to raise today's budget, or wait for tomorrow." });
  });

  it("while a plan is already being made", () => {
    const d = driver();
    d.plan();
    const again = d.plan();
    expect(again.reply.ok).toBe(false);
    expect(again.reply.message).toMatch(/^A plan is already being made\. Claude is drafting a plan from \/work\/daily_logs\/2026-01-01\.md/);
    expect(effectOf(again, "run_plan")).toBeUndefined();
  });
});

describe("a plan that may start", () => {
  it("records the plan and runs Claude with what remains of today's budget", () => {
    const d = driver(budget(10));
    d.state = { ...d.state, spend: { date: TODAY, usd: 4 } };
    const t = d.plan();
    expect(t.reply.ok).toBe(true);
    expect(t.reply.message).toContain("plan 2026-01-01-p1");
    expect(d.state.plan).toMatchObject({ id: "2026-01-01-p1", status: "running", daily_log: LOG, date: TODAY, by: "Telegram @ana", round: 0, cost_usd: 0 });
    expect(d.state.plan_seq).toBe(1);
    expect(effectOf(t, "run_plan")).toEqual({ type: "run_plan", plan_id: "2026-01-01-p1", daily_log: LOG, date: TODAY, round: 0, resume_session_id: null, issues: [], max_budget_usd: 6 });
    expect(noteEvents(t)).toEqual(["plan_started"]);
  });

  it("with no budget the run gets none (null); a session waiting for approval does not stop it", () => {
    const d = driver({}, policies.required);
    d.start([def(1)]);
    expect(d.state.status).toBe("waiting_approval");
    expect(effectOf(d.plan(), "run_plan")?.max_budget_usd).toBeNull();
  });

  it("each plan gets the next id", () => {
    const d = driver();
    d.plan();
    d.planned({ kind: "failed", error: "no daily log" });
    d.plan();
    expect(d.state.plan?.id).toBe("2026-01-01-p2");
  });
});

describe("what a planning run comes to", () => {
  it("written: ready, the task list in plan_ready, payload.plan in the outbox", () => {
    const d = driver({ outbox: true });
    d.plan();
    const t = d.planned(written());
    expect(d.state.plan).toMatchObject({ status: "ready", file: FILE, claude_session_id: "plan-sess", cost_usd: 0.2, issues: [], error: null, finished_at: expect.any(String) });
    expect(noteEvents(t)).toEqual(["plan_ready"]);
    expect(notes(t)[0]?.message).toBe(
      `📝 Plan ready: 2 tasks from ${LOG} ($0.20)\n1. Planned 1 (backend)\n2. Planned 2 (database) ⏸ needs approval ✔ verify\nWritten to ${FILE}.\nStart it, show the file, or discard it.`,
    );
    const entry = d.state.outbox.at(-1);
    expect(entry?.event).toBe("plan_ready");
    expect(entry?.plan).toEqual({
      id: "2026-01-01-p1",
      status: "ready",
      daily_log: LOG,
      file: FILE,
      kept_existing: null,
      tasks: [
        { id: 1, title: "Planned 1", type: "backend", requires_approval: false },
        { id: 2, title: "Planned 2", type: "database", requires_approval: true },
      ],
      issues: [],
      error: null,
      cost_usd: 0.2,
    });
  });

  it("written beside an existing file: the message says which was kept", () => {
    const d = driver();
    d.plan();
    const t = d.planned({ kind: "written", file: FILE.replace(".md", "-2.md"), kept_existing: FILE, tasks: [summary(1)] });
    expect(notes(t)[0]?.message).toContain(`${FILE} already existed and was kept; the plan is in ${FILE.replace(".md", "-2.md")}.`);
  });

  it("invalid in round 0: round 1 resumes the planning session with the issues", () => {
    const d = driver(budget(10));
    d.plan();
    const issues = ["draft.md:3: task 1 has neither **Claude Instruction:** nor **Description:**", "draft.md:9: duplicate task number 1"];
    const t = d.planned({ kind: "invalid", issues }, { cost_usd: 1 });
    expect(d.state.plan).toMatchObject({ status: "running", round: 1, issues, claude_session_id: "plan-sess", cost_usd: 1 });
    expect(effectOf(t, "run_plan")).toEqual({ type: "run_plan", plan_id: "2026-01-01-p1", daily_log: LOG, date: TODAY, round: 1, resume_session_id: "plan-sess", issues, max_budget_usd: 9 });
    expect(noteEvents(t)).toEqual(["plan_fixing"]);
    expect(notes(t)[0]?.message).toBe(`📝 The draft has 2 problems (${issues[0]}); Claude is fixing them.`);
  });

  it("invalid in round 1: failed, the issues in the notification", () => {
    const d = driver();
    d.plan();
    d.planned({ kind: "invalid", issues: ["draft.md:1: no tasks found"] });
    const t = d.planned({ kind: "invalid", issues: ["draft.md:4: task 2 has no title"] }, { round: 1, cost_usd: 0.1 });
    expect(effectOf(t, "run_plan")).toBeUndefined();
    expect(d.state.plan).toMatchObject({ status: "failed", round: 1, issues: ["draft.md:4: task 2 has no title"], error: "the task file Claude drafted still has 1 problem after one fix" });
    expect(d.state.plan?.cost_usd).toBeCloseTo(0.3);
    expect(noteEvents(t)).toEqual(["plan_failed"]);
    expect(notes(t)[0]?.message).toBe(`❌ Plan 2026-01-01-p1 from ${LOG} failed: the task file Claude drafted still has 1 problem after one fix.\n• draft.md:4: task 2 has no title\nSend /plan to try again, or write the task file yourself.`);
  });

  it("invalid with many issues: ten shown, the rest counted", () => {
    const d = driver();
    d.plan();
    d.planned({ kind: "invalid", issues: ["x:1: a"] });
    const issues = Array.from({ length: 13 }, (_, i) => `x:${i + 1}: problem ${i + 1}`);
    const message = notes(d.planned({ kind: "invalid", issues }, { round: 1 }))[0]?.message ?? "";
    expect(message).toContain("• x:10: problem 10\n… and 3 more (/plan show)");
    expect(message).not.toContain("problem 11");
  });

  it("invalid in round 0 with the budget reached by that run: failed, not fixed", () => {
    const d = driver(budget(1));
    d.plan();
    const t = d.planned({ kind: "invalid", issues: ["x:1: a"] }, { cost_usd: 1.2 });
    expect(effectOf(t, "run_plan")).toBeUndefined();
    expect(d.state.plan?.status).toBe("failed");
    expect(d.state.plan?.error).toBe("it has 1 problem and Budget reached: $1.20 of $1.00 spent today. Send /budget <dollars> to raise today's budget, or wait for tomorrow.");
  });

  it("failed: the error, for a person", () => {
    const d = driver();
    d.plan();
    const t = d.planned({ kind: "failed", error: "Claude exited 1: boom" });
    expect(d.state.plan).toMatchObject({ status: "failed", error: "Claude exited 1: boom" });
    expect(notes(t)[0]?.message).toContain("failed: Claude exited 1: boom.");
  });

  it("cancelled (a shutdown): failed, saying so", () => {
    const d = driver();
    d.plan();
    d.planned({ kind: "cancelled" }, { cost_usd: null, session_id: null });
    expect(d.state.plan).toMatchObject({ status: "failed", error: "stopped (the orchestrator shut down while Claude drafted it)", claude_session_id: null, cost_usd: 0 });
  });

  it("a report of an older round is counted but changes nothing else", () => {
    const d = driver();
    d.plan();
    d.planned({ kind: "invalid", issues: ["x:1: a"] });
    const stale = d.planned(written(), { round: 0, cost_usd: 0.5 });
    expect(d.state.plan).toMatchObject({ status: "running", round: 1 });
    expect(d.state.spend?.usd).toBeCloseTo(0.7);
    expect(effectOf(stale, "remove_plan_file")).toEqual({ type: "remove_plan_file", plan_id: "2026-01-01-p1", file: FILE });
  });
});

describe("discard", () => {
  it("a running plan: its run is cancelled", () => {
    const d = driver();
    d.plan();
    const t = d.discard();
    expect(t.reply).toEqual({ ok: true, message: "Plan 2026-01-01-p1 discarded (stopped while Claude drafted it). Send /plan to draft another, or /start [file] to load a task file." });
    expect(t.effects.filter((e) => e.type !== "notify")).toEqual([{ type: "cancel_plan", plan_id: "2026-01-01-p1" }]);
    expect(d.state.plan?.status).toBe("discarded");
    expect(notes(t)[0]).toMatchObject({ event: "plan_discarded", message: "🗑 Plan 2026-01-01-p1 discarded by HTTP 127.0.0.1 (stopped while Claude drafted it)." });
  });

  it("a ready plan: its file is removed", () => {
    const d = driver();
    d.plan();
    d.planned(written());
    const t = d.discard("2026-01-01-p1");
    expect(t.effects.filter((e) => e.type !== "notify")).toEqual([{ type: "remove_plan_file", plan_id: "2026-01-01-p1", file: FILE }]);
    expect(t.reply.message).toContain(`${FILE} removed`);
  });

  it("another id, or nothing to discard: refused, saying what there is", () => {
    const d = driver();
    expect(d.discard().reply).toEqual({ ok: false, message: "Nothing to discard: no plan has been made. Send /plan to draft one from today's daily log." });
    d.plan();
    expect(d.discard("2025-12-31-p9").reply).toEqual({ ok: false, message: "Plan 2025-12-31-p9 is not the latest one (2026-01-01-p1, running); send /plan show to see it." });
    d.planned({ kind: "failed", error: "boom" });
    expect(d.discard().reply).toEqual({ ok: false, message: "Nothing to discard: the latest plan (2026-01-01-p1) is failed." });
  });

  it("a run that ends after the discard: its cost counts, and a file it wrote is removed", () => {
    const d = driver(budget(10));
    d.plan();
    d.discard();
    const t = d.planned(written(), { cost_usd: 0.4 });
    expect(d.state.spend).toEqual({ date: TODAY, usd: 0.4 });
    expect(d.state.plan?.status).toBe("discarded");
    expect(t.effects.filter((e) => e.type !== "notify")).toEqual([{ type: "remove_plan_file", plan_id: "2026-01-01-p1", file: FILE }]);
    expect(noteEvents(t)).toEqual([]);
  });

  it("a report seen twice never removes the file the plan offers, or a session runs", () => {
    const d = driver();
    d.plan();
    d.planned(written());
    expect(effectOf(d.planned(written(), { round: 0 }), "remove_plan_file")).toBeUndefined();
    expect(d.state.plan?.status).toBe("ready");
    d.send({ type: "start", task_file: FILE, tasks: [def(1)], session_id: "S1" });
    expect(d.state.plan?.status).toBe("started");
    expect(effectOf(d.planned(written(), { round: 0 }), "remove_plan_file")).toBeUndefined();
  });

  it("a run that ends after the discard with nothing written: only its cost", () => {
    const d = driver();
    d.plan();
    d.discard();
    const t = d.planned({ kind: "cancelled" }, { cost_usd: 0.1 });
    expect(t.effects).toEqual([]);
    expect(d.state.spend?.usd).toBe(0.1);
  });
});

describe("a restart while a plan is being made", () => {
  it("marks it failed and says so", () => {
    const d = driver({ outbox: true });
    d.plan();
    const t = d.send({ type: "recover", boot_id: "boot-b" });
    expect(d.state.plan).toMatchObject({ status: "failed", error: "interrupted: the orchestrator stopped while Claude drafted it" });
    expect(noteEvents(t)).toContain("plan_failed");
    expect(d.state.outbox.at(-1)?.plan?.status).toBe("failed");
    // Its Claude may outlive a kill -9 of the service: what carries the state's mark is ended.
    expect(t.effects).toContainEqual({ type: "kill_orphan", index: -1, pgid: null, run_marker: null });
    // A ready plan is left as it is, and nothing is swept for it.
    d.plan();
    d.planned(written());
    const again = d.send({ type: "recover", boot_id: "boot-c" });
    expect(d.state.plan?.status).toBe("ready");
    expect(again.effects.filter((e) => e.type === "kill_orphan")).toEqual([]);
  });
});

describe("one Claude at a time: commands that would start a run wait for the plan", () => {
  const refusedWhilePlanning = (t: Transition) => {
    expect(t.reply.ok).toBe(false);
    expect(t.reply.message).toMatch(/^Claude is drafting a plan from .* send \/plan discard to stop it\.$/);
    expect(t.effects).toEqual([]);
  };

  it("start", () => {
    const d = driver();
    d.plan();
    refusedWhilePlanning(d.start([def(1)]));
    expect(d.state.status).toBe("idle");
  });

  it("approve", () => {
    const d = driver({}, policies.required);
    d.start([def(1)]);
    d.plan();
    refusedWhilePlanning(d.send({ type: "approve" }));
  });

  it("retry", () => {
    const d = driver();
    d.start([def(1)]);
    d.finish(failure());
    expect(d.state.status).toBe("task_failed");
    d.plan();
    refusedWhilePlanning(d.send({ type: "retry", feedback: "again" }));
  });

  it("resume", () => {
    const d = driver({}, policies.required);
    d.start([def(1)]);
    d.send({ type: "pause" });
    d.plan();
    refusedWhilePlanning(d.send({ type: "resume" }));
    // pause, skip and status-like commands are not runs: they still work.
    expect(d.send({ type: "skip" }).reply.ok).toBe(true);
  });
});

describe("starting the ready plan's file", () => {
  it("marks the plan started; another file leaves it ready", () => {
    const d = driver();
    d.plan();
    d.planned(written());
    d.send({ type: "start", task_file: "/work/orchestrator_tasks/other.md", tasks: [def(1)], session_id: "S0" });
    expect(d.state.plan?.status).toBe("ready");
    d.finish();
    expect(d.state.status).toBe("completed");
    const t = d.send({ type: "start", task_file: FILE, tasks: [def(1), def(2)], session_id: "S2" });
    expect(t.reply.ok).toBe(true);
    expect(d.state.plan?.status).toBe("started");
    expect(d.state.session_id).toBe("S2");
  });
});

describe("the planning run's cost is the day's", () => {
  it("counts in the spend, warns at 75 %, and the tasks then run with what is left", () => {
    const d = driver(budget(1));
    d.plan();
    const t = d.planned(written(), { cost_usd: 0.8 });
    expect(d.state.spend).toEqual({ date: TODAY, usd: 0.8 });
    expect(noteEvents(t)).toEqual(["budget_warning", "plan_ready"]);
    expect(notes(t)[0]?.message).toBe("💸 80 % of today's budget spent: $0.80 of $1.00.");
    const started = d.send({ type: "start", task_file: FILE, tasks: [def(1)], session_id: "S1" });
    expect(effectOf(started, "run_task")?.max_budget_usd).toBeCloseTo(0.2);
  });

  it("a plan that spends the budget stops the session's next task", () => {
    const d = driver(budget(1));
    d.plan();
    d.planned(written(), { cost_usd: 1.1 });
    const started = d.send({ type: "start", task_file: FILE, tasks: [def(1)], session_id: "S1" });
    expect(effectOf(started, "run_task")).toBeUndefined();
    expect(d.state).toMatchObject({ status: "waiting_approval", waiting_reason: "Budget reached: $1.10 of $1.00 spent today" });
  });
});
