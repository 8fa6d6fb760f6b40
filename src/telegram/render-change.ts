/**
 * Turns the notifications of one orchestrator transition into the messages the bot reports,
 * the way the seed's Telegram flow shows them. Pure.
 *
 * One transition often carries two notifications ("Task 1/3 complete" and "Task 2/3 waits for
 * approval"); they become ONE message, head first, then a divider and "Next: ...", as in the seed.
 * A started task always gets its own message: that is the live progress message that later
 * edits update, and it must not swallow the completion report above it.
 */
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Notification } from "../core/effects.js";
import type { SessionState } from "../core/state.js";
import { progressOf } from "../core/describe.js";
import { taskRef, type TaskRef } from "./callback-data.js";
import { bold, code, escapeHtml, italic, truncate } from "./html.js";
import { checkpointKeyboard } from "./keyboards.js";
import { DIVIDER, clockTime, commandsHint, costText, duration, label, progressLine, secondsSince, shortPath, taskLines } from "./render-parts.js";

export interface OutgoingMessage {
  html: string;
  keyboard: InlineKeyboardMarkup | null;
  /** Set on a task's "Executing" message: the progress message later edits update. */
  run: TaskRef | null;
}

/** Claude's result text is shown up to this many characters; the rest is in /logs. */
const SUMMARY_MAX = 1500;

export function renderChange(state: SessionState, notifications: Notification[], now: Date): OutgoingMessage[] {
  const notes = notifications.filter((n) => n.event !== "task_progress");
  const started = notes.find((n) => n.event === "task_started");
  const others = notes.filter((n) => n !== started);
  const out: OutgoingMessage[] = [];
  const [head, ...rest] = others;
  if (head) {
    const sections = [renderHead(head, state, now)];
    for (const n of rest) sections.push(DIVIDER, renderNext(n, state));
    if (started && started.task_index !== null) sections.push(DIVIDER, [`Next: ${label(state, started.task_index)}`, ...taskLines(state, started.task_index), "⚙️ Starting now..."].join("\n"));
    // A paused session says what to send itself; a log notice is about the service, not the session.
    if (!["session_paused", "logs_failing", "logs_recovered"].includes(head.event)) sections.push(commandsHint(state, head.event));
    const approval = notes.find((n) => n.event === "approval_needed");
    const ref = approval && approval.task_index !== null && state.status === "waiting_approval" ? taskRef(state, approval.task_index) : null;
    out.push({ html: sections.join("\n\n"), keyboard: ref ? checkpointKeyboard(ref) : null, run: null });
  }
  if (started && started.task_index !== null) {
    out.push({ html: renderTaskStarted(state, started.task_index, null, 0), keyboard: null, run: taskRef(state, started.task_index) });
  }
  return out;
}

/**
 * Sent when the bot starts while a session is active: the orchestrator's own notices about its
 * restart (a running task marked interrupted) were made before the bot was listening.
 */
export function renderBackOnline(state: SessionState): OutgoingMessage | null {
  if (state.status === "idle" || state.status === "completed" || state.tasks.length === 0) return null;
  const i = state.current_task_index;
  const head = [`🔄 ${bold("Orchestrator back online")}`, `Session: ${escapeHtml(state.session_id ?? "?")}`, progressLine(state)].join("\n");
  const waiting = state.status === "waiting_approval";
  const body = waiting ? renderHead({ event: "approval_needed", level: "info", message: "", task_index: i }, state, new Date()) : [`Current: ${label(state, i)}`, ...taskLines(state, i)].join("\n");
  return { html: [head, body, commandsHint(state)].join("\n\n"), keyboard: waiting ? checkpointKeyboard(taskRef(state, i)) : null, run: null };
}

/**
 * The "⚙️ Executing Task 1/3" message, and its edits: the latest tool use or text from Claude and
 * the time elapsed. `latest` null is the first version ("Please wait...").
 */
export function renderTaskStarted(state: SessionState, index: number, latest: { kind: string; text: string } | null, elapsedS: number): string {
  const task = state.tasks[index];
  const attempt = task && task.attempts > 1 ? ` (attempt ${task.attempts})` : "";
  const lines = [`⚙️ ${bold(`Executing ${label(state, index)}`)}${attempt}`, ...taskLines(state, index)];
  if (task?.feedback) lines.push(`💬 Feedback: ${escapeHtml(truncate(task.feedback, 300))}`);
  if (!latest) return [...lines, "", "Please wait..."].join("\n");
  const mark = latest.kind === "tool_use" ? "🔧" : latest.kind === "init" ? "🚀" : "💬";
  return [...lines, "", `${mark} ${escapeHtml(truncate(latest.text, 300))}`, `⏱️ ${duration(elapsedS)} elapsed`].join("\n");
}

function renderHead(n: Notification, state: SessionState, now: Date): string {
  const i = n.task_index ?? state.current_task_index;
  const task = state.tasks[i];
  switch (n.event) {
    case "session_started": {
      const list = state.tasks.map((t, k) => `${k + 1}. ${escapeHtml(t.title)}${t.type ? ` (${escapeHtml(t.type)})` : ""}`);
      return [`🤖 ${bold("Orchestrator Starting...")}`, "", `📋 Loading tasks from: ${code(shortPath(state.task_file))}`, "", `Found ${state.tasks.length} tasks:`, ...list, "", "▶️ Ready to begin!"].join("\n");
    }
    case "task_completed": {
      const lines = [`✅ ${bold(`${label(state, i)} Complete!`)}`, ...taskLines(state, i).slice(0, 1)];
      if (task?.summary) lines.push("", escapeHtml(truncate(task.summary.trim(), SUMMARY_MAX)));
      if (task && task.permission_denials.length > 0) lines.push("", `⚠️ Claude was refused: ${escapeHtml([...new Set(task.permission_denials)].join(", "))}`);
      const took = [task?.duration_s != null ? `⏱️ Took ${duration(task.duration_s)}` : null, task?.cost_usd ? `💰 $${task.cost_usd.toFixed(4)}` : null].filter(Boolean);
      lines.push("", ...(took.length > 0 ? [took.join(" · ")] : []), progressLine(state));
      return lines.join("\n");
    }
    case "task_failed":
      return [`❌ ${bold(`${label(state, i)} Failed`)}`, ...taskLines(state, i), "", `Error: ${escapeHtml(truncate(task?.error ?? n.message, 1000))}`, "", progressLine(state)].join("\n");
    case "task_interrupted":
      return [`⚠️ ${bold(`${label(state, i)} was interrupted`)}`, ...taskLines(state, i), "", escapeHtml(task?.error ?? n.message)].join("\n");
    case "task_skipped":
      return [`⏭️ ${bold(`Skipped ${label(state, i)}`)}`, ...taskLines(state, i).slice(0, 1), "", progressLine(state)].join("\n");
    case "session_paused":
      return [`⏸️ ${bold("Orchestrator Paused")}`, "", `Current: ${label(state, i)}`, `Completed: ${progressOf(state).done}/${state.tasks.length}`, "", "State saved. Use /resume to continue."].join("\n");
    case "session_resumed":
      return [`▶️ ${bold("Orchestrator Resumed")}`, "", `Continuing from: ${label(state, i)}`, ...taskLines(state, i).slice(0, 1)].join("\n");
    case "session_completed":
      return renderSessionComplete(state, now);
    case "approval_needed":
      return [`⏸️ ${bold(`${label(state, i)} waits for approval`)}`, ...taskLines(state, i), ...(state.waiting_reason ? [italic(`Why: ${state.waiting_reason}`)] : [])].join("\n");
    case "logs_failing":
      return [`🚨 ${bold("Logs are not being written")}`, "", escapeHtml(truncate(n.message, 1500))].join("\n");
    case "logs_recovered":
      return `📝 ${bold("Logs are being written again")}`;
    default:
      return escapeHtml(n.message);
  }
}

/** A later notification of the same transition, under the divider. */
function renderNext(n: Notification, state: SessionState): string {
  const i = n.task_index ?? state.current_task_index;
  switch (n.event) {
    case "approval_needed":
      return [`Next: ${label(state, i)}`, ...taskLines(state, i), ...(state.waiting_reason ? [italic(`Waits for approval: ${state.waiting_reason}`)] : [])].join("\n");
    case "session_paused":
      return `⏸️ ${bold("Paused")} before ${label(state, i)}. State saved.`;
    case "session_completed":
      return renderSessionComplete(state, null);
    default:
      return escapeHtml(n.message);
  }
}

function renderSessionComplete(state: SessionState, now: Date | null): string {
  const count = (s: string) => state.tasks.filter((t) => t.status === s).length;
  const lines = [`🎉 ${bold("Session complete!")}`, "", progressLine(state), `✅ Completed: ${count("completed")}`];
  if (count("skipped") > 0) lines.push(`⏭️ Skipped: ${count("skipped")}`);
  if (state.started_at) {
    const end = state.completed_at ? new Date(state.completed_at) : (now ?? new Date(state.started_at));
    lines.push("", `Started: ${clockTime(state.started_at)}`, `Runtime: ${duration(secondsSince(state.started_at, end))}`);
  }
  const cost = costText(state.tasks);
  if (cost) lines.push(cost);
  return lines.join("\n");
}
