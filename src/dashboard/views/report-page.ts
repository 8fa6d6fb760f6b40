import type { SessionState } from "../../core/state.js";
import type { DashboardSession } from "../session-store.js";
import { html, jsonAttr } from "./html.js";
import { ASSETS, page } from "./layout.js";

/** What the chart draws: one bar pair per task (chart.js reads it from the canvas's data-chart). */
export function chartData(state: SessionState): { labels: string[]; cost: number[]; duration: number[] } {
  return {
    labels: state.tasks.map((t, i) => `${i + 1}. ${t.title.slice(0, 30)}`),
    cost: state.tasks.map((t) => Number((t.cost_usd ?? 0).toFixed(4))),
    duration: state.tasks.map((t) => t.duration_s ?? 0),
  };
}

/** The day's report (Control's report: the markdown it wrote) and a chart of cost and duration per task. */
export function reportPage(session: DashboardSession, state: SessionState, report: { ok: boolean; text: string; file: string | null }): string {
  return page({
    title: "Report",
    session,
    scripts: [ASSETS.chart],
    body: html`<section class="card" id="report-chart-card"><h1>Today's report</h1>
<div class="chart-box"><canvas id="report-chart" role="img" aria-label="Cost and duration per task" data-chart="${jsonAttr(chartData(state))}"></canvas></div></section>
<section class="card" id="report"><h2>Report</h2>${report.file ? html`<p class="hint">${report.file}</p>` : ""}
${report.ok ? html`<pre class="report">${report.text}</pre>` : html`<p class="hint">${report.text}</p>`}</section>`,
  });
}
