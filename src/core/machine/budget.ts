import type { Command } from "../events.js";
import type { SessionState } from "../state.js";
import { Draft, type MachineContext, type Transition } from "../draft.js";
import { ignore } from "./replies.js";

// The day's budget: what every Claude run costs (tasks, continuations, fixes) adds up per local
// date across sessions; past orchestrator.daily_budget_usd (or today's /budget) no task starts.

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** What the budget is counted with: today's date and the configured budget (status-data uses it too). */
export type BudgetContext = Pick<MachineContext, "today" | "budget">;

/** Spent on ctx.today (0 for another day's record). */
export function spentToday(s: SessionState, ctx: BudgetContext): number {
  return s.spend && s.spend.date === (ctx.today ?? "") ? s.spend.usd : 0;
}

/**
 * Today's budget: a /budget raise for today (it wins over both below: a person decided), else the
 * lower of orchestrator.daily_budget_usd and the session's task file max_cost_usd; null: none.
 */
export function budgetToday(s: SessionState, ctx: BudgetContext): number | null {
  if (s.budget_override && s.budget_override.date === (ctx.today ?? "")) return s.budget_override.usd;
  const limits = [ctx.budget?.dailyUsd ?? null, s.max_cost_usd ?? null].filter((n): n is number => n !== null);
  return limits.length > 0 ? Math.min(...limits) : null;
}

/** What is left of today's budget (for --max-budget-usd), or null with no budget. */
export function remainingBudget(s: SessionState, ctx: BudgetContext): number | null {
  const budget = budgetToday(s, ctx);
  return budget === null ? null : Math.max(0, budget - spentToday(s, ctx));
}

/** "Budget reached: $10.02 of $10.00 spent today" when no task may start, else null. */
export function budgetReached(s: SessionState, ctx: BudgetContext): string | null {
  const budget = budgetToday(s, ctx);
  if (budget === null) return null;
  const spent = spentToday(s, ctx);
  return spent >= budget ? `Budget reached: ${usd(spent)} of ${usd(budget)} spent today` : null;
}

/** The words that go with a refusal at the budget: how to go on. */
export function budgetAdvice(s: SessionState, ctx: BudgetContext): string {
  return `${budgetReached(s, ctx) ?? "Budget reached"}. Send /budget <dollars> to raise today's budget, or wait for tomorrow.`;
}

/** Adds a run's cost to today's spend, and warns once a day when it crosses budget_warn_ratio. */
export function addSpend(d: Draft, cost: number | null): void {
  if (cost === null || !(cost > 0) || !d.ctx.today) return;
  const before = spentToday(d.s, d.ctx);
  d.s.spend = { date: d.ctx.today, usd: before + cost };
  const budget = budgetToday(d.s, d.ctx);
  if (budget === null) return;
  const ratio = d.ctx.budget?.warnRatio ?? 0.75;
  const spent = before + cost;
  if (spent >= budget * ratio && d.s.budget_warned !== d.ctx.today && spent < budget) {
    d.s.budget_warned = d.ctx.today;
    d.notify("budget_warning", "warning", `💸 ${Math.round((spent / budget) * 100)} % of today's budget spent: ${usd(spent)} of ${usd(budget)}.`, null);
  } else if (spent >= budget && before < budget) {
    d.s.budget_warned = d.ctx.today;
    d.notify("budget_reached", "warning", `💸 ${budgetAdvice(d.s, d.ctx)}`, null);
  }
}

/** /budget <usd>: today's budget, raised (or lowered) by a person; logged with who did it. */
export function setBudget(state: SessionState, cmd: Extract<Command, { type: "budget" }>, ctx: MachineContext): Transition {
  if (!ctx.today) return ignore(state, "No date to set a budget for.");
  if (!(cmd.usd > 0) || !Number.isFinite(cmd.usd)) return ignore(state, `A budget is an amount of dollars > 0 (got ${cmd.usd}). Send /budget 15 for $15.00 today.`);
  const d = new Draft(state, ctx);
  const by = cmd.by?.trim() || "a person";
  d.s.budget_override = { date: ctx.today, usd: cmd.usd, by };
  const spent = spentToday(d.s, ctx);
  d.notify("budget_changed", "info", `💸 Today's budget set to ${usd(cmd.usd)} by ${by} (${usd(spent)} spent).`, null);
  const waiting = d.s.status === "waiting_approval" && (d.s.waiting_reason ?? "").startsWith("Budget reached");
  const next = spent < cmd.usd && waiting ? " Send /approve to go on." : "";
  return d.done(`Today's budget is ${usd(cmd.usd)}; ${usd(spent)} spent.${next}`);
}
