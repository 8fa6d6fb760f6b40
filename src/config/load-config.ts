import { stat } from "node:fs/promises";
import { readRegularFile } from "../fs/read-regular-file.js";
import path from "node:path";

import { ConfigError } from "../core/errors.js";
import { applyEnvOverrides } from "./apply-env-overrides.js";
import type { Config } from "./config.js";
import { expandEnv, type EnvLike } from "./expand-env.js";
import { layerDefaults, type ConfigProblem } from "./layered-config.js";
import { mergeConfigFile } from "./merge-config-file.js";
import { parseConfigYaml } from "./parse-config-yaml.js";
import { scanDotenv } from "./parse-dotenv.js";
import { validateConfig } from "./validate-config.js";

export interface LoadConfigOptions {
  /** An explicit config file (--config); it must exist. Relative to cwd. */
  configPath?: string | null;
  cwd: string;
  /** The process environment. The only environment this module reads. */
  env: NodeJS.ProcessEnv;
  /** Command-line paths (--state, --logs): relative to cwd, and they win over everything. */
  overrides?: { stateFile?: string; logsDir?: string };
}

/** Environment variable names whose values must never reach a log line or the claude child. */
export const SECRET_ENV_NAMES: readonly string[] = Object.freeze([
  "TELEGRAM_BOT_TOKEN",
  "WEBHOOK_SECRET",
  "N8N_NOTIFY_URL",
  "TELEGRAM_CHAT_ID",
]);

/**
 * Read the configuration once: built-in defaults, then config.yaml (with `${VAR}` expanded
 * from .env and the environment), then environment overrides, then command-line overrides.
 * Every problem found is reported in one ConfigError.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  const cwd = path.resolve(opts.cwd);
  const problems: ConfigProblem[] = [];

  // 1. Which config file.
  let file: string | null = null;
  if (opts.configPath != null && opts.configPath !== "") {
    file = path.resolve(cwd, opts.configPath);
    const kind = await fileKind(file);
    if (kind !== "file") {
      throw new ConfigError(
        kind === "missing"
          ? `config file not found: ${file}`
          : `config file is not a regular file: ${file}`,
        null,
      );
    }
  } else {
    const candidate = path.join(cwd, "config.yaml");
    if ((await fileKind(candidate)) === "file") file = candidate;
  }
  const baseDir = file ? path.dirname(file) : cwd;
  const fileLabel = file ? display(file, cwd) : "defaults";

  // 2. .env beside the config file; the real environment wins over it.
  const dotenvFile = path.join(baseDir, ".env");
  const dotenvLabel = display(dotenvFile, cwd);
  let dotenv: Record<string, string> = {};
  if ((await fileKind(dotenvFile)) === "file") {
    const scan = scanDotenv(await readText(dotenvFile));
    for (const p of scan.problems) problems.push({ key: null, message: `${dotenvLabel}:${p.line}: ${p.message}` });
    dotenv = scan.values;
  }
  // An empty variable in the environment does not hide the .env value.
  const mergedEnv: EnvLike = { ...dotenv, ...nonEmpty(opts.env) };

  // 3. Defaults, as entries with their origin.
  const layered = layerDefaults({ label: "defaults", dir: baseDir });

  // 4. The config file over the defaults.
  if (file) {
    const raw = parseConfigYaml(await readText(file), fileLabel, problems);
    if (raw !== undefined) {
      const expanded = expandEnv(raw, mergedEnv);
      for (const p of expanded.problems) {
        problems.push({ key: p.path, message: `${fileLabel}: ${p.path}: ${p.message}` });
      }
      mergeConfigFile(expanded.value as Record<string, unknown>, { label: fileLabel, dir: baseDir }, layered, problems);
    }
  }

  // 5. Environment overrides over the file.
  applyEnvOverrides(layered, { env: opts.env, dotenv, dotenvLabel }, cwd);

  // 6. Command-line overrides, relative to cwd.
  if (opts.overrides?.stateFile) {
    layered.paths.state_file = { value: opts.overrides.stateFile, origin: { label: "--state", dir: cwd } };
  }
  if (opts.overrides?.logsDir) {
    layered.paths.logs_dir = { value: opts.overrides.logsDir, origin: { label: "--logs", dir: cwd } };
  }

  // 7. Validate into a Config.
  const config = validateConfig(layered, problems, { source: file, secretEnvNames: SECRET_ENV_NAMES });

  if (problems.length > 0) throw configError(problems);
  return config;
}

function configError(problems: ConfigProblem[]): ConfigError {
  if (problems.length === 1) return new ConfigError(problems[0].message, problems[0].key);
  const list = problems.map((p) => `  - ${p.message}`).join("\n");
  return new ConfigError(`${problems.length} configuration problems:\n${list}`, null);
}

function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== "") out[name] = value;
  return out;
}

/** A file's path relative to cwd when it is inside cwd, else absolute: for messages. */
function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

async function fileKind(file: string): Promise<"file" | "other" | "missing"> {
  try {
    return (await stat(file)).isFile() ? "file" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      return "missing";
    }
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, null, { cause: error });
  }
}

/**
 * Config and .env files are small: read at most 1 MiB within 5 s, and only a regular file (a
 * FIFO swapped in after the check above would otherwise block the start for good).
 */
async function readText(file: string): Promise<string> {
  try {
    return (await readRegularFile(file, { maxBytes: 1024 * 1024, timeoutMs: 5000 })).bytes.toString("utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, null, { cause: error });
  }
}
