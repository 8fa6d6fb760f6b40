import { html, type SafeHtml } from "./html.js";

/** Claude's latest tool use and output for the running task, filled by dashboard.js from /dashboard/events. */
export function liveView(latest: { task: number; kind: string; text: string } | null): SafeHtml {
  return html`<section class="card" id="live"><h2>Live <span class="badge" id="live-state">connecting…</span></h2>
<p id="live-latest" class="live-latest">${latest ? `Task ${latest.task} · ${latest.kind === "tool_use" ? "🔧" : "💬"} ${latest.text}` : "Nothing running yet."}</p>
<ol id="live-log" class="live-log" reversed></ol></section>`;
}
