import type { Command, Report } from "../events.js";
import type { PlanRecord } from "../plan.js";
import type { SessionState } from "../state.js";
import { Draft, type MachineContext, type Transition } from "../draft.js";
import { taskLabel } from "../describe.js";
import { ignore } from "./replies.js";
import { addSpend, budgetAdvice, budgetReached, remainingBudget } from "./budget.js";
import { pendingPermissions } from "./permissions.js";

// The plan: Claude drafts today's task file from the daily log (read-only); our parser checks it,
// and a draft that does not parse goes back to Claude once with the errors. A written plan waits
// for a person (Start / Show file / Discard). One Claude at a time: no plan while a task runs,
// and no task starts while a plan is being made.

type PlanCommand = Extract<Command, { type: "plan" | "discard_plan" }>;
type PlanFinished = Extract<Report, { type: "plan_finished" }>;

/** Issues listed in a notification; the rest are counted (all of them stay in the state). */
const ISSUES_SHOWN = 10;

/** Why a command that would start a Claude run must wait: a plan is being made. null otherwise. */
export function planRunning(state: SessionState): string | null {
  const p = state.plan;
  if (!p || p.status !== "running") return null;
  return `Claude is drafting a plan from ${p.daily_log} (one Claude at a time). Wait for it (the task list comes when it is ready), or send /plan discard to stop it.`;
}

export function handlePlanCommand(state: SessionState, cmd: PlanCommand, ctx: MachineContext): Transition {
  return cmd.type === "plan" ? startPlan(state, cmd, ctx) : discardPlan(state, cmd, ctx);
}

function startPlan(state: SessionState, cmd: Extract<PlanCommand, { type: "plan" }>, ctx: MachineContext): Transition {
  const busy = planRunning(state);
  if (busy) return ignore(state, `A plan is already being made. ${busy}`);
  if (state.status === "running") {
    return ignore(state, `${taskLabel(state, state.current_task_index)} is running (one Claude at a time): send /plan when it is done, or /cancel it first.`);
  }
  if (state.status === "waiting_limit") return ignore(state, "A task is waiting for a usage limit to reset: a plan would hit the same limit. Send /plan after it has resumed, or /skip the task.");
  if (pendingPermissions(state).length > 0) return ignore(state, "A task's Claude is waiting for your answer to a permission request: answer it first (/permissions).");
  if (budgetReached(state, ctx)) return ignore(state, budgetAdvice(state, ctx));
  const d = new Draft(state, ctx);
  const seq = (state.plan_seq ?? 0) + 1;
  const plan: PlanRecord = {
    id: `${cmd.date}-p${seq}`,
    status: "running",
    daily_log: cmd.daily_log,
    date: cmd.date,
    by: cmd.by?.trim() || null,
    round: 0,
    claude_session_id: null,
    started_at: ctx.now,
    finished_at: null,
    cost_usd: 0,
    file: null,
    kept_existing: null,
    tasks: [],
    issues: [],
    error: null,
  };
  d.s.plan = plan;
  d.s.plan_seq = seq;
  d.effects.push({ type: "run_plan", plan_id: plan.id, daily_log: plan.daily_log, date: plan.date, round: 0, resume_session_id: null, issues: [], max_budget_usd: remainingBudget(d.s, ctx) });
  d.notify("plan_started", "info", `📝 Planning from ${cmd.daily_log}: Claude reads it and the code (read-only) and drafts the task file.`, null);
  return d.done(`Planning from ${cmd.daily_log} (plan ${plan.id}). Claude reads it and the code, read-only; the task list comes when it is ready, with Start, Show file and Discard.`);
}

function discardPlan(state: SessionState, cmd: Extract<PlanCommand, { type: "discard_plan" }>, ctx: MachineContext): Transition {
  const p = state.plan;
  if (!p || (p.status !== "running" && p.status !== "ready")) {
    return ignore(state, p ? `Nothing to discard: the latest plan (${p.id}) is ${p.status}.` : "Nothing to discard: no plan has been made. Send /plan to draft one from today's daily log.");
  }
  if (cmd.id && cmd.id !== p.id) return ignore(state, `Plan ${cmd.id} is not the latest one (${p.id}, ${p.status}); send /plan show to see it.`);
  const d = new Draft(state, ctx);
  const by = cmd.by?.trim() || "a person";
  d.s.plan = { ...p, status: "discarded", finished_at: ctx.now, error: null };
  if (p.status === "running") d.effects.push({ type: "cancel_plan", plan_id: p.id });
  else if (p.file) d.effects.push({ type: "remove_plan_file", plan_id: p.id, file: p.file });
  const what = p.status === "running" ? "stopped while Claude drafted it" : `${p.file} removed`;
  d.notify("plan_discarded", "info", `🗑 Plan ${p.id} discarded by ${by} (${what}).`, null);
  return d.done(`Plan ${p.id} discarded (${what}). Send /plan to draft another, or /start [file] to load a task file.`);
}

/** A planning run ended: count its cost, then keep the file, send the errors back once, or fail. */
export function planFinished(state: SessionState, r: PlanFinished, ctx: MachineContext): Transition {
  const p = state.plan;
  const d = new Draft(state, ctx);
  addSpend(d, r.cost_usd); // every run counts toward today's budget, also one that is no longer wanted
  if (!p || p.id !== r.plan_id || p.status !== "running" || p.round !== r.round) {
    // Discarded (or replaced) while it ran: a file it managed to write before the stop is removed.
    // Never the file the state's plan offers or a session runs (a report seen twice).
    const kept = p && p.file !== null && (p.status === "ready" || p.status === "started") ? p.file : null;
    if (r.result.kind === "written" && r.result.file !== kept) d.effects.push({ type: "remove_plan_file", plan_id: r.plan_id, file: r.result.file });
    return d.done(`a planning run of plan ${r.plan_id} ended after it was no longer wanted`);
  }
  const plan: PlanRecord = { ...p, cost_usd: p.cost_usd + (r.cost_usd ?? 0), claude_session_id: r.session_id ?? p.claude_session_id };
  d.s.plan = plan;
  const result = r.result;
  switch (result.kind) {
    case "written": {
      Object.assign(plan, { status: "ready", finished_at: ctx.now, file: result.file, kept_existing: result.kept_existing, tasks: result.tasks, issues: [], error: null });
      d.notify("plan_ready", "success", planReadyText(plan), null);
      return d.done(`plan ${plan.id} written to ${result.file}`);
    }
    case "invalid": {
      plan.issues = result.issues;
      if (plan.round === 0 && !budgetReached(d.s, ctx)) {
        plan.round = 1;
        d.effects.push({ type: "run_plan", plan_id: plan.id, daily_log: plan.daily_log, date: plan.date, round: 1, resume_session_id: plan.claude_session_id, issues: result.issues, max_budget_usd: remainingBudget(d.s, ctx) });
        d.notify("plan_fixing", "info", `📝 The draft has ${count(result.issues.length, "problem")} (${result.issues[0] ?? ""}); Claude is fixing ${result.issues.length === 1 ? "it" : "them"}.`, null);
        return d.done(`plan ${plan.id}: sent ${result.issues.length} issue(s) back to Claude`);
      }
      const why = plan.round === 0 ? `it has ${count(result.issues.length, "problem")} and ${budgetAdvice(d.s, ctx)}` : `the task file Claude drafted still has ${count(result.issues.length, "problem")} after one fix`;
      return failPlan(d, plan, why);
    }
    case "failed":
      return failPlan(d, plan, result.error);
    case "cancelled":
      return failPlan(d, plan, "stopped (the orchestrator shut down while Claude drafted it)");
  }
}

/**
 * At a restart: a plan recorded as being made has no run of ours any more. Its Claude may still
 * be alive (a kill -9 of the service leaves it), so every process carrying the state file's mark
 * is ended (kill_orphan with no task: nothing of ours runs yet at recovery), and the plan fails.
 */
export function recoverPlan(d: Draft): void {
  const p = d.s.plan;
  if (!p || p.status !== "running") return;
  d.effects.push({ type: "kill_orphan", index: -1, pgid: null, run_marker: null });
  failPlan(d, { ...p }, "interrupted: the orchestrator stopped while Claude drafted it");
}

function failPlan(d: Draft, plan: PlanRecord, why: string): Transition {
  Object.assign(plan, { status: "failed", finished_at: d.ctx.now, error: why });
  d.s.plan = plan;
  const shown = plan.issues.slice(0, ISSUES_SHOWN).map((i) => `\n• ${i}`).join("");
  const more = plan.issues.length > ISSUES_SHOWN ? `\n… and ${plan.issues.length - ISSUES_SHOWN} more (/plan show)` : "";
  d.notify("plan_failed", "error", `❌ Plan ${plan.id} from ${plan.daily_log} failed: ${why}.${shown}${more}\nSend /plan to try again, or write the task file yourself.`, null);
  return d.done(`plan ${plan.id} failed: ${why}`);
}

/** "📝 Plan ready: 3 tasks …" with the list, which need approval, and where it was written. */
export function planReadyText(plan: PlanRecord): string {
  const lines = plan.tasks.map((t, i) => `${i + 1}. ${t.title}${t.type ? ` (${t.type})` : ""}${t.requires_approval ? " ⏸ needs approval" : ""}${t.verify.length > 0 ? " ✔ verify" : ""}`);
  const kept = plan.kept_existing ? `\n${plan.kept_existing} already existed and was kept; the plan is in ${plan.file}.` : "";
  const cost = plan.cost_usd > 0 ? ` ($${plan.cost_usd.toFixed(2)})` : "";
  return `📝 Plan ready: ${count(plan.tasks.length, "task")} from ${plan.daily_log}${cost}\n${lines.join("\n")}\nWritten to ${plan.file}.${kept}\nStart it, show the file, or discard it.`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
