import type { Config } from "../config/config.js";
import type { CliIo } from "./cli-io.js";

/** What every subcommand gets: the terminal, and the configuration the global options point at. */
export interface CommandContext {
  io: CliIo;
  /** Loads and validates the configuration (--config, --state, --logs applied); throws ConfigError. */
  config(): Promise<Config>;
}
