/**
 * The environment of the claude child: ours, minus what must not reach it.
 * - CLAUDECODE / CLAUDE_CODE_ENTRYPOINT: set when the orchestrator itself runs inside a
 *   Claude Code session; older CLIs then refuse to start ("nested session").
 * - dropNames: our own secrets (TELEGRAM_BOT_TOKEN, WEBHOOK_SECRET, N8N_NOTIFY_URL, ...,
 *   from config.secret_env_names). Claude runs arbitrary Bash; it must not be able to
 *   read the bot token from its environment.
 */
export const ALWAYS_DROPPED_ENV = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"] as const;

/**
 * A fresh object (base is not modified) without the dropped names and without undefined
 * values, ready for execa's `env` with `extendEnv: false`.
 */
export function buildChildEnv(base: NodeJS.ProcessEnv, dropNames: string[]): Record<string, string> {
  const drop = new Set<string>([...ALWAYS_DROPPED_ENV, ...dropNames]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || drop.has(name)) continue;
    env[name] = value;
  }
  return env;
}
