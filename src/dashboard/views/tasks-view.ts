import type { SessionState, TaskRecord } from "../../core/state.js";
import { html, type SafeHtml } from "./html.js";
import { duration, usd } from "./format.js";

/** The session's tasks: status, duration, cost, files changed, verification; each links to its page (diff, logs). */
export function tasksView(state: SessionState): SafeHtml {
  if (state.tasks.length === 0) return html`<section class="card" id="task-list"><h2>Tasks</h2><p class="hint">No session loaded. Start one with /start in Telegram or <code>orchestrator start</code>.</p></section>`;
  return html`<section class="card" id="task-list"><h2>Tasks</h2>
<div class="table-wrap"><table class="tasks"><thead><tr><th>#</th><th>Task</th><th>Status</th><th>Duration</th><th>Cost</th><th>Files</th><th>Verification</th></tr></thead>
<tbody>${state.tasks.map((t, i) => row(t, i, i === state.current_task_index && state.status !== "idle"))}</tbody></table></div></section>`;
}

function row(t: TaskRecord, index: number, current: boolean): SafeHtml {
  const files = t.files_changed ?? [];
  const lines = t.insertions !== null && t.insertions !== undefined ? ` (+${t.insertions} −${t.deletions ?? 0})` : "";
  return html`<tr class="${current ? "current" : ""}" data-task="${index + 1}">
<td>${index + 1}</td>
<td><a href="/dashboard/task/${index + 1}">${t.title}</a>${t.type ? html` <span class="hint">${t.type}</span>` : ""}</td>
<td><span class="badge status-${t.status}">${t.status.replace(/_/g, " ")}</span></td>
<td>${duration(t.duration_s)}</td>
<td>${usd(t.cost_usd)}</td>
<td>${files.length > 0 ? `${files.length}${lines}` : "–"}</td>
<td>${t.verification ? t.verification.summary : "–"}</td></tr>`;
}
