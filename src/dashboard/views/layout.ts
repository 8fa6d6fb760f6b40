import type { DashboardSession } from "../session-store.js";
import { html, jsonAttr, type SafeHtml } from "./html.js";

/** Where the routes serve the libraries (node_modules at their pinned versions) and the dashboard's own files. */
export const ASSETS = {
  htmx: "/dashboard/assets/htmx/htmx.min.js",
  diff2htmlJs: "/dashboard/assets/diff2html/js/diff2html-ui.min.js",
  diff2htmlCss: "/dashboard/assets/diff2html/css/diff2html.min.css",
  chart: "/dashboard/assets/chart.js/chart.umd.min.js",
  appJs: "/dashboard/assets/app/dashboard.js",
  appCss: "/dashboard/assets/app/dashboard.css",
} as const;

// htmx's own inline indicator styles and its eval-based features are off: the CSP allows no inline code.
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, selfRequestsOnly: true });

export interface PageOptions {
  title: string;
  session: DashboardSession | null;
  body: SafeHtml;
  /** Extra scripts and styles (diff2html, chart.js) for this page. */
  scripts?: string[];
  styles?: string[];
}

/** A whole page: viewport meta for phones, the CSRF token (meta and hx-headers), no inline script or style. */
export function page(opts: PageOptions): string {
  const s = opts.session;
  const headers = s ? jsonAttr({ "X-CSRF-Token": s.csrf }) : null;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
${s ? html`<meta name="csrf-token" content="${s.csrf}">` : ""}
<title>${opts.title} · Orchestrator</title>
${(opts.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="stylesheet" href="${ASSETS.appCss}">
<script src="${ASSETS.htmx}" defer></script>
${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
<script src="${ASSETS.appJs}" defer></script>
</head><body${headers ? html` hx-headers="${headers}"` : ""}>
<header class="top"><a class="brand" href="/">Orchestrator</a>${s ? html`<nav><a href="/">Overview</a><a href="/dashboard/report">Report</a><a href="/dashboard/history">History</a><button class="link" hx-post="/dashboard/logout" hx-target="body">Sign out</button></nav>` : ""}</header>
<main>${opts.body}</main>
</body></html>`}`;
}
