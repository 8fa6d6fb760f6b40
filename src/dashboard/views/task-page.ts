import type { DiffData } from "../../control/control-types.js";
import type { TaskRecord } from "../../core/state.js";
import type { DashboardSession } from "../session-store.js";
import { html } from "./html.js";
import { ASSETS, page } from "./layout.js";
import { duration, usd } from "./format.js";

export interface TaskPageData {
  task: number;
  record: TaskRecord;
  /** null: no diff (git off, never ran); diffProblem says why. */
  diff: DiffData | null;
  diffProblem: string | null;
  output: { file: string | null; lines: string[]; problem: string | null };
  verify: { command: string; exit_code: number | null; file: string | null; lines: string[] }[];
}

/**
 * One task: its facts, its diff (diff2html draws it in the browser from the text in
 * #diff-source, side by side or unified, highlighted), and the tails of its output and verify logs.
 */
export function taskPage(session: DashboardSession, d: TaskPageData): string {
  const t = d.record;
  return page({
    title: `Task ${d.task}`,
    session,
    scripts: [ASSETS.diff2htmlJs],
    styles: [ASSETS.diff2htmlCss],
    body: html`<div id="flash" class="flash" role="status" aria-live="polite"></div>
<section class="card"><h1>Task ${d.task}: ${t.title}</h1>
<dl class="facts"><dt>Status</dt><dd><span class="badge status-${t.status}">${t.status}</span></dd>
<dt>Duration</dt><dd>${duration(t.duration_s)}</dd><dt>Cost</dt><dd>${usd(t.cost_usd)}</dd>
<dt>Attempts</dt><dd>${t.attempts}</dd>
${t.verification ? html`<dt>Verification</dt><dd>${t.verification.summary}</dd>` : ""}
${t.summary ? html`<dt>Summary</dt><dd>${t.summary}</dd>` : ""}
${t.error ? html`<dt>Error</dt><dd class="error">${t.error}</dd>` : ""}</dl></section>
<section class="card" id="diff"><h2>Diff</h2>
${d.diff
  ? html`<p>${d.diff.summary}${d.diff.truncated ? " (cut: the whole diff is longer)" : ""}</p>
<div class="toggle" role="group" aria-label="Diff layout"><button type="button" data-diff-format="side-by-side" class="selected">Side by side</button><button type="button" data-diff-format="line-by-line">Unified</button></div>
<pre id="diff-source" hidden>${d.diff.diff}</pre><div id="diff-view" class="diff-view"></div>`
  : html`<p class="hint">${d.diffProblem ?? "No diff."}</p>`}
</section>
<section class="card" id="output-log"><h2>Output log (tail)</h2>
${d.output.file ? html`<p class="hint">${d.output.file}</p>` : ""}
${d.output.problem ? html`<p class="error">${d.output.problem}</p>` : ""}
<pre class="log">${d.output.lines.join("\n") || "(empty)"}</pre></section>
${d.verify.length > 0
  ? html`<section class="card" id="verify-logs"><h2>Verify logs (tail)</h2>${d.verify.map(
      (v) => html`<h3><code>${v.command}</code> → ${v.exit_code === null ? "no exit code" : `exit ${v.exit_code}`}</h3><pre class="log">${v.lines.join("\n") || "(empty)"}</pre>`,
    )}</section>`
  : ""}`,
  });
}
