/**
 * The /status reply, from the StatusData every surface shares, laid out like the seed's:
 * session, status, progress counts, current task, start time and runtime, then the commands
 * that make sense now. Pure.
 *
 * What StatusData does not carry (the running task's phase, rolled-back tasks) is read from the
 * session state the answer was made from, when it is given.
 */
import type { StatusData } from "../../control/control-types.js";
import type { SessionState, TaskPhase } from "../../core/state.js";
import { describePermission } from "../../core/describe-permission.js";
import { pendingPermissions } from "../../core/machine/permissions.js";
import { STATUS_TEXT as SESSION_STATUS_TEXT, TASK_MARK, WAITING_PERMISSION_TEXT } from "../../render/format-status.js";
import { bold, escapeHtml, truncate } from "./html.js";
import { clockTime, duration, shortPath } from "./render-parts.js";

const STATUS_TEXT: Record<string, string> = SESSION_STATUS_TEXT;

/** What a running task is doing after Claude's part. */
const PHASE_TEXT: Partial<Record<TaskPhase, string>> = { verifying: "🔎 verifying", committing: "📦 committing" };

export function renderStatus(s: StatusData, state: SessionState | null = null): string {
  const title = `📊 ${bold("Orchestrator Status")}`;
  // What is wrong with the service itself (state not saved, logs not written) comes first.
  const problems = (s.problems ?? []).map((p) => `⚠️ ${escapeHtml(truncate(p, 300))}`);
  const head = problems.length > 0 ? [title, "", ...problems] : [title];
  if (s.status === "idle" || s.total === 0) return [...head, "", "Status: 💤 Idle (no session yet)", "", "/start to load today's task file, /help for all commands"].join("\n");
  const p = s.progress;
  const lines = [...head, "", `Session: ${escapeHtml(s.session_id ?? "?")}`, `Status: ${statusText(s, state)}${s.pause_requested ? " (pausing after this task)" : ""}`];
  if (s.waiting_reason) lines.push(`Why: ${escapeHtml(s.waiting_reason)}`);
  // Absent in answers from before usage limits were known (an older service behind n8n).
  if (s.limit) lines.push(`⏳ ${escapeHtml(s.limit.text)}`);
  if (s.usage) lines.push(`📈 ${escapeHtml(s.usage.text)}`);
  lines.push("", `Progress: ${p.done}/${p.total} tasks (${p.percent}%)`, `✅ Completed: ${p.completed}`);
  if (p.skipped > 0) lines.push(`⏭️ Skipped: ${p.skipped}`);
  if (p.failed > 0) lines.push(`❌ Failed: ${p.failed}`);
  const rolledBack = state?.tasks.filter((task) => task.status === "rolled_back").length ?? 0;
  if (rolledBack > 0) lines.push(`${TASK_MARK.rolled_back} Rolled back: ${rolledBack}`);
  lines.push(`⏳ Pending: ${p.pending}`);
  const t = s.current_task;
  if (t && s.status !== "completed") {
    const current = state?.tasks[s.task - 1];
    const phase = (t as { phase?: TaskPhase | null }).phase ?? current?.phase ?? null;
    const doing = t.status === "running" && phase ? PHASE_TEXT[phase] : undefined;
    const mark = t.status === "rolled_back" ? `${TASK_MARK.rolled_back} rolled back` : doing;
    lines.push("", `Current: Task ${s.task} - ${escapeHtml(t.title)}${t.type ? ` (${escapeHtml(t.type)})` : ""}${mark ? ` · ${mark}` : ""}`);
    if (t.error && (t.status === "failed" || t.status === "interrupted") && !s.limit) lines.push(`Error: ${escapeHtml(truncate(t.error, 500))}`);
  }
  lines.push("", `Task file: ${escapeHtml(shortPath(s.task_file))}`);
  if (s.started_at) lines.push(`Started: ${clockTime(s.started_at)}`);
  if (s.runtime_s !== null) lines.push(`Runtime: ${duration(s.runtime_s)}`);
  if (s.cost_usd > 0) lines.push(`💰 Cost: $${s.cost_usd.toFixed(4)}`);
  lines.push("", s.commands.join(" "));
  return lines.join("\n");
}

/**
 * The status as a person reads it; while Claude waits for a person (waiting_permission), what it
 * waits for: "🔐 Waiting for permission: Bash: npm test" ("❓ Waiting for an answer: …" for a question).
 */
function statusText(s: StatusData, state: SessionState | null): string {
  if (s.status !== "waiting_permission") return STATUS_TEXT[s.status] ?? escapeHtml(s.status);
  const first = state ? pendingPermissions(state)[0] : undefined;
  if (!first) return escapeHtml(WAITING_PERMISSION_TEXT);
  const more = state && pendingPermissions(state).length > 1 ? ` (and ${pendingPermissions(state).length - 1} more)` : "";
  const what = first.kind === "question" ? `❓ Waiting for an answer: ${describePermission(first)}` : `${WAITING_PERMISSION_TEXT}: ${describePermission(first)}`;
  return escapeHtml(truncate(what, 300) + more);
}
