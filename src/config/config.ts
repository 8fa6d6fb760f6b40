/**
 * The validated configuration. Built once by loadConfig() from built-in defaults,
 * config.yaml, .env and the environment; nothing else reads process.env.
 * All paths here are absolute (relative ones in config.yaml resolve against its folder).
 */
export type ApprovalMode = "required" | "auto" | "manual";

export interface ApprovalPolicy {
  approval_mode: ApprovalMode;
  /** Task types after which the session stops for approval (also in auto mode). */
  checkpoint_after: string[];
  /** Task types that run without approval in `required` mode. */
  auto_approve: string[];
}

export interface ClaudeConfig {
  /** Executable and leading arguments, split without a shell (`claude -p` -> ["claude", "-p"]). */
  command: string[];
  /** Extra arguments from `claude.flags`, split the same way. */
  flags: string[];
  /** Wall-clock limit per run, seconds (default 300, the seed's). */
  timeout: number;
  /** Kill a run that prints nothing for this long, seconds (default 120). */
  idle_timeout: number;
  /** Seconds between SIGTERM and SIGKILL of the process group (default 5). */
  kill_grace: number;
  /** Seconds a child may linger after its result line before it is ended (default 5). */
  result_grace: number;
  model: string | null;
  max_turns: number | null;
  allowed_tools: string[];
  permission_mode: string | null;
  /** Working directory of the claude child (default: the current directory). */
  project_dir: string;
  /** Auto-continuations after error_max_turns (default 2). */
  max_continuations: number;
}

export interface Config {
  /** The config file read, or null when running on built-in defaults. */
  source: string | null;
  server: { host: string; port: number };
  orchestrator: ApprovalPolicy;
  webhooks: { secret: string | null; n8n_notify_url: string | null; enabled: boolean };
  claude: ClaudeConfig;
  paths: { tasks_dir: string; logs_dir: string; daily_dir: string; state_file: string };
  logging: { level: "debug" | "info" | "warn" | "error"; task_logs: boolean };
  telegram: {
    bot_token: string | null;
    chat_ids: string[];
    api_root: string | null;
    webhook_url: string | null;
    inbound: "bot" | "n8n";
  };
  /**
   * Values that must never reach a log line or the claude child: the bot token,
   * webhook secret, n8n URL. Environment variable names to drop from the child's env.
   */
  secret_env_names: string[];
}
