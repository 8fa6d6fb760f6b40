import { currentTask, progressOf, taskLabel } from "../core/describe.js";
import { describeChanges, shortCommit } from "../core/describe-changes.js";
import { describePermission } from "../core/describe-permission.js";
import { pendingPermissions } from "../core/machine/permissions.js";
import { heldAtLimit, limitWaitLine, usageLine } from "../core/machine/usage-limits.js";
import type { SessionState, SessionStatus, TaskStatus } from "../core/state.js";

/** How each session status reads to a person, emoji first (shared by the CLI and the bot). */
export const STATUS_TEXT: Record<SessionStatus, string> = {
  idle: "💤 Idle",
  waiting_approval: "⏸️ Waiting for approval",
  running: "⚙️ Running",
  paused: "⏸️ Paused",
  task_failed: "❌ Task failed",
  waiting_limit: "⏳ Waiting for the usage limit",
  completed: "✅ Completed",
};

/**
 * The session's status as every surface shows it: `waiting_permission` while Claude waits for a
 * person's answer to a permission request or question (state.json keeps `running`, with the
 * request in `permissions`: the task is still running, its Claude is waiting).
 */
export type DisplayStatus = SessionStatus | "waiting_permission";

export function displayStatus(state: SessionState): DisplayStatus {
  return state.status === "running" && pendingPermissions(state).length > 0 ? "waiting_permission" : state.status;
}

export const WAITING_PERMISSION_TEXT = "🔐 Waiting for permission";

/** The mark in front of a task in a list. */
export const TASK_MARK: Record<TaskStatus, string> = {
  pending: "⏳",
  running: "⚙️",
  completed: "✅",
  failed: "❌",
  skipped: "⏭️",
  interrupted: "⚠️",
  rolled_back: "↩️",
};

/** Whole minutes or seconds between two ISO times, for "Runtime: 5 minutes". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} minutes`;
  return `${(seconds / 3600).toFixed(1)} hours`;
}

/** The commands that make sense in a status, as a person would type them. */
export function commandsFor(state: SessionState): string[] {
  switch (state.status) {
    case "idle":
    case "completed":
      return ["/start"];
    case "waiting_approval":
      return ["/approve", "/skip", "/pause"];
    case "running":
      if (pendingPermissions(state).length > 0) return ["/permissions", "/tell", "/cancel"];
      return state.pause_requested ? ["/status", "/resume", "/skip", "/cancel"] : ["/status", "/pause", "/skip", "/cancel"];
    case "paused":
      return ["/resume", "/skip"];
    case "task_failed":
      return ["/retry", "/skip", "/logs"];
    case "waiting_limit":
      // /approve tries now; otherwise it continues by itself at resume_at.
      return ["/status", "/approve", "/pause", "/skip"];
  }
}

/**
 * Plain-text status, as `orchestrator status` prints it (the bot renders its own from the same
 * state). `problems` (the service's, e.g. "logs are not being written: …") come first, one ⚠️ line each.
 */
export function formatStatus(state: SessionState, now: Date, problems: string[] = []): string {
  const head = ["📊 Orchestrator Status", "", ...problems.map((p) => `⚠️ ${p}`), ...(problems.length > 0 ? [""] : [])];
  if (state.status === "idle" || state.tasks.length === 0) return [...head, "Status: 💤 Idle (no session). Start one with a task file."].join("\n");
  const p = progressOf(state);
  const count = (s: TaskStatus) => state.tasks.filter((t) => t.status === s).length;
  const lines = [
    ...head,
    `Session: ${state.session_id}`,
    `Task file: ${state.task_file}`,
    `Status: ${displayStatus(state) === "waiting_permission" ? WAITING_PERMISSION_TEXT : STATUS_TEXT[state.status]}${state.pause_requested ? " (pausing after this task)" : ""}`,
  ];
  for (const p of pendingPermissions(state)) lines.push(`Asks (${p.id}): ${p.kind === "question" ? "" : "may it run "}${describePermission(p)}${p.kind === "question" ? "" : "?"} Answer with /permissions.`);
  if (state.waiting_reason) lines.push(`Waiting because ${state.waiting_reason}`);
  const limitLine = limitWaitLine(state, now.toISOString());
  if (limitLine) lines.push(limitLine);
  const usage = usageLine(state, now.toISOString());
  if (usage) lines.push(`Usage: ${usage}`);
  lines.push("", `Progress: ${p.done}/${p.total} tasks (${p.percent}%)`);
  for (const s of ["completed", "skipped", "failed", "interrupted", "rolled_back", "pending"] as TaskStatus[]) {
    const n = count(s);
    if (n > 0) lines.push(`${TASK_MARK[s]} ${s[0]?.toUpperCase()}${s.slice(1).replace("_", " ")}: ${n}`);
  }
  const task = currentTask(state);
  if (task && state.status !== "completed") {
    lines.push("", `Current: ${taskLabel(state, state.current_task_index)} - ${task.title}${task.type ? ` (${task.type})` : ""}`);
    if (task.phase === "verifying") lines.push("Verifying: running its Verify commands");
    if (task.phase === "committing") lines.push("Committing its changes");
    // A task waiting for a usage limit has no error: the line above says when it goes on.
    if (task.error && state.status !== "waiting_limit" && !heldAtLimit(state)) lines.push(`Error: ${task.error}`);
    if (task.output_log_error) lines.push(`Output log: ${task.output_log_error}`);
  }
  const cost = state.tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0);
  if (cost > 0) lines.push(`Cost so far: $${cost.toFixed(4)}`);
  if (state.started_at) {
    const end = state.completed_at ? Date.parse(state.completed_at) : now.getTime();
    lines.push("", `Started: ${state.started_at}`, `Runtime: ${formatDuration((end - Date.parse(state.started_at)) / 1000)}`);
  }
  lines.push("", "Tasks:");
  state.tasks.forEach((t, i) => {
    lines.push(`  ${TASK_MARK[t.status]} ${i + 1}. ${t.title} [${t.status}]${t.duration_s !== null ? ` ${formatDuration(t.duration_s)}` : ""}`);
    // What a finished task changed and how its checks went, under it (nothing for tasks that have not run).
    if (t.status === "running") return;
    const changes = describeChanges(t);
    if (changes) lines.push(`       ${changes}`);
    if (t.verification) lines.push(`       ${t.verification.summary}`);
    if (t.commit) lines.push(`       commit ${shortCommit(t.commit)}`);
  });
  lines.push("", commandsFor(state).join(" "));
  return lines.join("\n");
}
