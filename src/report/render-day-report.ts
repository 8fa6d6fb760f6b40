/**
 * The day report as people read it: the markdown of results/<date>-report.md, and the short
 * summary the chat gets (and Control's answer's message). Pure, from the DayReport alone.
 * Times are shown in the local time zone of the process (the day is a local date too).
 */
import { shortCommit } from "../core/describe-changes.js";
import type { TaskStatus } from "../core/state.js";
import type { DayReport, TaskReport } from "./day-report-types.js";

/** The first line of every report file: which session it is of (write-day-report.ts reads it back). */
export const REPORT_MARKER = "<!-- orchestrator day report: session ";

const MARK: Record<TaskStatus, string> = {
  pending: "⏳",
  running: "⚙️",
  completed: "✅",
  failed: "❌",
  skipped: "⏭️",
  interrupted: "⚠️",
  rolled_back: "↩️",
};

/** "42 s", "12 min 5 s", "2 h 14 min": a span of time for a person. */
export function formatSpan(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return `${Math.floor(s / 60)} min${rest > 0 ? ` ${rest} s` : ""}`;
  }
  const minutes = Math.round((s % 3600) / 60);
  const hours = Math.floor(s / 3600) + (minutes === 60 ? 1 : 0);
  return `${hours} h${minutes % 60 > 0 ? ` ${minutes % 60} min` : ""}`;
}

/** "$1.2345" under a dollar (Claude runs cost cents), "$12.34" from a dollar. */
export function formatUsd(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "12,345": thousands separated, the same on every machine. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "75 %", from a share between 0 and 1. */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** "09:30" (local time) of an ISO time; "—" when there is none. */
export function localTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 done, 1 failed, 1 skipped" and the rest that are not zero. */
export function taskCounts(report: DayReport): string {
  const t = report.totals;
  const parts: [number, string][] = [
    [t.completed, "done"],
    [t.failed, "failed"],
    [t.interrupted, "interrupted"],
    [t.skipped, "skipped"],
    [t.rolled_back, "rolled back"],
    [t.running, "running"],
    [t.pending, "not run"],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return shown.length > 0 ? shown.join(", ") : "none";
}

/** "$1.2345 of $10.00 budget (12 %)", "$1.2345 (no budget)". */
export function costLine(report: DayReport): string {
  const t = report.totals;
  const session = formatUsd(t.cost_usd);
  const today = t.spent_today_usd !== null && Math.abs(t.spent_today_usd - t.cost_usd) > 0.00005 ? `; ${formatUsd(t.spent_today_usd)} spent today in all` : "";
  if (t.budget_usd === null) return `${session}${today} (no daily budget)`;
  return `${session}${today}, budget ${formatUsd(t.budget_usd)} (${formatShare(t.budget_used ?? 0)} used)`;
}

/** "3 checkpoints: median 3 min, longest 12 min (Task 3)", "none". */
export function waitLine(report: DayReport): string {
  const c = report.checkpoints;
  if (c.count === 0) return "none";
  const longest = c.longest_task !== null ? ` (Task ${c.longest_task})` : "";
  const noun = c.count === 1 ? "wait" : "waits";
  return `${c.count} ${noun}: median ${formatSpan(c.median_s ?? 0)}, longest ${formatSpan(c.longest_s ?? 0)}${longest}, ${formatSpan(c.total_s)} in all`;
}

/** "1 h 5 min (2 times)", "none", "12 min (1 time); waiting now, until 15:00". */
export function limitLine(report: DayReport): string {
  const l = report.limits;
  const now = l.waiting_until ? `; waiting now, until ${localTime(l.waiting_until)}` : "";
  if (l.count === 0 && l.waited_s === 0) return "none";
  return `${formatSpan(l.waited_s)} (${l.count} ${l.count === 1 ? "time" : "times"})${now}`;
}

/**
 * The short summary: a few lines for a phone (the caption of the report document, at most
 * 1024 characters there) and the message of Control's answer.
 */
export function summarizeDayReport(report: DayReport): string {
  const t = report.totals;
  const rate = t.success_rate === null ? "" : ` · ${formatShare(t.success_rate)} success`;
  return [
    `📊 Day report ${report.date} (session ${report.session_id ?? "?"}, ${report.session_status})`,
    `Tasks: ${taskCounts(report)} of ${t.tasks}${rate}`,
    `Cost: ${costLine(report)}`,
    `Claude worked: ${formatSpan(t.claude_s)}`,
    `Waiting for you: ${waitLine(report)}`,
    `Usage limits: ${limitLine(report)}`,
  ].join("\n");
}

/** The whole report as markdown, for results/<date>-report.md. */
export function renderDayReport(report: DayReport): string {
  const t = report.totals;
  const lines: string[] = [
    `${REPORT_MARKER}${report.session_id ?? "none"} -->`,
    `# Day report ${report.date}`,
    "",
    `Session \`${report.session_id ?? "none"}\`${report.task_file ? ` · task file \`${report.task_file}\`` : ""} · status **${report.session_status}**`,
    `Started ${localTime(report.started_at)}${report.completed_at ? `, completed ${localTime(report.completed_at)}` : ""} · report made ${localTime(report.generated_at)}`,
    "",
    "## The day",
    "",
    "| | |",
    "| --- | --- |",
    `| Tasks | ${t.tasks}: ${taskCounts(report)} |`,
    `| Success rate | ${t.success_rate === null ? "— (no task ran to an end)" : `${formatShare(t.success_rate)} (${t.completed} of ${t.completed + t.failed + t.interrupted + t.rolled_back} that ran to an end)`} |`,
    `| Cost | ${cell(costLine(report))} |`,
    `| Claude worked | ${formatSpan(t.claude_s)} |`,
    `| Waiting for you at checkpoints | ${cell(waitLine(report))} |`,
    `| Waiting for usage limits | ${cell(limitLine(report))} |`,
    `| Tokens | ${formatCount(t.tokens_total)} (${formatCount(t.tokens.input_tokens)} in, ${formatCount(t.tokens.output_tokens)} out, ${formatCount(t.tokens.cache_read_input_tokens)} cache read, ${formatCount(t.tokens.cache_creation_input_tokens)} cache written) |`,
    `| Turns | ${t.num_turns} |`,
    `| Files changed | ${t.files_changed === null ? "— (not known: git is off)" : `${t.files_changed} (+${t.insertions ?? 0} −${t.deletions ?? 0})`} |`,
    "",
    "## Tasks",
    "",
    "| # | Task | Status | Attempts | Duration | Cost | Tokens | Turns | Files | Verification | Commit | Waited for you |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...report.tasks.map(taskRow),
  ];
  const details = report.tasks.filter((task) => task.error || task.changes || task.verification || task.limit_wait_s > 0);
  if (details.length > 0) {
    lines.push("", "## Details");
    for (const task of details) {
      lines.push("", `### Task ${task.task}: ${oneLine(task.title)}`, "");
      lines.push(`${MARK[task.status]} ${task.status}${task.type ? ` · ${task.type}` : ""}${task.attempts > 1 ? ` · ${task.attempts} attempts` : ""}`, "");
      if (task.error) lines.push(`- Error: ${oneLine(task.error)}`);
      if (task.verification) lines.push(`- Verification: ${oneLine(task.verification.summary)}${task.verification.failure ? ` (${oneLine(task.verification.failure)})` : ""}`);
      if (task.changes) lines.push(`- Changes: ${oneLine(task.changes)}`);
      if (task.files.length > 0) for (const f of task.files) lines.push(`  - \`${oneLine(f)}\``);
      if (task.commit) lines.push(`- Commit: \`${task.commit}\``);
      if (task.limit_wait_s > 0) lines.push(`- Waited for usage limits: ${formatSpan(task.limit_wait_s)} (in its duration, not in Claude's time)`);
    }
  }
  // Your verdicts (feedback/<date>.md), in the feedback file's own shape: the rating, then the notes.
  const rated = report.tasks.filter((task) => task.feedback);
  if (rated.length > 0) {
    lines.push("", "## Feedback");
    for (const task of rated) {
      const f = task.feedback as NonNullable<TaskReport["feedback"]>;
      lines.push("", `### Task ${task.task}: ${oneLine(task.title)}`, "");
      if (f.rating_text) lines.push(`Rating: ${f.rating_text}`, ...(f.notes.length > 0 ? [""] : []));
      for (const note of f.notes) lines.push(`- ${oneLine(note)}`);
    }
  }
  const c = report.checkpoints;
  if (c.waits.length > 0) {
    lines.push("", "## Waiting for you", "", "| Task | Waited for | From | Until | Time |", "| --- | --- | --- | --- | --- |");
    for (const w of c.waits) {
      lines.push(`| ${w.task}. ${cell(w.title)} | ${w.kind === "approval" ? "approval" : "retry or skip"} | ${localTime(w.from)} | ${w.until ? localTime(w.until) : "still waiting"} | ${formatSpan(w.waited_s)} |`);
    }
  }
  if (report.notes.length > 0) {
    lines.push("", "## Notes", "", ...report.notes.map((n) => `- ${oneLine(n)}`));
  }
  return `${lines.join("\n")}\n`;
}

function taskRow(task: TaskReport): string {
  const dash = "—";
  const files = task.files_changed === null ? dash : `${task.files_changed} (+${task.insertions ?? 0} −${task.deletions ?? 0})`;
  const verification = task.verification ? (task.verification.passed ? "✅ passed" : "❌ failed") + (task.verification.attempts > 1 ? ` (${task.verification.attempts} runs)` : "") : dash;
  return [
    "",
    String(task.task),
    cell(task.title),
    `${MARK[task.status]} ${task.status}`,
    String(task.attempts),
    task.duration_s === null ? dash : formatSpan(task.duration_s),
    task.cost_usd === null ? dash : formatUsd(task.cost_usd),
    task.tokens_total === null ? dash : formatCount(task.tokens_total),
    task.num_turns === null ? dash : String(task.num_turns),
    files,
    verification,
    task.commit ? `\`${shortCommit(task.commit)}\`` : dash,
    task.waited_for_person_s === null ? dash : formatSpan(task.waited_for_person_s),
    "",
  ]
    .join(" | ")
    .trim();
}

/** Text for a table cell: one line, pipes escaped. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, "\\|");
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
