import { dashboardFor } from "../../dashboard/dashboard-auth.js";
import type { BotDeps } from "../bot-deps.js";
import { escapeHtml } from "../rendering/html.js";

/**
 * /dashboard: a one-time sign-in link for the web dashboard (valid 10 minutes, used once; the
 * secret never goes into it). Previews stay off (ChatSender), so Telegram's servers never open
 * the link and spend it. Off (dashboard.enabled) or no HTTP server: says so.
 */
export async function dashboardCommand(deps: BotDeps, chatId: string): Promise<void> {
  const auth = dashboardFor(deps.control);
  if (!auth) {
    await deps.sender.send(chatId, "🖥 The dashboard is off. Set <code>dashboard.enabled: true</code> (or serve on 127.0.0.1, or set <code>webhooks.secret</code>) and restart.");
    return;
  }
  const link = auth.issueLink();
  const until = link.expiresAt.toISOString().slice(11, 16);
  await deps.sender.send(
    chatId,
    `🖥 <a href="${escapeHtml(link.url)}">Open the dashboard</a>\n<code>${escapeHtml(link.url)}</code>\n\nThis link signs you in once and expires at ${until} UTC (10 minutes).`,
  );
}
