import type { Command } from "../events.js";
import { createTaskRecord, type SessionState } from "../state.js";
import { progressOf, taskHeadline, taskLabel } from "../describe.js";
import { Draft, markSkipped, moveTo, pauseAt, previousOf, startTask, type MachineContext, type Transition } from "../draft.js";
import { ignore, refuse } from "./replies.js";
import { rollback } from "./rollback.js";
import { answerPermission, revokeRule, tell } from "./permissions.js";
import { budgetAdvice, budgetReached, setBudget } from "./budget.js";
import { limitCommand } from "./usage-limits.js";
import { handlePlanCommand, planRunning } from "./plan.js";
import { pendingPermissions } from "./permissions.js";

/** The commands that start a Claude run: refused while a plan is being made (one Claude at a time). */
const STARTS_A_RUN = new Set(["start", "approve", "resume", "retry"]);
/** An unfinished session `start` with replace may leave: no Claude of it is running. */
const REPLACEABLE = new Set(["waiting_approval", "paused", "task_failed", "waiting_limit"]);

/** A person's commands: start, approve, pause, resume, skip, retry, cancel (rollback: rollback.ts). */
export function handleCommand(state: SessionState, cmd: Command, ctx: MachineContext): Transition {
  if ((state.rollback_pending ?? null) !== null) {
    return ignore(state, `A rollback of ${taskLabel(state, state.rollback_pending as number)} is under way; send the command again in a moment.`);
  }
  if (cmd.type === "rollback") return rollback(state, cmd, ctx);
  if (cmd.type === "answer_permission") return answerPermission(state, cmd, ctx);
  if (cmd.type === "tell") return tell(state, cmd, ctx);
  if (cmd.type === "revoke_rule") return revokeRule(state, cmd, ctx);
  if (cmd.type === "budget") return setBudget(state, cmd, ctx);
  if (cmd.type === "plan" || cmd.type === "discard_plan") return handlePlanCommand(state, cmd, ctx);
  const planning = STARTS_A_RUN.has(cmd.type) ? planRunning(state) : null;
  if (planning) return ignore(state, planning);
  if (cmd.type === "start" && cmd.replace && REPLACEABLE.has(state.status) && pendingPermissions(state).length === 0) return startSession(state, cmd, ctx);
  const atLimit = limitCommand(state, cmd, ctx); // a task waiting for a usage limit (waiting_limit, or paused there)
  if (atLimit) return atLimit;
  const status = state.status;
  const current = state.tasks[state.current_task_index];
  switch (cmd.type) {
    case "start":
      if (status !== "idle" && status !== "completed") return refuse(state, cmd);
      return startSession(state, cmd, ctx);
    case "approve": {
      if (status !== "waiting_approval" || !current) return refuse(state, cmd);
      if (budgetReached(state, ctx)) return ignore(state, budgetAdvice(state, ctx));
      const d = new Draft(state, ctx);
      startTask(d, d.s.current_task_index, null);
      return d.done(`Executing ${taskHeadline(d.s, d.s.current_task_index)}`);
    }
    case "pause": {
      if (status === "running" && !state.pause_requested) {
        const d = new Draft(state, ctx);
        d.s.pause_requested = true;
        return d.done(`Pausing after ${taskLabel(d.s, d.s.current_task_index)} finishes (it keeps running). Send /resume to cancel.`);
      }
      if (status !== "waiting_approval") return refuse(state, cmd);
      const d = new Draft(state, ctx);
      pauseAt(d);
      return d.done(`Paused at ${taskLabel(d.s, d.s.current_task_index)}. Completed: ${progressOf(d.s).text}. State saved. Send /resume to continue.`);
    }
    case "resume": {
      if (status === "running" && state.pause_requested) {
        const d = new Draft(state, ctx);
        d.s.pause_requested = false;
        return d.done(`Pause cancelled: ${taskLabel(d.s, d.s.current_task_index)} keeps running and the session goes on.`);
      }
      if (status !== "paused") return refuse(state, cmd);
      const d = new Draft(state, ctx);
      d.s.paused_at = null;
      d.notify("session_resumed", "info", `Resumed at ${taskHeadline(d.s, d.s.current_task_index)}`, d.s.current_task_index);
      const next = moveTo(d, d.s.current_task_index, previousOf(d.s, d.s.current_task_index));
      return d.done(`Resumed. Continuing from ${taskHeadline(d.s, d.s.current_task_index)}\n${next}`);
    }
    case "skip": {
      if (!current || !["waiting_approval", "paused", "task_failed", "running"].includes(status)) return refuse(state, cmd);
      const d = new Draft(state, ctx);
      const index = d.s.current_task_index;
      if (status === "running") {
        const task = d.task(index);
        if (task.skip_requested) return ignore(state, `Already skipping ${taskLabel(state, index)}: it is being stopped.`);
        task.skip_requested = true;
        d.effects.push({ type: "cancel_task", index, attempt: task.attempts });
        return d.done(`Stopping ${taskHeadline(d.s, index)} and skipping it.`);
      }
      markSkipped(d, index);
      if (status === "paused" && index + 1 < d.s.tasks.length) {
        d.s.current_task_index = index + 1;
        return d.done(`Skipped ${taskHeadline(d.s, index)}. Still paused, now at ${taskLabel(d.s, index + 1)}. Send /resume to continue.`);
      }
      const next = moveTo(d, index + 1, null);
      return d.done(`Skipped ${taskHeadline(d.s, index)}. ${next}`);
    }
    case "cancel": {
      if (status !== "running" || !current) return ignore(state, cancelRefusal(state));
      if (current.cancel_requested_by) return ignore(state, `Already cancelling ${taskLabel(state, state.current_task_index)}: it is being stopped.`);
      const d = new Draft(state, ctx);
      const index = d.s.current_task_index;
      const task = d.task(index);
      task.cancel_requested_by = cmd.by?.trim() || "a person";
      d.effects.push({ type: "cancel_task", index, attempt: task.attempts });
      return d.done(`Cancelling ${taskHeadline(d.s, index)}: stopping Claude, its tools and any running check now. The session then waits for you.`);
    }
    case "retry": {
      const retryable = current && (current.status === "failed" || current.status === "interrupted" || current.status === "rolled_back");
      if (!retryable || !["task_failed", "waiting_approval", "paused"].includes(status)) return refuse(state, cmd);
      if (budgetReached(state, ctx)) return ignore(state, budgetAdvice(state, ctx));
      const d = new Draft(state, ctx);
      d.s.paused_at = null;
      startTask(d, d.s.current_task_index, cmd.feedback?.trim() || null);
      return d.done(`Retrying ${taskHeadline(d.s, d.s.current_task_index)} (attempt ${current.attempts + 1})`);
    }
  }
}

function cancelRefusal(state: SessionState): string {
  if (state.status === "idle") return "Nothing to cancel: no session has started.";
  const label = state.tasks.length > 0 ? taskLabel(state, state.current_task_index) : "the session";
  return `Nothing to cancel: no task is running (${label} is ${state.status === "task_failed" ? "failed" : state.status.replace("_", " ")}). Send /status to see where things stand.`;
}

/** Loads the task file as a new session (over an idle or finished one, or with replace an unfinished one). */
function startSession(state: SessionState, cmd: Extract<Command, { type: "start" }>, ctx: MachineContext): Transition {
  if (cmd.tasks.length === 0) return ignore(state, `No tasks in ${cmd.task_file}: nothing to start.`);
  const d = new Draft(state, ctx);
  const unfinished = state.status !== "idle" && state.status !== "completed" && state.tasks.length > 0;
  const progress = progressOf(state);
  const left = unfinished ? `Session ${state.session_id} (${progress.done} of ${progress.total} tasks done) is left unfinished. ` : "";
  Object.assign(d.s, {
    session_id: cmd.session_id,
    task_file: cmd.task_file,
    tasks: cmd.tasks.map(createTaskRecord),
    current_task_index: 0,
    status: "idle",
    started_at: ctx.now,
    paused_at: null,
    completed_at: null,
    pause_requested: false,
    waiting_reason: null,
    rollback_pending: null,
    git_branch: cmd.git_branch ?? null,
    max_cost_usd: cmd.max_cost_usd ?? null,
  });
  if (d.s.resume_at != null || d.s.limit != null) Object.assign(d.s, { resume_at: null, limit: null });
  // Started from the ready plan's file: the plan is now this session's.
  if (d.s.plan?.status === "ready" && d.s.plan.file === cmd.task_file) d.s.plan = { ...d.s.plan, status: "started" };
  const list = d.s.tasks.map((t, i) => `${i + 1}. ${t.title}${t.type ? ` (${t.type})` : ""}`).join("\n");
  const branch = cmd.git_branch ? ` on branch ${cmd.git_branch}` : "";
  d.notify("session_started", "info", `${left}Session ${cmd.session_id} started: ${cmd.tasks.length} tasks from ${cmd.task_file}${branch}`, null);
  const next = moveTo(d, 0, null);
  return d.done(`${left}Loaded ${cmd.tasks.length} tasks from ${cmd.task_file}:\n${list}\n${next}`);
}
