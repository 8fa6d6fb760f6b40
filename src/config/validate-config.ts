import type { ApprovalMode, Config } from "./config.js";
import { ConfigValidator } from "./config-validator.js";
import type { ConfigProblem, LayeredConfig } from "./layered-config.js";

const APPROVAL_MODES: readonly ApprovalMode[] = ["required", "auto", "manual"];

export interface ValidateConfigOptions {
  /** The config file read, or null (Config.source). */
  source: string | null;
  /** Environment variable names to keep away from logs and the claude child (Config.secret_env_names). */
  secretEnvNames: readonly string[];
}

/**
 * Turn the merged raw tree into a Config. Every bad value is recorded in `problems` (the
 * returned Config then holds placeholders for those and must not be used).
 */
export function validateConfig(
  layered: LayeredConfig,
  problems: ConfigProblem[],
  { source, secretEnvNames }: ValidateConfigOptions,
): Config {
  const v = new ConfigValidator(layered, problems);
  return {
    source,
    server: { host: v.string("server", "host"), port: v.port("server", "port") },
    orchestrator: {
      approval_mode: v.oneOf("orchestrator", "approval_mode", APPROVAL_MODES),
      checkpoint_after: v.stringList("orchestrator", "checkpoint_after", true),
      auto_approve: v.stringList("orchestrator", "auto_approve", true),
    },
    webhooks: {
      secret: v.optionalString("webhooks", "secret"),
      n8n_notify_url: v.url("webhooks", "n8n_notify_url"),
      enabled: v.boolean("webhooks", "enabled"),
    },
    claude: {
      command: v.command("claude", "command"),
      flags: v.argv("claude", "flags"),
      timeout: v.seconds("claude", "timeout", false),
      idle_timeout: v.seconds("claude", "idle_timeout", false),
      kill_grace: v.seconds("claude", "kill_grace", true),
      result_grace: v.seconds("claude", "result_grace", true),
      model: v.optionalString("claude", "model"),
      max_turns: v.optionalCount("claude", "max_turns"),
      allowed_tools: v.stringList("claude", "allowed_tools", false),
      permission_mode: v.permissionMode("claude", "permission_mode"),
      project_dir: v.path("claude", "project_dir"),
      max_continuations: v.count("claude", "max_continuations", 0),
    },
    paths: {
      tasks_dir: v.path("paths", "tasks_dir"),
      logs_dir: v.path("paths", "logs_dir"),
      daily_dir: v.path("paths", "daily_dir"),
      state_file: v.path("paths", "state_file"),
    },
    logging: { level: v.logLevel("logging", "level"), task_logs: v.boolean("logging", "task_logs") },
    telegram: {
      bot_token: v.optionalString("telegram", "bot_token"),
      chat_ids: v.chatIds("telegram", "chat_id"),
      api_root: v.url("telegram", "api_root"),
      webhook_url: v.url("telegram", "webhook_url"),
      inbound: v.oneOf("telegram", "inbound", ["bot", "n8n"] as const),
    },
    secret_env_names: [...secretEnvNames],
  };
}
