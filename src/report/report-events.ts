/**
 * What the history file (orchestrator_logs/events.jsonl: one JSON line per event, `{ts, event,
 * ...}`) says about the waits of a session: when each checkpoint began and when a person let the
 * task go on, and when the session waited for a usage limit. Pure: the lines come in as text
 * (read-report-events.ts reads the files).
 *
 * The reader is lenient on purpose: a line's name is its `event` (or, for a notification
 * logged as `{event: "notification", notification: {event, task_index}}`, the notification's
 * event); its task is `task_index` or `index` (0-based), or `task` as a 1-based number or `{number}`.
 * A line that does not parse, or that names nothing known here, is skipped: the history is
 * someone else's format, and a report must never fail because of one odd line.
 */
import type { SessionState } from "../core/state.js";
import type { PersonWait } from "./day-report-types.js";

export interface ReportEvent {
  /** Epoch ms. */
  at: number;
  name: string;
  /** 0-based task index, or null for a session-wide event. */
  task_index: number | null;
  session_id: string | null;
}

/** The events a wait begins or ends with. */
const PERSON_EVENTS = new Set(["approval_needed", "task_started", "task_skipped", "task_failed", "task_interrupted", "task_completed", "task_rolled_back", "session_started", "session_completed"]);

/** A usage-limit wait begins: "usage_limit_reached", "limit_reached", "waiting_limit"… but not a warning or an "allowed" note. */
const isLimitStart = (name: string) => /limit/.test(name) && !/resum|warn|allowed|lifted/.test(name);
/** …and ends when the session resumes, or a run goes on or ends. */
const isLimitEnd = (name: string) => /resum|lifted/.test(name) || ["task_started", "task_continued", "task_completed", "task_failed", "task_interrupted", "task_skipped", "session_completed"].includes(name);

/** The lines of events.jsonl files as events, oldest first; lines that are not events are skipped. */
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
    const event = toEvent(value);
    if (event) events.push(event);
  }
  return events.sort((a, b) => a.at - b.at);
}

function toEvent(value: unknown): ReportEvent | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const line = value as Record<string, unknown>;
  const inner = typeof line.notification === "object" && line.notification !== null ? (line.notification as Record<string, unknown>) : {};
  const at = Date.parse(String(line.ts ?? line.timestamp ?? inner.timestamp ?? ""));
  if (!Number.isFinite(at)) return null;
  const names = [inner.event, line.event, line.name, line.type].filter((n): n is string => typeof n === "string");
  const name = names.find((n) => PERSON_EVENTS.has(n) || isLimitStart(n) || isLimitEnd(n));
  if (!name) return null;
  const session = line.session_id ?? inner.session_id ?? line.session;
  return { at, name, task_index: taskIndexOf(inner) ?? taskIndexOf(line), session_id: typeof session === "string" ? session : null };
}

function taskIndexOf(o: Record<string, unknown>): number | null {
  const whole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);
  if (whole(o.task_index) && o.task_index >= 0) return o.task_index;
  if (whole(o.index) && o.index >= 0) return o.index;
  if (whole(o.task) && o.task >= 1) return o.task - 1;
  const task = o.task;
  if (typeof task === "object" && task !== null && whole((task as { number?: unknown }).number)) return ((task as { number: number }).number) - 1;
  return null;
}

/** This session's events: its id when a line names one, and not before it started. */
export function eventsOfSession(events: readonly ReportEvent[], state: SessionState): ReportEvent[] {
  const start = state.started_at ? Date.parse(state.started_at) - 1000 : Number.NEGATIVE_INFINITY;
  return events.filter((e) => (e.session_id === null || e.session_id === state.session_id) && e.at >= start);
}

/**
 * Each wait for a person: from `approval_needed` (a checkpoint) or `task_failed` /
 * `task_interrupted` (waiting for /retry or /skip) to the task's next `task_started` or
 * `task_skipped`. A wait still open at the end counts up to `now` when the session still waits
 * for a person (waiting_approval, task_failed); otherwise it was left behind (a restart) and is dropped.
 */
export function personWaitsFromEvents(events: readonly ReportEvent[], state: SessionState, now: Date): PersonWait[] {
  const open = new Map<number, { kind: PersonWait["kind"]; from: number }>();
  const waits: PersonWait[] = [];
  const close = (index: number, at: number | null) => {
    const o = open.get(index);
    if (!o) return;
    open.delete(index);
    const until = at ?? now.getTime();
    waits.push({ task: index + 1, title: state.tasks[index]?.title ?? "", kind: o.kind, from: new Date(o.from).toISOString(), until: at === null ? null : new Date(at).toISOString(), waited_s: Math.max(0, (until - o.from) / 1000) });
  };
  for (const e of events) {
    if (e.name === "session_started" || e.name === "session_completed") {
      for (const index of [...open.keys()]) close(index, e.at);
      continue;
    }
    const i = e.task_index;
    if (i === null) continue;
    if (e.name === "approval_needed") {
      if (!open.has(i)) open.set(i, { kind: "approval", from: e.at });
    } else if (e.name === "task_failed" || e.name === "task_interrupted") {
      open.set(i, { kind: "after_failure", from: e.at });
    } else if (e.name === "task_started" || e.name === "task_skipped") {
      close(i, e.at);
    }
  }
  const stillWaiting = state.status === "waiting_approval" || state.status === "task_failed";
  for (const index of [...open.keys()]) {
    if (stillWaiting && index === state.current_task_index) close(index, null);
  }
  return waits.sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
}

/** Time spent waiting for usage limits: each limit event to the next resume (or run going on); an open one counts up to `now`. */
export function limitWaitsFromEvents(events: readonly ReportEvent[], now: Date): { waited_s: number; count: number } {
  let from: number | null = null;
  let waited = 0;
  let count = 0;
  for (const e of events) {
    if (isLimitStart(e.name)) {
      if (from === null) {
        from = e.at;
        count++;
      }
    } else if (from !== null && isLimitEnd(e.name)) {
      waited += e.at - from;
      from = null;
    }
  }
  if (from !== null) waited += Math.max(0, now.getTime() - from);
  return { waited_s: waited / 1000, count };
}
