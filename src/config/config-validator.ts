import type { Config } from "./config.js";
import { SECRET_CONFIG_KEYS } from "./config-schema.js";
import { describeValue } from "./describe-value.js";
import type { ConfigEntry, ConfigProblem, LayeredConfig } from "./layered-config.js";
import { resolveConfigPath, resolveExecutable } from "./resolve-config-path.js";
import { toArgv } from "./split-command.js";

const LOG_LEVELS: Record<string, Config["logging"]["level"]> = {
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
};
/** Claude Code's --permission-mode values. */
const PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"];

/**
 * Reads entries of a LayeredConfig as typed values, records a problem for each bad one
 * (labelled with the value's origin, never quoting a secret), and returns a placeholder
 * so all are checked.
 */
export class ConfigValidator {
  constructor(
    private readonly layered: LayeredConfig,
    private readonly problems: ConfigProblem[],
  ) {}

  private entry(section: string, key: string): ConfigEntry {
    return this.layered[section][key];
  }

  private fail(section: string, key: string, must: string): void {
    const { value, origin } = this.entry(section, key);
    const got = SECRET_CONFIG_KEYS.has(`${section}.${key}`) ? `a ${typeof value}, not shown` : describeValue(value);
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
    // 0 asks the OS for any free port; serve prints the one it got.
    if (Number.isInteger(n) && n >= 0 && n <= 65535) return n;
    this.fail(section, key, "must be a port number 0-65535 (0: any free port)");
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
    argv[0] = resolveExecutable(this.entry(section, key).origin.dir, argv[0]);
    return argv;
  }

  path(section: string, key: string): string {
    const { value, origin } = this.entry(section, key);
    if (typeof value === "string" && value.trim() !== "") return resolveConfigPath(origin.dir, value.trim());
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
