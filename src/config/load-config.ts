import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { load, YAMLException } from "js-yaml";

import { ConfigError } from "../core/errors.js";
import type { ApprovalMode, Config } from "./config.js";
import { defaultRawConfig } from "./defaults.js";
import { expandEnv, type EnvLike } from "./expand-env.js";
import { scanDotenv } from "./parse-dotenv.js";
import { toArgv } from "./split-command.js";

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
 * How each key of config.yaml behaves when the file writes it as null (`key:` or `key: ~`):
 * - value:    null means "not given", the default stays;
 * - nullable: null is a real value (no model, no bot token...);
 * - list:     null is an empty list (`checkpoint_after:` with nothing under it);
 * - ignored:  accepted for compatibility with the seed's config.yaml, never used.
 */
type KeyKind = "value" | "nullable" | "list" | "ignored";

const SCHEMA: Record<string, Record<string, KeyKind>> = {
  server: {
    host: "value",
    port: "value",
    // The seed's Flask debug switch. The HTTP server has no debug mode; use logging.level.
    debug: "ignored",
  },
  orchestrator: { approval_mode: "value", checkpoint_after: "list", auto_approve: "list" },
  webhooks: { secret: "nullable", n8n_notify_url: "nullable", enabled: "value" },
  claude: {
    command: "value",
    flags: "list",
    timeout: "value",
    idle_timeout: "value",
    kill_grace: "value",
    result_grace: "value",
    model: "nullable",
    max_turns: "nullable",
    allowed_tools: "list",
    permission_mode: "nullable",
    project_dir: "value",
    max_continuations: "value",
  },
  paths: { tasks_dir: "value", logs_dir: "value", daily_dir: "value", state_file: "value" },
  logging: {
    level: "value",
    // The seed's Python logging format string. pino writes JSON lines and formats them
    // itself (pino-pretty for humans), so there is nothing to apply it to.
    format: "ignored",
    task_logs: "value",
  },
  telegram: {
    bot_token: "nullable",
    chat_id: "nullable",
    api_root: "nullable",
    webhook_url: "nullable",
    inbound: "value",
    // The seed's list of enabled bot commands. Every command is always available.
    commands: "ignored",
  },
};

/** Keys whose values an error message must not quote. */
const SECRET_KEYS = new Set(["webhooks.secret", "webhooks.n8n_notify_url", "telegram.bot_token"]);

const APPROVAL_MODES: readonly ApprovalMode[] = ["required", "auto", "manual"];
const LOG_LEVELS: Record<string, Config["logging"]["level"]> = {
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
};
/** Claude Code's --permission-mode values. */
const PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"];

/** Where a value came from: the label starts its error messages; dir resolves its relative paths. */
interface Origin {
  label: string;
  dir: string;
}
interface Entry {
  value: unknown;
  origin: Origin;
}
interface Problem {
  key: string | null;
  message: string;
}

/**
 * Read the configuration once: built-in defaults, then config.yaml (with `${VAR}` expanded
 * from .env and the environment), then environment overrides, then command-line overrides.
 * Every problem found is reported in one ConfigError.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  const cwd = path.resolve(opts.cwd);
  const problems: Problem[] = [];

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
  // A variable counts as set when it is non-empty: an empty one in the environment does not
  // hide the .env value (docker-compose and systemd readily pass empty strings).
  const fromEnv = (name: string): { value: string; label: string } | null => {
    const real = opts.env[name];
    if (real !== undefined && real !== "") return { value: real, label: `${name} from the environment` };
    const fromFile = dotenv[name];
    if (fromFile !== undefined && fromFile !== "") return { value: fromFile, label: `${name} from ${dotenvLabel}` };
    return null;
  };
  const mergedEnv: EnvLike = { ...dotenv, ...nonEmpty(opts.env) };

  // 3. Defaults, as entries with their origin.
  const layered: Record<string, Record<string, Entry>> = {};
  const defaultsOrigin: Origin = { label: "defaults", dir: baseDir };
  for (const [section, values] of Object.entries(defaultRawConfig())) {
    layered[section] = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      layered[section][key] = { value, origin: defaultsOrigin };
    }
  }

  // 4. The config file over the defaults.
  if (file) {
    const raw = parseYaml(await readText(file), fileLabel, problems);
    if (raw !== undefined) {
      const expanded = expandEnv(raw, mergedEnv);
      for (const p of expanded.problems) {
        problems.push({ key: p.path, message: `${fileLabel}: ${p.path}: ${p.message}` });
      }
      mergeFile(expanded.value as Record<string, unknown>, { label: fileLabel, dir: baseDir }, layered, problems);
    }
  }

  // 5. Environment overrides over the file.
  const override = (section: string, key: string, name: string, map: (v: string) => unknown = (v) => v) => {
    const found = fromEnv(name);
    if (found) layered[section][key] = { value: map(found.value), origin: { label: found.label, dir: cwd } };
  };
  override("server", "port", "PORT");
  override("server", "host", "HOST");
  override("webhooks", "secret", "WEBHOOK_SECRET");
  override("webhooks", "n8n_notify_url", "N8N_NOTIFY_URL");
  override("telegram", "bot_token", "TELEGRAM_BOT_TOKEN");
  override("telegram", "chat_id", "TELEGRAM_CHAT_ID");
  override("telegram", "api_root", "TELEGRAM_API_ROOT");
  override("telegram", "webhook_url", "TELEGRAM_WEBHOOK_URL");
  override("claude", "command", "CLAUDE_CLI_PATH", (v) => [v]);
  override("logging", "level", "LOG_LEVEL");

  // 6. Command-line overrides, relative to cwd.
  if (opts.overrides?.stateFile) {
    layered.paths.state_file = { value: opts.overrides.stateFile, origin: { label: "--state", dir: cwd } };
  }
  if (opts.overrides?.logsDir) {
    layered.paths.logs_dir = { value: opts.overrides.logsDir, origin: { label: "--logs", dir: cwd } };
  }

  // 7. Validate into a Config.
  const v = new Validator(layered, problems);
  const config: Config = {
    source: file,
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
    secret_env_names: [...SECRET_ENV_NAMES],
  };

  if (problems.length > 0) throw configError(problems);
  return config;
}

function configError(problems: Problem[]): ConfigError {
  if (problems.length === 1) return new ConfigError(problems[0].message, problems[0].key);
  const list = problems.map((p) => `  - ${p.message}`).join("\n");
  return new ConfigError(`${problems.length} configuration problems:\n${list}`, null);
}

function parseYaml(text: string, label: string, problems: Problem[]): Record<string, unknown> | undefined {
  // js-yaml's load() refuses an empty document; a file of comments only means "all defaults".
  if (text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)\s*$/.test(line))) {
    return {};
  }
  let raw: unknown;
  try {
    raw = load(text, { filename: label });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `${label}:${error.mark.line + 1}:${error.mark.column + 1}` : label;
      problems.push({ key: null, message: `${where}: YAML syntax error: ${error.reason}` });
    } else {
      problems.push({ key: null, message: `${label}: cannot parse: ${String(error)}` });
    }
    return undefined;
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({
      key: null,
      message: `${label}: must be a mapping of sections (${Object.keys(SCHEMA).join(", ")}), got ${describe(raw)}`,
    });
    return undefined;
  }
  return raw as Record<string, unknown>;
}

function mergeFile(
  raw: Record<string, unknown>,
  origin: Origin,
  layered: Record<string, Record<string, Entry>>,
  problems: Problem[],
): void {
  const unknownSections = Object.keys(raw).filter((s) => !(s in SCHEMA));
  if (unknownSections.length > 0) {
    problems.push({
      key: unknownSections[0],
      message: `${origin.label}: unknown section${unknownSections.length > 1 ? "s" : ""} ${unknownSections
        .map((s) => JSON.stringify(s))
        .join(", ")} (known: ${Object.keys(SCHEMA).join(", ")})`,
    });
  }
  for (const [section, body] of Object.entries(raw)) {
    const schema = SCHEMA[section];
    if (!schema) continue;
    if (body === null) continue; // `server:` with nothing under it
    if (typeof body !== "object" || Array.isArray(body)) {
      problems.push({ key: section, message: `${origin.label}: ${section} must be a mapping (got ${describe(body)})` });
      continue;
    }
    const entries = Object.entries(body as Record<string, unknown>);
    const unknownKeys = entries.map(([k]) => k).filter((k) => !(k in schema));
    if (unknownKeys.length > 0) {
      problems.push({
        key: `${section}.${unknownKeys[0]}`,
        message: `${origin.label}: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys
          .map((k) => `${section}.${k}`)
          .join(", ")} (known: ${Object.keys(schema)
          .filter((k) => schema[k] !== "ignored")
          .join(", ")})`,
      });
    }
    for (const [key, value] of entries) {
      const kind = schema[key];
      if (kind === undefined || kind === "ignored") continue;
      if (value === null) {
        if (kind === "value") continue;
        layered[section][key] = { value: kind === "list" ? [] : null, origin };
        continue;
      }
      layered[section][key] = { value, origin };
    }
  }
}

/** Reads entries, records a problem for each bad one, and returns a placeholder so all are checked. */
class Validator {
  constructor(
    private readonly layered: Record<string, Record<string, Entry>>,
    private readonly problems: Problem[],
  ) {}

  private entry(section: string, key: string): Entry {
    return this.layered[section][key];
  }

  private fail(section: string, key: string, must: string): void {
    const { value, origin } = this.entry(section, key);
    const got = SECRET_KEYS.has(`${section}.${key}`) ? `a ${typeof value}, not shown` : describe(value);
    this.problems.push({
      key: `${section}.${key}`,
      message: `${origin.label}: ${section}.${key} ${must} (got ${got})`,
    });
  }

  string(section: string, key: string): string {
    const { value } = this.entry(section, key);
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    this.fail(section, key, "must be a non-empty string");
    return "";
  }

  /** A string, or null; an empty string is null. */
  optionalString(section: string, key: string): string | null {
    const { value } = this.entry(section, key);
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return value.trim() === "" ? null : value.trim();
    this.fail(section, key, "must be a string (quote it in YAML)");
    return null;
  }

  url(section: string, key: string): string | null {
    const text = this.optionalString(section, key);
    if (text === null) return null;
    let ok = false;
    try {
      const parsed = new URL(text);
      ok = parsed.protocol === "http:" || parsed.protocol === "https:";
    } catch {
      ok = false;
    }
    if (!ok) {
      this.fail(section, key, "must be an http:// or https:// URL");
      return null;
    }
    return text;
  }

  oneOf<T extends string>(section: string, key: string, allowed: readonly T[]): T {
    const { value } = this.entry(section, key);
    if (typeof value === "string" && (allowed as readonly string[]).includes(value.trim().toLowerCase())) {
      return value.trim().toLowerCase() as T;
    }
    this.fail(section, key, `must be one of ${allowed.join(", ")}`);
    return allowed[0];
  }

  boolean(section: string, key: string): boolean {
    const { value } = this.entry(section, key);
    if (typeof value === "boolean") return value;
    // Expanded `${VAR}` values arrive as strings.
    if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
    this.fail(section, key, "must be true or false");
    return false;
  }

  port(section: string, key: string): number {
    const n = toNumber(this.entry(section, key).value);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
    this.fail(section, key, "must be a port number 1-65535");
    return 0;
  }

  seconds(section: string, key: string, zeroAllowed: boolean): number {
    const n = toNumber(this.entry(section, key).value);
    if (Number.isFinite(n) && (zeroAllowed ? n >= 0 : n > 0)) return n;
    this.fail(section, key, `must be a number of seconds ${zeroAllowed ? ">= 0" : "> 0"}`);
    return 0;
  }

  count(section: string, key: string, min: number): number {
    const n = toNumber(this.entry(section, key).value);
    if (Number.isInteger(n) && n >= min) return n;
    this.fail(section, key, `must be a whole number >= ${min}`);
    return min;
  }

  optionalCount(section: string, key: string): number | null {
    const { value } = this.entry(section, key);
    if (value === null || value === undefined || value === "") return null;
    const n = toNumber(value);
    if (Number.isInteger(n) && n >= 1) return n;
    this.fail(section, key, "must be a whole number >= 1, or null");
    return null;
  }

  /** A YAML list of strings. Task types are compared lower-cased, so `lower` folds them. */
  stringList(section: string, key: string, lower: boolean): string[] {
    const { value } = this.entry(section, key);
    if (Array.isArray(value) && value.every((item) => typeof item === "string" && item.trim() !== "")) {
      const items = (value as string[]).map((item) => (lower ? item.trim().toLowerCase() : item.trim()));
      return [...new Set(items)];
    }
    this.fail(section, key, "must be a list of non-empty strings (YAML `- item` lines or [a, b])");
    return [];
  }

  /** A string split without a shell, or a list taken as-is (one argument per item). */
  argv(section: string, key: string): string[] {
    const { value } = this.entry(section, key);
    if (Array.isArray(value)) {
      if (value.every((item) => typeof item === "string")) return [...(value as string[])];
      this.fail(section, key, "must be a string or a list of strings");
      return [];
    }
    if (typeof value === "string") {
      try {
        return toArgv(value);
      } catch (error) {
        this.fail(section, key, `cannot be split into arguments: ${(error as Error).message}`);
        return [];
      }
    }
    this.fail(section, key, "must be a string or a list of strings");
    return [];
  }

  /**
   * The claude executable and its leading arguments. A relative executable path with a
   * slash (`./node_modules/.bin/claude`) resolves against its origin's folder, because the
   * child runs in claude.project_dir; a bare name (`claude`) is looked up on PATH.
   */
  command(section: string, key: string): string[] {
    const before = this.problems.length;
    const argv = this.argv(section, key);
    if (this.problems.length > before) return argv;
    if (argv.length === 0 || argv[0].trim() === "") {
      this.fail(section, key, "must name the claude executable");
      return argv;
    }
    const exe = argv[0];
    if (!path.isAbsolute(exe) && /[\\/]/.test(exe)) argv[0] = path.resolve(this.entry(section, key).origin.dir, exe);
    return argv;
  }

  path(section: string, key: string): string {
    const { value, origin } = this.entry(section, key);
    if (typeof value === "string" && value.trim() !== "") return path.resolve(origin.dir, value.trim());
    this.fail(section, key, "must be a non-empty path");
    return origin.dir;
  }

  logLevel(section: string, key: string): Config["logging"]["level"] {
    const { value } = this.entry(section, key);
    const level = typeof value === "string" ? LOG_LEVELS[value.trim().toLowerCase()] : undefined;
    if (level) return level;
    this.fail(section, key, "must be one of debug, info, warn, error (or DEBUG, INFO, WARNING, ERROR)");
    return "info";
  }

  permissionMode(section: string, key: string): string | null {
    const mode = this.optionalString(section, key);
    if (mode === null || PERMISSION_MODES.includes(mode)) return mode;
    this.fail(section, key, `must be one of ${PERMISSION_MODES.join(", ")}, or null`);
    return null;
  }

  /**
   * telegram.chat_id: a number, a string (a comma-separated list, as TELEGRAM_CHAT_ID is),
   * or a list of those. Ids are integers (negative for groups) or a public @channelname.
   */
  chatIds(section: string, key: string): string[] {
    const { value } = this.entry(section, key);
    if (value === null || value === undefined) return [];
    const items = Array.isArray(value) ? value : [value];
    const ids: string[] = [];
    for (const item of items) {
      if (typeof item === "number" && Number.isSafeInteger(item)) {
        ids.push(String(item));
      } else if (typeof item === "string") {
        ids.push(...item.split(",").map((s) => s.trim()).filter((s) => s !== ""));
      } else {
        this.fail(section, key, "must be a chat id, a comma-separated string of ids, or a list of ids");
        return [];
      }
    }
    const bad = ids.filter((id) => !/^-?\d+$/.test(id) && !/^@[A-Za-z0-9_]+$/.test(id));
    if (bad.length > 0) {
      this.fail(section, key, `holds ${bad.map((b) => JSON.stringify(b)).join(", ")}, not a numeric chat id or @channel`);
      return [];
    }
    return [...new Set(ids)];
  }
}

function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return Number.NaN;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== "") out[name] = value;
  return out;
}

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

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, null, { cause: error });
  }
}
