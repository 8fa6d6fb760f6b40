/**
 * The shape of config.yaml: its sections, their keys, and what null means for each key.
 * Used to merge a parsed file over the defaults and to name what is known in errors.
 */

/**
 * How each key of config.yaml behaves when the file writes it as null (`key:` or `key: ~`):
 * - value:    null means "not given", the default stays;
 * - nullable: null is a real value (no model, no bot token...);
 * - list:     null is an empty list (`checkpoint_after:` with nothing under it);
 * - ignored:  accepted for compatibility with the seed's config.yaml, never used.
 */
export type KeyKind = "value" | "nullable" | "list" | "ignored";

export const CONFIG_SCHEMA: Record<string, Record<string, KeyKind>> = {
  server: {
    host: "value",
    port: "value",
    // The seed's Flask debug switch. The HTTP server has no debug mode; use logging.level.
    debug: "ignored",
  },
  orchestrator: { approval_mode: "value", checkpoint_after: "list", auto_approve: "list" },
  webhooks: { secret: "nullable", n8n_notify_url: "nullable", enabled: "value" },
  claude: {
    command: "value",
    flags: "list",
    timeout: "value",
    idle_timeout: "value",
    kill_grace: "value",
    result_grace: "value",
    model: "nullable",
    max_turns: "nullable",
    allowed_tools: "list",
    permission_mode: "nullable",
    project_dir: "value",
    max_continuations: "value",
  },
  paths: { tasks_dir: "value", logs_dir: "value", daily_dir: "value", state_file: "value" },
  logging: {
    level: "value",
    // The seed's Python logging format string. pino writes JSON lines and formats them
    // itself (pino-pretty for humans), so there is nothing to apply it to.
    format: "ignored",
    task_logs: "value",
  },
  telegram: {
    bot_token: "nullable",
    chat_id: "nullable",
    api_root: "nullable",
    webhook_url: "nullable",
    inbound: "value",
    // The seed's list of enabled bot commands. Every command is always available.
    commands: "ignored",
  },
};

/** Keys ("section.key") whose values an error message must not quote. */
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "webhooks.secret",
  "webhooks.n8n_notify_url",
  "telegram.bot_token",
]);
