/**
 * One line of the event history (`events-YYYY-MM-DD.jsonl`): a transition of the orchestrator as a
 * person later asks about it ("who approved task 3, and when?"). Built from the Change every
 * subscriber gets; pure.
 *
 * What is kept: when (the injected clock), which event, who sent it (`by`, commands only), the
 * task it was about (1-based, as every surface numbers tasks), the reply, the session, the status
 * it led to, the event's own small fields, and the notifications it made. What is not: task text
 * (it is in the task file), permission inputs (a file's new contents; a one-line summary instead),
 * anything longer than MAX_TEXT characters. Runner progress and the n8n outbox's delivery receipts
 * make no line: they come many a minute and say nothing a person would search for.
 */
import { describePermission } from "../core/describe-permission.js";
import { COMMAND_NAMES, type OrchestratorEvent } from "../core/events.js";
import { lastFinishedIndex } from "../core/machine/rollback.js";
import type { SessionState } from "../core/state.js";
import type { Change } from "../orchestrator/orchestrator.js";

/** Longest text kept in a field (a message, a feedback, a reason); longer is cut with "…". */
export const MAX_TEXT = 500;

/** Events that make no history line. */
const SKIPPED: ReadonlySet<string> = new Set(["task_progress", "notifications_delivered"]);

export interface HistoryNotification {
  event: string;
  level: string;
  message: string;
  /** 1-based task it is about, or null for the session. */
  task: number | null;
}

export interface HistoryEntry {
  /** ISO time of the transition (the orchestrator's clock). */
  ts: string;
  /** The event's type: a command ("approve", "cancel", "answer_permission"…) or a report ("task_finished"…). */
  event: string;
  /** "command" (a person asked), "report" (the runner, a timer, a restart), "note" (the history's own: lines it lost). */
  kind: "command" | "report" | "note";
  /** Who sent a command ("Telegram 123 @ana", "HTTP 127.0.0.1", "the CLI"); null for reports, or when no surface said. */
  by: string | null;
  /** 1-based position of the task it was about, or null (start, session-wide reports). */
  task: number | null;
  /** Whether the machine accepted it (a refused command is kept too: who tried what). */
  ok: boolean;
  /** The reply (commands) or the first notification's text (reports). */
  message: string;
  session: string | null;
  /** The session status after it. */
  status: string;
  /** The event's own small fields (task_file, feedback, decision, cost_usd…), without task text. */
  fields: Record<string, unknown>;
  /** What the transition told the person and n8n. */
  notifications: HistoryNotification[];
}

const isCommand = (event: OrchestratorEvent): boolean => (COMMAND_NAMES as readonly string[]).includes(event.type);

/** The history line for a change, or null when the event makes none (progress, delivery receipts). */
export function historyEntry(change: Change, ts: string): HistoryEntry | null {
  const { event, state, previous, effects, reply } = change;
  if (SKIPPED.has(event.type)) return null;
  const command = isCommand(event);
  const notifications: HistoryNotification[] = effects.flatMap((e) =>
    e.type === "notify" ? [{ event: e.notification.event, level: e.notification.level, message: cut(e.notification.message), task: e.notification.task_index === null ? null : e.notification.task_index + 1 }] : [],
  );
  const by = "by" in event && typeof event.by === "string" && event.by.trim() !== "" ? cut(event.by) : null;
  const message = command ? reply.message : (notifications[0]?.message ?? reportText(event) ?? reply.message);
  return {
    ts,
    event: event.type,
    kind: command ? "command" : "report",
    by,
    task: taskOf(event, previous, state),
    ok: reply.ok,
    message: cut(message),
    session: state.session_id ?? previous.session_id,
    status: state.status,
    fields: fieldsOf(event),
    notifications,
  };
}

/** What a report without a notification says, where the machine's reply is only "recorded". */
function reportText(event: OrchestratorEvent): string | null {
  if (event.type === "task_spawned") return `Claude started for Task ${event.index + 1} (attempt ${event.attempt}, pid ${event.pid})`;
  if (event.type === "permission_requested") return `Task ${event.index + 1} asks: ${describePermission(event.ask)}`;
  return null;
}

/**
 * A command the orchestrator never sees, recorded by the control layer that carried it out
 * (feedback, learn: they write files, not the session), so /history answers "who rated task 3"
 * like it answers "who approved task 3".
 */
export interface CommandRecord {
  /** The command ("feedback", "learn"). */
  event: string;
  by: string | null;
  /** 1-based task it was about, or null. */
  task: number | null;
  /** Whether it was carried out (a refused one is kept too: who tried what). */
  ok: boolean;
  message: string;
  session: string | null;
  /** The session status at the time. */
  status: string;
  /** Its own small fields (rating, note, file), cut like any other line's. */
  fields: Record<string, unknown>;
}

/** The history line of a CommandRecord. */
export function commandEntry(ts: string, c: CommandRecord): HistoryEntry {
  return { ts, event: c.event, kind: "command", by: c.by && c.by.trim() !== "" ? cut(c.by) : null, task: c.task, ok: c.ok, message: cut(c.message), session: c.session, status: c.status, fields: smallFields(c.fields), notifications: [] };
}

/** A line the history writes about itself (lines it had to drop). */
export function noteEntry(ts: string, message: string, fields: Record<string, unknown>): HistoryEntry {
  return { ts, event: "history_gap", kind: "note", by: null, task: null, ok: false, message, session: null, status: "", fields, notifications: [] };
}

/** The task an event is about: its own index, a permission's task, or the current task for commands. */
function taskOf(event: OrchestratorEvent, previous: SessionState, state: SessionState): number | null {
  const current = previous.tasks.length > 0 ? previous.current_task_index + 1 : null;
  switch (event.type) {
    case "start":
    case "revoke_rule":
    case "recover":
    case "log_problem":
      return null;
    case "rollback": {
      const index = event.index ?? lastFinishedIndex(previous);
      return index === null ? null : index + 1;
    }
    case "answer_permission":
    case "permission_timer": {
      const record = (state.permissions ?? previous.permissions ?? []).find((p) => p.id === event.id);
      return record ? record.index + 1 : current;
    }
    default:
      if ("index" in event && typeof event.index === "number") return event.index + 1;
      return isCommand(event) ? current : null;
  }
}

/** The event's fields worth searching, small and without task text. */
function fieldsOf(event: OrchestratorEvent): Record<string, unknown> {
  switch (event.type) {
    case "start":
      return { task_file: event.task_file, tasks: event.tasks.length, session_id: event.session_id, git_branch: event.git_branch ?? null };
    case "task_spawned":
      return { attempt: event.attempt, pid: event.pid, pgid: event.pgid };
    case "task_finished": {
      const o = event.outcome;
      return clean({ attempt: event.attempt, outcome: o.kind, reason: o.reason, cost_usd: o.cost_usd, duration_ms: o.duration_ms, num_turns: o.num_turns, claude_session: o.session_id, files_changed: event.changes?.files.length ?? null, git_error: event.git_error ?? null });
    }
    case "task_verified":
      return { attempt: event.attempt, passed: event.verification.record.passed, summary: cut(event.verification.record.summary), cancelled: event.verification.cancelled };
    case "permission_requested":
      return { attempt: event.attempt, request_id: event.ask.request_id, tool: event.ask.tool, request: describePermission(event.ask) };
    case "rollback_done":
      return { restored: event.restored.length, removed: event.removed.length, error: event.error === null ? null : cut(event.error) };
    default:
      return smallFields(event as unknown as Record<string, unknown>);
  }
}

/** Every field that is text, a number, true/false or null (cut to MAX_TEXT), and small records of them (answers). */
function smallFields(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "type" || key === "by" || key === "index") continue;
    if (typeof value === "string") out[key] = cut(value);
    else if (value === null || typeof value === "number" || typeof value === "boolean") out[key] = value;
    else if (typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string")) {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, string>).slice(0, 20).map(([k, v]) => [cut(k), cut(v)]));
    }
  }
  return out;
}

/** Drops fields that are null, so a success line stays short. */
function clean(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, typeof v === "string" ? cut(v) : v]));
}

export function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
