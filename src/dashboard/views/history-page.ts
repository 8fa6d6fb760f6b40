import type { DashboardSession } from "../session-store.js";
import { html } from "./html.js";
import { page } from "./layout.js";

/** The event history search (Control's history: grep over events-*.jsonl), as a GET form: the term is no secret. */
export function historyPage(session: DashboardSession, query: string, result: { ok: boolean; message: string }): string {
  return page({
    title: "History",
    session,
    body: html`<section class="card"><h1>History</h1>
<form method="get" action="/dashboard/history" class="search"><input type="search" name="q" value="${query}" placeholder="approve, task 3, permission…" aria-label="Search the history"><button type="submit">Search</button></form>
<pre class="log ${result.ok ? "" : "error"}" id="history-result">${result.message}</pre></section>`,
  });
}
