import { currentTask, progressOf } from "../core/describe.js";
import type { SessionState } from "../core/state.js";
import { commandsFor, displayStatus } from "../render/format-status.js";
import { describeChanges } from "../core/describe-changes.js";
import { lastFinishedIndex } from "../core/machine/rollback.js";
import { localDate } from "../logging/daily-file-stream.js";
import { budgetToday, spentToday } from "../core/machine/budget.js";
import { heldAtLimit, limitWaitLine, usageLine } from "../core/machine/usage-limits.js";

/** The wait for a usage limit, while a task waits for one. */
function limitOf(state: SessionState, now: Date): StatusData["limit"] {
  const text = limitWaitLine(state, now.toISOString());
  if (!text || !state.resume_at) return null;
  const l = state.limit ?? null;
  return { type: l?.type ?? null, resets_at: l?.resets_at ?? null, resume_at: state.resume_at, held: state.status === "paused", message: l?.message ?? "", text };
}

function usageOf(state: SessionState, now: Date): StatusData["usage"] {
  const text = usageLine(state, now.toISOString());
  const w = state.usage_warning ?? null;
  return text && w ? { type: w.type, utilization: w.utilization, resets_at: w.resets_at, text } : null;
}

/** Today's spend and budget, as the machine counts them (a /budget raise wins; else the lower of the daily budget and the file's max_cost_usd). */
function budgetOf(state: SessionState, now: Date, dailyBudgetUsd: number | null): StatusData["budget"] {
  const today = localDate(now);
  const ctx = { today, budget: { dailyUsd: dailyBudgetUsd, warnRatio: 1 } };
  return { date: today, spent_usd: Number(spentToday(state, ctx).toFixed(6)), budget_usd: budgetToday(state, ctx) };
}
import type { StatusData } from "./control-types.js";

/** The status as data, for the HTTP API, the bot and n8n, with the service's current problems. Pure. */
export function statusData(state: SessionState, now: Date, problems: string[] = [], dailyBudgetUsd: number | null = null): StatusData {
  const p = progressOf(state);
  const count = (s: string) => state.tasks.filter((t) => t.status === s).length;
  const task = state.status === "idle" ? null : currentTask(state);
  const end = state.completed_at ? Date.parse(state.completed_at) : now.getTime();
  // The task waiting for a usage limit is interrupted, but it has not failed: it goes on by itself.
  const waitingAtLimit = state.status === "waiting_limit" || heldAtLimit(state) ? 1 : 0;
  return {
    session_id: state.session_id,
    task_file: state.task_file,
    status: displayStatus(state),
    task: task ? state.current_task_index + 1 : 0,
    total: state.tasks.length,
    current_task: task ? { id: task.id, title: task.title, type: task.type, status: task.status, error: task.error, phase: task.phase ?? null } : null,
    last_task: lastTask(state),
    progress: { ...p, completed: count("completed"), skipped: count("skipped"), failed: count("failed") + count("interrupted") - waitingAtLimit, rolled_back: count("rolled_back"), pending: count("pending") },
    pause_requested: state.pause_requested,
    waiting_reason: state.waiting_reason,
    started_at: state.started_at,
    runtime_s: state.started_at ? Math.max(0, Math.round((end - Date.parse(state.started_at)) / 1000)) : null,
    cost_usd: Number(state.tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0).toFixed(6)),
    commands: commandsFor(state),
    git_branch: state.git_branch ?? null,
    budget: budgetOf(state, now, dailyBudgetUsd),
    limit: limitOf(state, now),
    usage: usageOf(state, now),
    problems: [...problems],
  };
}

function lastTask(state: SessionState): StatusData["last_task"] {
  const index = lastFinishedIndex(state);
  const t = index === null ? null : state.tasks[index];
  if (index === null || !t) return null;
  return {
    task: index + 1,
    title: t.title,
    status: t.status,
    changes: t.changes_error ? `⚠️ What it changed could not be recorded: ${t.changes_error}` : describeChanges(t),
    files_changed: t.files_changed ?? [],
    insertions: t.insertions ?? null,
    deletions: t.deletions ?? null,
    verification: t.verification ?? null,
    commit: t.commit ?? null,
  };
}
