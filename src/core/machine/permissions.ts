import type { Command, Report } from "../events.js";
import type { SessionState } from "../state.js";
import { alwaysRuleOf, ASK_USER_QUESTION, ruleText, type PermissionRecord, type PermissionResponse } from "../permission.js";
import { describePermission } from "../describe-permission.js";
import { taskHeadline, taskLabel } from "../describe.js";
import { Draft, type MachineContext, type Transition } from "../draft.js";
import { ignore } from "./replies.js";

// Claude's permission requests and questions (the CLI's stdio permission channel): recorded
// before anyone is asked, answered exactly once (whichever surface is first), reminded halfway,
// expired at claude.permission_timeout (the task parked), and expired when the run ends.

/** Answered requests kept for "already answered by …"; older ones are dropped. */
const ANSWERED_KEPT = 100;

/** Default of claude.permission_timeout, seconds. */
export const DEFAULT_PERMISSION_TIMEOUT_S = 1800;

/** "30 min", "45 s": a wait as a person reads it. */
export function waitText(seconds: number): string {
  if (seconds >= 120) return `${Math.round(seconds / 60)} min`;
  return seconds >= 10 ? `${Math.round(seconds)} s` : `${Math.round(seconds * 10) / 10} s`;
}

/** The requests still waiting for an answer, oldest first. */
export function pendingPermissions(state: SessionState): PermissionRecord[] {
  return (state.permissions ?? []).filter((p) => p.status === "pending");
}

type PermissionReport = Extract<Report, { type: "permission_requested" | "permission_cancelled" | "permission_timer" }>;

export function handlePermissionReport(state: SessionState, report: PermissionReport, ctx: MachineContext): Transition {
  switch (report.type) {
    case "permission_requested":
      return requested(state, report, ctx);
    case "permission_cancelled": {
      const record = (state.permissions ?? []).find((p) => p.request_id === report.request_id && p.index === report.index && p.attempt === report.attempt && p.status === "pending");
      if (!record) return ignore(state, `Ignored a stale permission_cancelled ${report.request_id}.`);
      const d = new Draft(state, ctx);
      closeRecord(d, record.id, { status: "expired", message: "Claude withdrew the request", answered_by: null });
      d.notify("permission_expired", "info", `🔐 ${taskHeadline(d.s, record.index)}: Claude withdrew ${record.kind === "question" ? `its question "${describePermission(record)}"` : `its request to run ${describePermission(record)}`}.`, record.index, record.id);
      return d.done("withdrawn");
    }
    case "permission_timer":
      return timer(state, report, ctx);
  }
}

function requested(state: SessionState, report: Extract<PermissionReport, { type: "permission_requested" }>, ctx: MachineContext): Transition {
  const task = state.tasks[report.index];
  const live = state.status === "running" && task?.status === "running" && task.attempts === report.attempt;
  if (!live) return ignore(state, `Ignored a permission request for task index ${report.index} attempt ${report.attempt}: it is not running.`);
  const d = new Draft(state, ctx);
  d.s.permission_seq = (d.s.permission_seq ?? 0) + 1;
  const kind = report.ask.tool === ASK_USER_QUESTION ? "question" : "tool";
  const record: PermissionRecord = {
    ...report.ask,
    id: `${d.s.session_id ?? "session"}-p${d.s.permission_seq}`,
    index: report.index,
    attempt: report.attempt,
    kind,
    asked_at: ctx.now,
    reminded: false,
    status: "pending",
    answered_by: null,
    answered_at: null,
    message: null,
    answers: null,
  };
  d.s.permissions = [...(d.s.permissions ?? []), record];
  // The session is known before the run ends: a crash while waiting can still be resumed.
  if (report.session_id) d.task(report.index).claude_session_id = report.session_id;
  const headline = taskHeadline(d.s, report.index);
  if (kind === "question") d.notify("question_asked", "info", `❓ ${headline}: Claude asks: ${describePermission(record)}`, report.index, record.id);
  else d.notify("permission_requested", "warning", `🔐 ${headline} wants to run ${describePermission(record)}`, report.index, record.id);
  return d.done(`asked ${record.id}`);
}

function timer(state: SessionState, report: Extract<PermissionReport, { type: "permission_timer" }>, ctx: MachineContext): Transition {
  const record = (state.permissions ?? []).find((p) => p.id === report.id && p.status === "pending");
  if (!record) return ignore(state, `Ignored a timer for ${report.id}: it is answered.`);
  const d = new Draft(state, ctx);
  const headline = taskHeadline(d.s, record.index);
  const timeout = waitText(ctx.permissionTimeoutS ?? DEFAULT_PERMISSION_TIMEOUT_S);
  if (report.kind === "remind") {
    if (record.reminded) return ignore(state, "already reminded");
    closeRecord(d, record.id, { reminded: true });
    const notice = record.kind === "question" ? "question_asked" : "permission_requested";
    d.notify(notice, "warning", `⏰ Still waiting: ${headline} wants ${record.kind === "question" ? "an answer" : `to run ${describePermission(record)}`}. Unanswered, it is denied and the task parked in ${waitText((ctx.permissionTimeoutS ?? DEFAULT_PERMISSION_TIMEOUT_S) / 2)}.`, record.index, record.id);
    return d.done("reminded");
  }
  const reason = `waited ${timeout} for permission to run ${describePermission(record)}`;
  closeRecord(d, record.id, { status: "expired", message: `no answer within ${timeout}`, answered_by: null });
  const task = d.task(record.index);
  // Parked, not failed: /retry continues the same Claude session, and the question comes again.
  Object.assign(task, { stop_reason: reason, resume_on_retry: true });
  respond(d, record, { behavior: "deny", message: `No one answered within ${timeout}; the task is parked until a person continues it.`, interrupt: true });
  d.notify("permission_expired", "warning", `⌛ ${headline}: ${reason}; it is parked. Send /retry to continue it (the same Claude session; it asks again).`, record.index, record.id);
  return d.done(reason);
}

/** A person's answer, from any surface: exactly one answer per request; later ones are told who was first. */
export function answerPermission(state: SessionState, cmd: Extract<Command, { type: "answer_permission" }>, ctx: MachineContext): Transition {
  const record = (state.permissions ?? []).find((p) => p.id === cmd.id);
  if (!record) return ignore(state, `No permission request ${cmd.id} in this session. Send /permissions to see the pending ones.`);
  if (record.status !== "pending") return ignore(state, alreadyAnswered(record));
  const by = cmd.by?.trim() || "a person";
  const d = new Draft(state, ctx);
  const what = describePermission(record);
  const headline = taskHeadline(d.s, record.index);
  if (record.kind === "question" && cmd.decision !== "deny" && cmd.decision !== "stop") {
    const answers = cmd.answers ?? {};
    if (Object.keys(answers).length === 0) return ignore(state, `${cmd.id} is a question: answer it with answers (question -> option or text), or deny it.`);
    closeRecord(d, record.id, { status: "answered", answered_by: by, answers });
    respond(d, record, { behavior: "allow", updatedInput: { ...record.input, answers } });
    d.notify("permission_answered", "info", `💬 ${headline}: answered by ${by}: ${Object.values(answers).join("; ")}`, record.index, record.id);
    return d.done(`Answered: ${Object.values(answers).join("; ")}`);
  }
  switch (cmd.decision) {
    case "allow":
    case "answer": {
      closeRecord(d, record.id, { status: "allowed", answered_by: by });
      respond(d, record, { behavior: "allow", updatedInput: record.input });
      d.notify("permission_answered", "info", `✅ ${headline}: ${what} allowed by ${by}.`, record.index, record.id);
      return d.done(`Allowed ${what}.`);
    }
    case "always": {
      const rule = alwaysRuleOf(record);
      const text = ruleText(rule);
      closeRecord(d, record.id, { status: "always", answered_by: by, message: text });
      d.s.always_rules = [...new Set([...(d.s.always_rules ?? []), text])];
      respond(d, record, { behavior: "allow", updatedInput: record.input, updatedPermissions: [{ type: "addRules", rules: [rule], behavior: "allow", destination: "session" }] });
      d.notify("permission_answered", "info", `✅ ${headline}: ${what} allowed by ${by}, and ${text} from now on in this session.`, record.index, record.id);
      return d.done(`Allowed ${what}, and ${text} for the rest of the session.`);
    }
    case "deny": {
      const message = cmd.message?.trim() || `${by} denied this.`;
      closeRecord(d, record.id, { status: "denied", answered_by: by, message });
      respond(d, record, { behavior: "deny", message });
      d.notify("permission_answered", "info", `🚫 ${headline}: ${what} denied by ${by}${cmd.message?.trim() ? `: ${message}` : "."}`, record.index, record.id);
      return d.done(`Denied ${what}.`);
    }
    case "stop": {
      const message = cmd.message?.trim() || `${by} stopped the task.`;
      closeRecord(d, record.id, { status: "stopped", answered_by: by, message });
      Object.assign(d.task(record.index), { stop_reason: `stopped by ${by} when asked to run ${what}` });
      respond(d, record, { behavior: "deny", message, interrupt: true });
      d.notify("permission_answered", "warning", `⏹ ${headline}: ${what} denied and the task stopped by ${by}.`, record.index, record.id);
      return d.done(`Stopping ${taskLabel(d.s, record.index)}: ${what} denied.`);
    }
  }
}

/** The words a late press hears: who answered and when, or why it expired. */
export function alreadyAnswered(record: PermissionRecord): string {
  if (record.status === "expired") return `Expired: ${record.message ?? "the request is over"}.`;
  const how = record.status === "always" ? "allowed (always)" : record.status === "answered" ? "answered" : record.status;
  return `Already answered: ${how} by ${record.answered_by ?? "someone"}${record.answered_at ? ` at ${record.answered_at}` : ""}.`;
}

/** A message for the running task's Claude, read on its next turn. */
export function tell(state: SessionState, cmd: Extract<Command, { type: "tell" }>, ctx: MachineContext): Transition {
  const index = state.current_task_index;
  const task = state.tasks[index];
  if (state.status !== "running" || !task || task.status !== "running") return ignore(state, "Nothing to tell: no task is running. Send /status to see where things stand.");
  // Only Claude reads it: while the task's checks or commit run there is no Claude to tell.
  if ((task.phase ?? "claude") !== "claude") return ignore(state, `${taskLabel(state, index)} is ${task.phase === "verifying" ? "being verified" : "being committed"}: Claude is not running now, so there is no one to tell. Send it again if Claude is sent back to fix it.`);
  const text = cmd.text.trim();
  if (text === "") return ignore(state, "Tell Claude what? Send /tell <text>.");
  const d = new Draft(state, ctx);
  d.effects.push({ type: "tell_task", index, attempt: task.attempts, text });
  return d.done(`Sent to ${taskLabel(state, index)}'s Claude; it reads it on its next turn.`);
}

export function revokeRule(state: SessionState, cmd: Extract<Command, { type: "revoke_rule" }>, ctx: MachineContext): Transition {
  const rules = state.always_rules ?? [];
  if (!rules.includes(cmd.rule)) return ignore(state, `No "always" rule ${cmd.rule} in this session. Send /permissions to see them.`);
  const d = new Draft(state, ctx);
  d.s.always_rules = rules.filter((r) => r !== cmd.rule);
  return d.done(`Revoked ${cmd.rule}: later runs ask again (a run already going keeps it until it ends).`);
}

/**
 * Every pending request of task `index` expires (its run ended, or the process restarted: the CLI
 * that asked is gone), with `why` for a late press.
 */
export function expirePending(d: Draft, index: number, why: string): void {
  for (const p of pendingPermissions(d.s)) {
    if (p.index !== index) continue;
    closeRecord(d, p.id, { status: "expired", message: why, answered_by: null });
    const what = p.kind === "question" ? `the question "${describePermission(p)}"` : `the request to run ${describePermission(p)}`;
    d.notify("permission_expired", "info", `🔐 ${taskHeadline(d.s, index)}: ${what} expired: ${why}.`, index, p.id);
  }
}

/** Changes one record (a copy: the list is the draft's own) and trims the answered ones kept. */
function closeRecord(d: Draft, id: string, change: Partial<PermissionRecord>): void {
  const list = (d.s.permissions ?? []).map((p) => (p.id === id ? { ...p, ...change, ...(change.status && change.status !== "pending" ? { answered_at: d.ctx.now } : {}) } : p));
  const answered = list.filter((p) => p.status !== "pending");
  const drop = new Set(answered.slice(0, Math.max(0, answered.length - ANSWERED_KEPT)).map((p) => p.id));
  d.s.permissions = list.filter((p) => !drop.has(p.id));
}

function respond(d: Draft, record: PermissionRecord, response: PermissionResponse): void {
  d.effects.push({ type: "respond_permission", index: record.index, attempt: record.attempt, request_id: record.request_id, response });
}
