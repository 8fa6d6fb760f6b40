import type { Config } from "./config.js";
import { configSchema } from "./config-schema.js";
import type { ConfigProblem, LayeredConfig } from "./layered-config.js";
import { parseLayered } from "./parse-layered.js";
import { resolveConfigPath, resolveExecutable } from "./resolve-config-path.js";

export interface ValidateConfigOptions {
  /** The config file read, or null (Config.source). */
  source: string | null;
  /** Environment variable names to keep away from logs and the claude child (Config.secret_env_names). */
  secretEnvNames: readonly string[];
}

/**
 * Turn the merged raw tree into a Config with configSchema. Every bad value is recorded in
 * `problems` (the returned Config then holds the defaults and must not be used). Relative
 * paths, and a relative claude executable with a slash, resolve against the folder of where
 * each was written (the config file's, or cwd for the environment and the command line).
 */
export function validateConfig(
  layered: LayeredConfig,
  problems: ConfigProblem[],
  { source, secretEnvNames }: ValidateConfigOptions,
): Config {
  const parsed = parseLayered(configSchema, layered, problems) ?? configSchema.parse({});
  const dir = (section: string, key: string) => layered[section][key].origin.dir;
  const inDir = (key: keyof Config["paths"]) => resolveConfigPath(dir("paths", key), parsed.paths[key]);
  const [executable, ...args] = parsed.claude.command;
  return {
    source,
    ...parsed,
    claude: {
      ...parsed.claude,
      command: [resolveExecutable(dir("claude", "command"), executable), ...args],
      project_dir: resolveConfigPath(dir("claude", "project_dir"), parsed.claude.project_dir),
    },
    orchestrator: { ...parsed.orchestrator, learnings_file: resolveConfigPath(dir("orchestrator", "learnings_file"), parsed.orchestrator.learnings_file) },
    paths: { tasks_dir: inDir("tasks_dir"), logs_dir: inDir("logs_dir"), daily_dir: inDir("daily_dir"), results_dir: inDir("results_dir"), state_file: inDir("state_file"), feedback_dir: inDir("feedback_dir") },
    secret_env_names: [...secretEnvNames],
  };
}
