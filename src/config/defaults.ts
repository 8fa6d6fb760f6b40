/**
 * Built-in defaults, written in config.yaml's own shape (raw, before validation):
 * a config.yaml is deep-merged over this, then the environment over both, and the
 * result is validated into a Config by loadConfig(). Relative paths here resolve
 * against the config file's folder (the current directory when there is no file).
 */
export interface RawDefaults {
  server: { host: string; port: number };
  orchestrator: {
    approval_mode: "required" | "auto" | "manual";
    checkpoint_after: string[];
    auto_approve: string[];
  };
  webhooks: { secret: string | null; n8n_notify_url: string | null; enabled: boolean };
  claude: {
    command: string;
    flags: string;
    timeout: number;
    idle_timeout: number;
    kill_grace: number;
    result_grace: number;
    model: string | null;
    max_turns: number | null;
    allowed_tools: string[];
    permission_mode: string | null;
    project_dir: string;
    max_continuations: number;
  };
  paths: { tasks_dir: string; logs_dir: string; daily_dir: string; state_file: string };
  logging: { level: string; task_logs: boolean };
  telegram: {
    bot_token: string | null;
    chat_id: string | number | (string | number)[] | null;
    api_root: string | null;
    webhook_url: string | null;
    inbound: "bot" | "n8n";
  };
}

/** The defaults themselves; deep-frozen, use defaultRawConfig() for a copy to change. */
export const DEFAULTS: RawDefaults = deepFreeze({
  server: { host: "127.0.0.1", port: 5000 },
  orchestrator: {
    approval_mode: "required",
    checkpoint_after: ["database", "deployment"],
    auto_approve: ["documentation", "testing"],
  },
  webhooks: { secret: null, n8n_notify_url: null, enabled: true },
  claude: {
    command: "claude",
    flags: "",
    timeout: 300,
    idle_timeout: 120,
    kill_grace: 5,
    result_grace: 5,
    model: null,
    max_turns: null,
    allowed_tools: [],
    permission_mode: null,
    project_dir: ".",
    max_continuations: 2,
  },
  paths: {
    tasks_dir: "orchestrator_tasks",
    logs_dir: "orchestrator_logs",
    daily_dir: "daily_logs",
    state_file: "state.json",
  },
  logging: { level: "info", task_logs: true },
  telegram: { bot_token: null, chat_id: null, api_root: null, webhook_url: null, inbound: "bot" },
});

/** A fresh deep copy of the defaults (callers may mutate it). */
export function defaultRawConfig(): RawDefaults {
  return structuredClone(DEFAULTS);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
