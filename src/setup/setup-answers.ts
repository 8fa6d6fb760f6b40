import type { ApprovalMode } from "../core/approval-policy.js";

/** What `orchestrator init` writes: the person's answers, already checked. */
export interface SetupAnswers {
  /** claude.project_dir as config.yaml will hold it ("." for the config's own folder). */
  projectDir: string;
  approvalMode: ApprovalMode;
  /** null: no Telegram (the keys are left out of .env). */
  telegram: { botToken: string; chatId: number; botName: string } | null;
  /** webhooks.n8n_notify_url; null: n8n off. */
  n8nNotifyUrl: string | null;
  /** WEBHOOK_SECRET, generated (crypto.randomBytes). */
  webhookSecret: string;
}

/**
 * config.yaml with only the keys the person chose; everything else keeps its built-in default
 * (config.example.yaml lists them). Secrets are not in it: they go to .env.
 */
export function renderConfigYaml(a: SetupAnswers): string {
  return [
    "# yaml-language-server: $schema=./config.schema.json",
    "# Written by `orchestrator init`. Every other key keeps its default: see config.example.yaml.",
    "# Secrets (bot token, chat id, webhook secret, n8n URL) are in .env beside this file.",
    "",
    "orchestrator:",
    `  approval_mode: ${a.approvalMode}`,
    "",
    "claude:",
    `  project_dir: ${JSON.stringify(a.projectDir)}`,
    "",
  ].join("\n");
}

/** .env: the values the loader reads as TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID, WEBHOOK_SECRET, N8N_NOTIFY_URL. */
export function renderDotenv(a: SetupAnswers): string {
  const lines = ["# Written by `orchestrator init` (mode 0600: it holds secrets). The environment wins over it.", `WEBHOOK_SECRET=${quote(a.webhookSecret)}`];
  if (a.telegram) lines.push(`TELEGRAM_BOT_TOKEN=${quote(a.telegram.botToken)}`, `TELEGRAM_CHAT_ID=${a.telegram.chatId}`);
  if (a.n8nNotifyUrl) lines.push(`N8N_NOTIFY_URL=${quote(a.n8nNotifyUrl)}`);
  return `${lines.join("\n")}\n`;
}

/** Single quotes are literal in our .env parser (parse-dotenv.ts); a value holding one gets double quotes, escaped. */
function quote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
