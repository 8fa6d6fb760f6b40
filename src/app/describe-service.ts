import type { Config } from "../config/config.js";
import type { SessionState } from "../core/state.js";
import { taskLabel } from "../core/describe.js";
import { waitText } from "../core/machine/permissions.js";

/**
 * The few lines `serve` prints at start: what is on, what is off and why, how to talk to it.
 * Never prints a secret: only where it is. The service's problems (logs that cannot be written,
 * a state that cannot be saved) come right after the first line, one "⚠️" line each.
 */
export function describeServiceLines(o: {
  config: Config;
  url: string;
  secret: { file: string | null; created: boolean };
  telegram: boolean;
  state: SessionState;
  /** Orchestrator.problems at start (default none). */
  problems?: string[];
  /** serve's start-up check (doctor's fast subset): its "⚠️ setup:" lines and summary (default none). */
  setup?: string[];
  /** Whether the web dashboard is served (dashboard.enabled; auto: loopback or an explicit secret); absent: no line. */
  dashboard?: boolean;
}): string[] {
  const { config, url, secret, state } = o;
  const lines = [`Orchestrator serving at ${url}`];
  for (const problem of o.problems ?? []) lines.push(`⚠️ degraded: ${problem}`);
  lines.push(...(o.setup ?? []));
  const where = state.status === "idle" ? "idle" : `${state.status}, ${taskLabel(state, state.current_task_index)} of ${state.task_file}`;
  lines.push(`state: ${config.paths.state_file} (${where})`);
  if (!config.webhooks.enabled) lines.push("HTTP API: off (webhooks.enabled is false)");
  else if (secret.file) {
    lines.push(`HTTP API: on; secret ${secret.created ? "generated and stored" : "read from"} ${secret.file} (mode 0600) because WEBHOOK_SECRET is not set`);
    lines.push(`try: curl -s -X POST ${url}/webhook/status -H "X-Webhook-Secret: $(cat ${secret.file})"`);
  } else {
    lines.push("HTTP API: on; secret from WEBHOOK_SECRET / webhooks.secret");
    lines.push(`try: curl -s -X POST ${url}/webhook/status -H "X-Webhook-Secret: $WEBHOOK_SECRET"`);
  }
  if (config.webhooks.enabled && o.dashboard !== undefined) {
    lines.push(o.dashboard ? `dashboard: on at ${url}/ (sign in with the webhook secret, or send /dashboard to the bot for a link)` : "dashboard: off (dashboard.enabled; on a host other than loopback it needs webhooks.secret set explicitly)");
  }
  const t = config.telegram;
  if (o.telegram) {
    const mode = t.webhook_url ? `webhook at ${t.webhook_url}` : "long polling";
    const chats = t.chat_ids.length > 0 ? `${t.chat_ids.length} allowed chat(s)` : "NO allowed chats: set TELEGRAM_CHAT_ID or it answers nobody";
    lines.push(`Telegram bot: on (${mode}, ${chats})`);
  } else if (t.bot_token && t.inbound === "n8n") lines.push("Telegram bot: off (telegram.inbound is n8n: an n8n workflow owns the bot's updates)");
  else lines.push("Telegram bot: off (set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID to drive it from a phone)");
  const n8n = config.webhooks.n8n_notify_url;
  lines.push(n8n ? `n8n notifications: on, to ${safeOrigin(n8n)}` : "n8n notifications: off (set N8N_NOTIFY_URL)");
  lines.push(`claude: ${config.claude.command.join(" ")} in ${config.claude.project_dir} (set CLAUDE_CLI_PATH or claude.command to change)`);
  const perms = config.claude.permissions;
  if (perms === "bypass") lines.push("permissions: bypass (--dangerously-skip-permissions): Claude is never asked about a tool call, nothing reaches you before it runs");
  else if (perms === "preapproved") lines.push("permissions: preapproved: only claude.allowed_tools / permission_mode; other tool calls are refused and reported");
  else lines.push(`permissions: ask: tool calls the CLI's rules do not allow are asked of you (${o.telegram ? "Telegram, " : ""}HTTP); unanswered for ${waitText(config.claude.permission_timeout)}, the task is parked`);
  return lines;
}

/** Scheme, host and path only: a query string may carry a token. */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
