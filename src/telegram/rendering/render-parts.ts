/**
 * Building blocks of the bot's messages, in the seed's style ("Task 1/3", "📝 title",
 * "Type: backend", "📊 Progress: 1/3 (33%)"). Pure: state and time in, HTML text out, every
 * dynamic value escaped.
 */
import path from "node:path";
import { progressOf, taskLabel } from "../../core/describe.js";
import type { SessionState, TaskRecord } from "../../core/state.js";
import { formatDuration } from "../../render/format-status.js";
import { escapeHtml } from "./html.js";

export const DIVIDER = "──────────────────";

/** "📝 title" and "Type: backend" (when the task has a type) for the task at `index`. */
export function taskLines(state: SessionState, index: number): string[] {
  const task = state.tasks[index];
  if (!task) return [];
  return [`📝 ${escapeHtml(task.title)}`, ...(task.type ? [`Type: ${escapeHtml(task.type)}`] : [])];
}

export function label(state: SessionState, index: number): string {
  return taskLabel(state, index);
}

export function progressLine(state: SessionState): string {
  return `📊 Progress: ${progressOf(state).text}`;
}

/** A clock time as a person reads it ("9:30 AM"), in the server's time zone. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
}

/** Seconds between an ISO time and `now` (or the task's end), never negative. */
export function secondsSince(iso: string | null, now: Date): number {
  return iso ? Math.max(0, (now.getTime() - Date.parse(iso)) / 1000) : 0;
}

export function duration(seconds: number): string {
  return formatDuration(seconds);
}

/** `orchestrator_tasks/2025-11-20-tasks.md`: the folder and name, as the seed shows it. */
export function shortPath(file: string | null): string {
  if (!file) return "(none)";
  return `${path.basename(path.dirname(file))}/${path.basename(file)}`;
}

export function costText(tasks: TaskRecord[]): string | null {
  const cost = tasks.reduce((sum, t) => sum + (t.cost_usd ?? 0), 0);
  return cost > 0 ? `💰 Cost: $${cost.toFixed(4)}` : null;
}

/**
 * The commands that make sense now, worded as the seed words them ("/approve to continue, /skip
 * to skip, /pause to pause"). `after` is the event the message reports, which picks the wording.
 */
export function commandsHint(state: SessionState, after: string | null = null): string {
  switch (state.status) {
    case "idle":
      return "/start to load today's task file, /help for all commands";
    case "completed":
      return "/start to begin another session, /status for the summary";
    case "waiting_approval":
      if (after === "session_resumed") return "/approve to execute, /status for details";
      if (after === "session_started") return "Commands: /approve /skip /pause /status /help";
      return "/approve to continue, /skip to skip, /pause to pause";
    case "running":
      if ((state.permissions ?? []).some((p) => p.status === "pending")) return "/permissions to answer Claude's request, /tell &lt;text&gt; to tell Claude something, /cancel to stop the task";
      return state.pause_requested
        ? "/status for details, /resume to keep going after this task, /cancel to stop it now, /skip to skip it"
        : "/status for details, /pause to stop after this task, /cancel to stop it now, /skip to skip it";
    case "paused":
      return "/resume to continue, /skip to skip this task, /status for details";
    case "task_failed":
      return "/retry to run it again (/retry &lt;feedback&gt; tells Claude what to change), /skip to move on, /logs for details";
    case "waiting_limit":
      return "It continues by itself when the usage limit resets: /approve to try now, /pause to hold it, /skip to skip the task, /status for details";
  }
}
