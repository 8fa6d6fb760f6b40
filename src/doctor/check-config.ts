import type { Config } from "../config/config.js";
import { fail, ok, type CheckResult } from "./doctor-check.js";

/**
 * The config check: loadConfig already validated everything (every problem in one ConfigError),
 * so this only words its answer. On failure the loader's own message is the line: it names the
 * file, the key and what is wrong.
 */
export function configResult(loaded: { config: Config } | { error: unknown }): CheckResult {
  if ("error" in loaded) {
    const message = (loaded.error as Error)?.message ?? String(loaded.error);
    return fail("config", `config: ${message}`, "correct config.yaml / .env as the message says, then run orchestrator doctor again");
  }
  const c = loaded.config;
  return ok("config", `config valid (${c.source ?? "built-in defaults: no config.yaml"})`);
}
