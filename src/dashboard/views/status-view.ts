import type { PendingPermission, StatusData } from "../../control/control-types.js";
import { questionsOf } from "../../telegram/permissions/ask-user-question.js";
import { html, jsonAttr, type SafeHtml } from "./html.js";
import { duration, usd } from "./format.js";

/** The status's commands the dashboard offers as buttons (the others: /start, /logs… are the phone's or the CLI's). */
const BUTTONS: Record<string, { label: string; cls: string }> = {
  "/approve": { label: "✅ Approve", cls: "primary" },
  "/resume": { label: "▶️ Resume", cls: "primary" },
  "/retry": { label: "🔁 Retry", cls: "primary" },
  "/skip": { label: "⏭ Skip", cls: "" },
  "/pause": { label: "⏸ Pause", cls: "" },
  "/cancel": { label: "⏹ Cancel task", cls: "danger" },
};

/** The session and its status, the commands that make sense now, and every pending permission request or question. */
export function statusView(s: StatusData, pending: PendingPermission[]): SafeHtml {
  const actions = s.commands.filter((c) => c in BUTTONS);
  return html`<section class="card" id="session">
<h2>Session ${s.session_id ?? "(none)"}</h2>
<dl class="facts">
<dt>Status</dt><dd><span class="badge status-${s.status}" data-status="${s.status}">${s.status.replace(/_/g, " ")}</span>${s.pause_requested ? " (pausing after this task)" : ""}</dd>
<dt>Task file</dt><dd>${s.task_file ?? "–"}</dd>
<dt>Progress</dt><dd>${s.progress.done}/${s.progress.total} (${s.progress.percent}%) · ✅ ${s.progress.completed} · ❌ ${s.progress.failed} · ⏭ ${s.progress.skipped}</dd>
<dt>Current</dt><dd>${s.current_task ? `Task ${s.task}: ${s.current_task.title}${s.current_task.phase ? ` (${s.current_task.phase})` : ""}` : "–"}</dd>
<dt>Cost</dt><dd>${usd(s.cost_usd)} this session · ${usd(s.budget.spent_usd)} today${s.budget.budget_usd !== null ? ` of ${usd(s.budget.budget_usd)}` : ""}</dd>
<dt>Runtime</dt><dd>${duration(s.runtime_s)}</dd>
${s.git_branch ? html`<dt>Branch</dt><dd>${s.git_branch}</dd>` : ""}
</dl>
${s.problems.map((p) => html`<p class="error">⚠️ ${p}</p>`)}
${s.limit ? html`<p class="note">${s.limit.text}</p>` : ""}
${s.waiting_reason ? html`<p class="waiting" id="approval">⏳ Waiting because ${s.waiting_reason}</p>` : ""}
${actions.length > 0 ? html`<div class="actions">${actions.map((c) => actionButton(c))}</div>` : ""}
</section>
${pending.length > 0 ? html`<section class="card" id="permissions"><h2>Claude asks</h2>${pending.map(permissionCard)}</section>` : ""}`;
}

function actionButton(command: string): SafeHtml {
  const b = BUTTONS[command]!;
  const name = command.slice(1);
  return html`<button class="${b.cls}" data-action="${name}" hx-post="/dashboard/action/${name}" hx-target="#flash">${b.label}</button>`;
}

/** Allow / Deny, Always (its rule), Stop task: the phone's buttons. A question: its options, or your own words. */
function permissionCard(p: PendingPermission): SafeHtml {
  if (p.kind === "question") return questionCard(p);
  const vals = (decision: string) => jsonAttr({ id: p.id, decision });
  return html`<article class="ask" data-permission="${p.id}">
<p><b>Task ${p.task}</b> wants to run <code>${p.summary}</code></p>
${p.description ? html`<p class="hint">${p.description}</p>` : ""}
${p.blocked_path ? html`<p class="hint">Outside the project: ${p.blocked_path}</p>` : ""}
<p class="hint">Denied by itself at ${p.expires_at} if nobody answers.</p>
<div class="actions">
<button class="primary" data-decision="allow" hx-post="/dashboard/permission" hx-vals="${vals("allow")}" hx-target="#flash">✅ Allow</button>
<button data-decision="deny" hx-post="/dashboard/permission" hx-vals="${vals("deny")}" hx-target="#flash">🚫 Deny</button>
<button data-decision="always" hx-post="/dashboard/permission" hx-vals="${vals("always")}" hx-target="#flash">♾️ Always: ${p.always_rule}</button>
<button class="danger" data-decision="stop" hx-post="/dashboard/permission" hx-vals="${vals("stop")}" hx-target="#flash">⏹ Stop task</button>
</div></article>`;
}

function questionCard(p: PendingPermission): SafeHtml {
  const questions = questionsOf(p.input);
  return html`<article class="ask" data-permission="${p.id}">
<p><b>Task ${p.task}</b> asks:</p>
<form hx-post="/dashboard/answer" hx-target="#flash">
<input type="hidden" name="id" value="${p.id}">
${questions.map(
  (q, i) => html`<fieldset><legend>${q.question}</legend>
${q.options.map((o) => html`<label class="option"><input type="${q.multiSelect ? "checkbox" : "radio"}" name="q${i}" value="${o.label}"> ${o.label}${o.description ? html` <span class="hint">${o.description}</span>` : ""}</label>`)}
<input type="hidden" name="question${i}" value="${q.question}">
<input type="text" name="text${i}" placeholder="or your own answer"></fieldset>`,
)}
<div class="actions"><button class="primary" type="submit">Answer</button>
<button class="danger" type="button" hx-post="/dashboard/permission" hx-vals="${jsonAttr({ id: p.id, decision: "stop" })}" hx-target="#flash">⏹ Stop task</button></div>
</form></article>`;
}
