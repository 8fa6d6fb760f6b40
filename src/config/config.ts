import type { z } from "zod";

import type { configSchema } from "./config-schema.js";

/**
 * The validated configuration: config-schema.ts's output. Built once by loadConfig() from
 * built-in defaults, config.yaml, .env and the environment; nothing else reads process.env.
 * All paths here are absolute (relative ones in config.yaml resolve against its folder), and
 * claude.command[0] too when it was written as a relative path with a slash.
 */
export interface Config extends z.output<typeof configSchema> {
  /** The config file read, or null when running on built-in defaults. */
  source: string | null;
  /**
   * Values that must never reach a log line or the claude child: the bot token,
   * webhook secret, n8n URL. Environment variable names to drop from the child's env.
   */
  secret_env_names: string[];
}

export type ClaudeConfig = Config["claude"];
