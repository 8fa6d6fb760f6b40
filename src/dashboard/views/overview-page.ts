import type { DashboardSession } from "../session-store.js";
import { html, type SafeHtml } from "./html.js";
import { page } from "./layout.js";

/**
 * The overview: a flash line for answers, the live feed, then the status and task list as
 * partials that reload on "orch-change" (dashboard.js fires it when the SSE stream says the state
 * changed: no polling).
 */
export function overviewPage(session: DashboardSession, parts: { live: SafeHtml; status: SafeHtml; tasks: SafeHtml }): string {
  return page({
    title: "Overview",
    session,
    body: html`<div id="flash" class="flash" role="status" aria-live="polite"></div>
${parts.live}
<div id="status" hx-get="/dashboard/partials/status" hx-trigger="orch-change from:body" hx-swap="innerHTML">${parts.status}</div>
<div id="tasks" hx-get="/dashboard/partials/tasks" hx-trigger="orch-change from:body" hx-swap="innerHTML">${parts.tasks}</div>`,
  });
}
