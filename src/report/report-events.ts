/**
 * What the event history (orchestrator_logs/events-YYYY-MM-DD.jsonl, src/history/) says about
 * the waits of a session for a person: when each checkpoint began, and when a person let the
 * task go on, and who. Pure: the lines come in as text
 * (read-report-events.ts reads the files).
 *
 * A history line is one transition: `{ts, event, kind, by, task (1-based), session, status,
 * notifications: [{event, task (1-based), …}]}`. Each line gives one event of its own and one
 * per notification (approval_needed, task_started…, what the waits are read from). Reading is lenient: a line that does not parse or
 * lacks a time is skipped; a report must never fail because of one odd line.
 */
import type { SessionState } from "../core/state.js";
import type { PersonWait } from "./day-report-types.js";

export interface ReportEvent {
  /** Epoch ms. */
  at: number;
  /** The line's event ("approve", "task_finished") or a notification's ("approval_needed", "task_started"). */
  name: string;
  /** 0-based task index, or null for a session-wide event. */
  task_index: number | null;
  session_id: string | null;
  /** Who sent the command the line records ("Telegram 123 @ana"), or null. */
  by: string | null;
}

/** The lines of history files as events, oldest first; lines that are not events are skipped. */
export function parseEventLines(text: string): ReportEvent[] {
  const events: ReportEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash, or not JSON
    }
    events.push(...toEvents(value));
  }
  // Stable: a line's own event stays before its notifications.
  return events.map((e, i) => [e, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]).map(([e]) => e);
}

function toEvents(value: unknown): ReportEvent[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const line = value as Record<string, unknown>;
  const at = Date.parse(String(line.ts ?? ""));
  if (!Number.isFinite(at) || typeof line.event !== "string") return [];
  const session = typeof line.session === "string" ? line.session : typeof line.session_id === "string" ? line.session_id : null;
  const by = typeof line.by === "string" ? line.by : null;
  const events: ReportEvent[] = [{ at, name: line.event, task_index: taskIndexOf(line.task), session_id: session, by }];
  for (const n of Array.isArray(line.notifications) ? line.notifications : []) {
    if (typeof n !== "object" || n === null || typeof (n as { event?: unknown }).event !== "string") continue;
    const note = n as { event: string; task?: unknown };
    events.push({ at, name: note.event, task_index: taskIndexOf(note.task), session_id: session, by });
  }
  return events;
}

/** A 1-based task number as a 0-based index; null when there is none. */
function taskIndexOf(task: unknown): number | null {
  return typeof task === "number" && Number.isInteger(task) && task >= 1 ? task - 1 : null;
}

/** This session's events: its id when a line names one, and not before it started. */
export function eventsOfSession(events: readonly ReportEvent[], state: SessionState): ReportEvent[] {
  const start = state.started_at ? Date.parse(state.started_at) - 1000 : Number.NEGATIVE_INFINITY;
  return events.filter((e) => (e.session_id === null || e.session_id === state.session_id) && e.at >= start);
}

/**
 * Each wait for a person: from `approval_needed` (a checkpoint) or `task_failed` /
 * `task_interrupted` (waiting for /retry or /skip) to the task's next `task_started` or
 * `task_skipped`, whose line names who let it go on. A wait still open at the end counts up to
 * `now` when the session still waits for a person at that task (waiting_approval, task_failed);
 * otherwise its end was not recorded (a crash) and it is left out.
 */
export function personWaitsFromEvents(events: readonly ReportEvent[], state: SessionState, now: Date): PersonWait[] {
  const open = new Map<number, { kind: PersonWait["kind"]; from: number }>();
  const waits: PersonWait[] = [];
  const close = (index: number, at: number | null, by: string | null) => {
    const o = open.get(index);
    if (!o) return;
    open.delete(index);
    const until = at ?? now.getTime();
    waits.push({ task: index + 1, title: state.tasks[index]?.title ?? "", kind: o.kind, from: new Date(o.from).toISOString(), until: at === null ? null : new Date(at).toISOString(), waited_s: Math.max(0, (until - o.from) / 1000), by });
  };
  for (const e of events) {
    if (e.name === "session_started" || e.name === "session_completed") {
      open.clear(); // a new session, or the end: nothing of before still waits
      continue;
    }
    const i = e.task_index;
    if (i === null) continue;
    if (e.name === "approval_needed") {
      if (!open.has(i)) open.set(i, { kind: "approval", from: e.at });
    } else if (e.name === "task_failed" || e.name === "task_interrupted") {
      open.set(i, { kind: "after_failure", from: e.at });
    } else if (e.name === "task_started" || e.name === "task_skipped") {
      close(i, e.at, e.by);
    }
  }
  const waiting = state.status === "waiting_approval" || state.status === "task_failed";
  if (waiting && open.has(state.current_task_index)) close(state.current_task_index, null, null);
  return waits.sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
}
