/**
 * Turns the notifications of one orchestrator transition into the messages the bot reports,
 * the way the seed's Telegram flow shows them. Pure.
 *
 * One transition often carries two notifications ("Task 1/3 complete" and "Task 2/3 waits for
 * approval"); they become ONE message, head first, then a divider and "Next: ...", as in the seed.
 * A started task always gets its own message: that is the live progress message that later
 * edits update, and it must not swallow the completion report above it.
 *
 * The end of a task that ran with git (completed, failed, cancelled) gets a row of buttons for
 * that task: 🔍 Diff and ↩️ Rollback, under the Approve / Skip / Pause row when the next task waits.
 * "task_verifying" is not a message: the reporter folds it into the progress message. Permission
 * requests and questions are not either: the PermissionReporter sends and edits their messages.
 */
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Notification } from "../../core/effects.js";
import type { SessionState } from "../../core/state.js";
import { progressOf } from "../../core/describe.js";
import { describeChanges } from "../../core/describe-changes.js";
import { taskRef, type TaskRef } from "../callback-data.js";
import { bold, code, escapeHtml, italic, truncate } from "./html.js";
import { checkpointKeyboard, checkpointRow, keyboardOf, taskActionsRow } from "./keyboards.js";
import { DIVIDER, clockTime, commandsHint, costText, duration, label, progressLine, secondsSince, shortPath, taskLines } from "./render-parts.js";

export interface OutgoingMessage {
  html: string;
  keyboard: InlineKeyboardMarkup | null;
  /** Set on a task's "Executing" message: the progress message later edits update. */
  run: TaskRef | null;
}

/** Claude's result text is shown up to this many characters; the rest is in /logs. */
const SUMMARY_MAX = 1500;

/** The ends of a task that may have changed files: their message offers its diff and a rollback. */
const TASK_ENDS: ReadonlySet<string> = new Set(["task_completed", "task_failed", "task_interrupted"]);

/** Claude's permission requests and questions: the PermissionReporter's messages (asked, reminded, edited to the outcome). */
const PERMISSION_EVENTS: ReadonlySet<string> = new Set(["permission_requested", "permission_answered", "permission_expired", "question_asked"]);

/** Notifications whose message already says what to send next (no commands hint after them). */
const SAYS_WHAT_NEXT: ReadonlySet<string> = new Set(["session_paused", "logs_failing", "logs_recovered", "task_rolled_back"]);

export function renderChange(state: SessionState, notifications: Notification[], now: Date): OutgoingMessage[] {
  const notes = notifications.filter((n) => n.event !== "task_progress" && n.event !== "task_verifying" && !PERMISSION_EVENTS.has(n.event));
  const started = notes.find((n) => n.event === "task_started");
  const others = notes.filter((n) => n !== started);
  const out: OutgoingMessage[] = [];
  const [head, ...rest] = others;
  if (head) {
    const sections = [renderHead(head, state, now)];
    for (const n of rest) sections.push(DIVIDER, renderNext(n, state));
    if (started && started.task_index !== null) sections.push(DIVIDER, [`Next: ${label(state, started.task_index)}`, ...taskLines(state, started.task_index), "⚙️ Starting now..."].join("\n"));
    // A paused session says what to send itself; a log notice is about the service, not the session.
    if (!SAYS_WHAT_NEXT.has(head.event) || (head.event === "task_rolled_back" && head.level === "error")) sections.push(commandsHint(state, head.event));
    const approval = notes.find((n) => n.event === "approval_needed");
    const ref = approval && approval.task_index !== null && state.status === "waiting_approval" ? taskRef(state, approval.task_index) : null;
    const ended = TASK_ENDS.has(head.event) && head.task_index !== null ? head.task_index : null;
    const actions = ended !== null && state.tasks[ended]?.git?.base ? taskActionsRow(taskRef(state, ended)) : null;
    out.push({ html: sections.join("\n\n"), keyboard: keyboardOf(ref ? checkpointRow(ref) : null, actions), run: null });
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
/** The progress kind the reporter gives the tracker for a task_verifying notification. */
export const VERIFYING = "verifying";

export function renderTaskStarted(state: SessionState, index: number, latest: { kind: string; text: string } | null, elapsedS: number): string {
  const task = state.tasks[index];
  const attempt = task && task.attempts > 1 ? ` (attempt ${task.attempts})` : "";
  const lines = [`⚙️ ${bold(`Executing ${label(state, index)}`)}${attempt}`, ...taskLines(state, index)];
  if (task?.feedback) lines.push(`💬 Feedback: ${escapeHtml(truncate(task.feedback, 300))}`);
  if (!latest) return [...lines, "", "Please wait..."].join("\n");
  const mark = latest.kind === "tool_use" ? "🔧" : latest.kind === "init" ? "🚀" : latest.kind === VERIFYING ? "🔎" : "💬";
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
      // What the core adds after its first line (files changed, verification, commit): whole, never cut.
      const checkpoint = n.message.split("\n").slice(1).filter((l) => l.trim() !== "");
      if (checkpoint.length > 0) lines.push("", ...checkpoint.map(escapeHtml));
      const took = [task?.duration_s != null ? `⏱️ Took ${duration(task.duration_s)}` : null, task?.cost_usd ? `💰 $${task.cost_usd.toFixed(4)}` : null].filter(Boolean);
      lines.push("", ...(took.length > 0 ? [took.join(" · ")] : []), progressLine(state));
      return lines.join("\n");
    }
    case "task_failed":
      return [`❌ ${bold(`${label(state, i)} Failed`)}`, ...taskLines(state, i), "", `Error: ${escapeHtml(truncate(task?.error ?? n.message, 1000))}`, ...changesLines(state, i), "", progressLine(state)].join("\n");
    case "task_interrupted":
      if (task?.error?.startsWith("cancelled by ")) return [`⏹ ${bold(`${label(state, i)} was cancelled`)}`, ...taskLines(state, i), "", escapeHtml(`It was ${task.error}.`), ...changesLines(state, i)].join("\n");
      return [`⚠️ ${bold(`${label(state, i)} was interrupted`)}`, ...taskLines(state, i), "", escapeHtml(task?.error ?? n.message), ...changesLines(state, i)].join("\n");
    case "verification_failed":
      // "🔁 Task 1/3: …: verification failed (npm test exited 1); Claude is fixing it (1/1)": the core's words.
      return escapeHtml(truncate(n.message, 1500));
    case "task_rolled_back":
      return n.level === "error" ? `❌ ${escapeHtml(n.message)}` : escapeHtml(n.message);
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

/** What the task changed, when it ran with git ("2 files changed (+3 −1): a.ts, b.ts"), as message lines. */
function changesLines(state: SessionState, index: number): string[] {
  const task = state.tasks[index];
  const changes = task ? describeChanges(task) : null;
  return changes ? [escapeHtml(changes)] : [];
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
