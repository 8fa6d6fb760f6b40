import { describeCause, fail, ok, skip, type DoctorCheck } from "./doctor-check.js";

/**
 * N8N_NOTIFY_URL answers: one HEAD, no body, no redirect followed. Any HTTP answer counts (a
 * production webhook may well say 404 or 405 to a HEAD): the check is that something listens
 * there. The line shows the origin and path only (a query string may carry a token).
 */
export const n8nCheck: DoctorCheck = {
  id: "n8n",
  title: "N8N_NOTIFY_URL",
  network: true,
  limitMs: (t) => t.network,
  async run(ctx) {
    const url = ctx.config.webhooks.n8n_notify_url;
    if (!url) return skip("n8n", "n8n notifications: not configured (set N8N_NOTIFY_URL to use them)");
    const shown = safeOrigin(url);
    try {
      const res = await fetch(url, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(ctx.timeouts.network) });
      await res.body?.cancel().catch(() => undefined);
      return ok("n8n", `N8N_NOTIFY_URL answers (HTTP ${res.status} from ${shown})`);
    } catch (error) {
      return fail("n8n", `N8N_NOTIFY_URL ${shown} does not answer (${describeCause(error)})`, "start n8n (and activate the notify workflow), or correct N8N_NOTIFY_URL");
    }
  },
};

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
