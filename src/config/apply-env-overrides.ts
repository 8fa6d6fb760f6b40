import type { LayeredConfig } from "./layered-config.js";

/** One environment variable that replaces a config key. */
export interface EnvOverride {
  name: string;
  section: string;
  key: string;
  /** Turns the variable's text into the raw value (default: the text itself). */
  map?: (value: string) => unknown;
}

/** Which variables override which keys of config.yaml. */
export const ENV_OVERRIDES: readonly EnvOverride[] = Object.freeze([
  { name: "PORT", section: "server", key: "port" },
  { name: "HOST", section: "server", key: "host" },
  { name: "WEBHOOK_SECRET", section: "webhooks", key: "secret" },
  { name: "N8N_NOTIFY_URL", section: "webhooks", key: "n8n_notify_url" },
  { name: "TELEGRAM_BOT_TOKEN", section: "telegram", key: "bot_token" },
  { name: "TELEGRAM_CHAT_ID", section: "telegram", key: "chat_id" },
  { name: "TELEGRAM_API_ROOT", section: "telegram", key: "api_root" },
  { name: "TELEGRAM_WEBHOOK_URL", section: "telegram", key: "webhook_url" },
  // CLAUDE_CLI_PATH is one executable path (it may hold spaces): the whole command.
  { name: "CLAUDE_CLI_PATH", section: "claude", key: "command", map: (v: string) => [v] },
  { name: "LOG_LEVEL", section: "logging", key: "level" },
]);

/** The environment and the .env file beside the config file; the environment wins. */
export interface EnvSources {
  env: NodeJS.ProcessEnv;
  dotenv: Readonly<Record<string, string>>;
  /** How to name the .env file in error messages. */
  dotenvLabel: string;
}

/**
 * Replace, in place, each key of ENV_OVERRIDES whose variable is set. A replaced value is
 * labelled by its variable and source, and its relative paths resolve against `cwd`.
 */
export function applyEnvOverrides(layered: LayeredConfig, sources: EnvSources, cwd: string): void {
  for (const { name, section, key, map = (v: string) => v } of ENV_OVERRIDES) {
    const found = lookup(name, sources);
    if (found) layered[section][key] = { value: map(found.value), origin: { label: found.label, dir: cwd } };
  }
}

/**
 * A variable counts as set when it is non-empty: an empty one in the environment does not
 * hide the .env value (docker-compose and systemd readily pass empty strings).
 */
function lookup(name: string, { env, dotenv, dotenvLabel }: EnvSources): { value: string; label: string } | null {
  const real = env[name];
  if (real !== undefined && real !== "") return { value: real, label: `${name} from the environment` };
  const fromFile = dotenv[name];
  if (fromFile !== undefined && fromFile !== "") return { value: fromFile, label: `${name} from ${dotenvLabel}` };
  return null;
}
