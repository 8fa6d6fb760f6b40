import { describe, expect, it } from "@jest/globals";
import { def, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes } from "./checkpoint-helpers.js";

// The day's budget: every run's cost adds up per local date, across sessions; past the budget no
// task starts (in any approval mode) until /budget raises it; each run gets --max-budget-usd.

const driver = (dailyUsd: number | null, today = "2026-01-01") => new CheckpointDriver(checks(), policies.auto, { today, budget: { dailyUsd, warnRatio: 0.75 } });

describe("the day's budget", () => {
  it("each run gets what is left as max_budget_usd, and the spend adds up", () => {
    const d = driver(10);
    d.start([def(1), def(2), def(3)]);
    expect(effectOf(d.last, "run_task")?.max_budget_usd).toBe(10);
    d.finish(outcome({ cost_usd: 4 }));
    expect(d.state.spend).toEqual({ date: "2026-01-01", usd: 4 });
    expect(effectOf(d.last, "run_task")?.max_budget_usd).toBe(6);
  });

  it("warns once at 75 %, then stops before the next task at 100 % with what to do", () => {
    const d = driver(10);
    d.start([def(1), def(2), def(3), def(4)]);
    d.finish(outcome({ cost_usd: 8 }));
    expect(noteEvents(d.last)).toContain("budget_warning");
    expect(notes(d.last).find((n) => n.event === "budget_warning")?.message).toBe("💸 80 % of today's budget spent: $8.00 of $10.00.");
    d.finish(outcome({ cost_usd: 2.02 }));
    expect(noteEvents(d.last)).not.toContain("budget_warning");
    expect(noteEvents(d.last)).toContain("budget_reached");
    expect(effectOf(d.last, "run_task")).toBeUndefined();
    expect(d.state).toMatchObject({ status: "waiting_approval", current_task_index: 2, waiting_reason: "Budget reached: $10.02 of $10.00 spent today" });
    const approve = d.send({ type: "approve" });
    expect(approve.reply).toEqual({ ok: false, message: "Budget reached: $10.02 of $10.00 spent today. Send /budget <dollars> to raise today's budget, or wait for tomorrow." });
    expect(approve.state.status).toBe("waiting_approval");
  });

  it("/budget raises today's budget, names who did it, and /approve then goes on", () => {
    const d = driver(10);
    d.start([def(1), def(2)]);
    d.finish(outcome({ cost_usd: 12 }));
    expect(d.state.status).toBe("waiting_approval");
    const raise = d.send({ type: "budget", usd: 15, by: "Telegram @ana" });
    expect(raise.reply.message).toBe("Today's budget is $15.00; $12.00 spent. Send /approve to go on.");
    expect(d.state.budget_override).toEqual({ date: "2026-01-01", usd: 15, by: "Telegram @ana" });
    expect(notes(raise)[0]?.message).toBe("💸 Today's budget set to $15.00 by Telegram @ana ($12.00 spent).");
    const go = d.send({ type: "approve" });
    expect(go.reply.ok).toBe(true);
    expect(effectOf(go, "run_task")?.max_budget_usd).toBe(3);
  });

  it("a run stopped by its --max-budget-usd is reported as the budget, not as a failure", () => {
    const d = driver(5);
    d.start([def(1), def(2)]);
    d.finish(outcome({ ok: false, kind: "budget", reason: "budget reached: the run stopped at what was left of the day's budget (--max-budget-usd)", cost_usd: 5.1 }));
    expect(d.state.tasks[0]).toMatchObject({ status: "interrupted", error: "stopped at the day's budget: Budget reached: $5.10 of $5.00 spent today" });
    expect(d.state.status).toBe("waiting_approval");
    expect(notes(d.last).find((n) => n.event === "task_interrupted")?.message).toContain("stopped at the day's budget");
    expect(d.send({ type: "retry" }).reply.ok).toBe(false);
  });

  it("spend of another day does not count; no budget means no limit", () => {
    const d = driver(10, "2026-01-02");
    d.start([def(1)]);
    expect(effectOf(d.last, "run_task")).toBeDefined();
    const free = driver(null);
    free.start([def(1), def(2)]);
    expect(effectOf(free.last, "run_task")?.max_budget_usd).toBeNull();
    free.finish(outcome({ cost_usd: 500 }));
    expect(effectOf(free.last, "run_task")).toBeDefined();
  });

  it("a budget that is not a positive amount is refused", () => {
    const d = driver(10);
    expect(d.send({ type: "budget", usd: -1 }).reply).toEqual({ ok: false, message: "A budget is an amount of dollars > 0 (got -1). Send /budget 15 for $15.00 today." });
  });
});
