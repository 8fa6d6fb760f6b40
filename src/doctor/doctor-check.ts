import type { Config } from "../config/config.js";

/**
 * The shapes `orchestrator doctor` and serve's start-up check share: one check, its answer(s),
 * and what every check is given.
 */

/** ok ✓, warn ⚠ (passes, but says what to fix), fail ✗, skip (not checked: --offline, not configured). */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** Stable, for --json: "config", "claude.found", "telegram.chat:123"... */
  id: string;
  status: CheckStatus;
  /** What was found, one line. */
  message: string;
  /** What to do about a warn or fail; null when there is nothing to do. */
  fix: string | null;
}

/** How long each kind of check may take, ms. Every check is bounded by one of these. */
export interface DoctorTimeouts {
  /** Files, statfs, git, the port (default 5 s). */
  local: number;
  /** `claude --version` (default 10 s). */
  claudeVersion: number;
  /** The tiny real run (default 90 s: a cold CLI plus one model answer). */
  claudeLogin: number;
  /** Telegram, n8n (default 10 s). */
  network: number;
}

export const DEFAULT_TIMEOUTS: DoctorTimeouts = { local: 5_000, claudeVersion: 10_000, claudeLogin: 90_000, network: 10_000 };

/** Below this much free space in paths.logs_dir's file system, the disk check warns. */
export const MIN_FREE_LOG_BYTES = 100 * 1024 * 1024;

export interface DoctorContext {
  config: Config;
  /** The environment (PATH, CLAUDE_CLI_PATH, the claude child's env). */
  env: NodeJS.ProcessEnv;
  /** Skip what needs the network or a model: the tiny run, Telegram, n8n. */
  offline: boolean;
  timeouts: DoctorTimeouts;
  /** The disk check's threshold (default MIN_FREE_LOG_BYTES). */
  minFreeBytes: number;
}

export interface DoctorCheck {
  /** The id a timeout or crash of the check is reported under. */
  id: string;
  /** Names the check in "… did not answer within 5 s". */
  title: string;
  /** Needs the network or a model: skipped with --offline. */
  network: boolean;
  /** The check's bound, from the context's timeouts (run() bounds its own children by it too). */
  limitMs(t: DoctorTimeouts): number;
  run(ctx: DoctorContext): Promise<CheckResult | CheckResult[]>;
}

export const ok = (id: string, message: string): CheckResult => ({ id, status: "ok", message, fix: null });
export const warn = (id: string, message: string, fix: string): CheckResult => ({ id, status: "warn", message, fix });
export const fail = (id: string, message: string, fix: string): CheckResult => ({ id, status: "fail", message, fix });
export const skip = (id: string, message: string): CheckResult => ({ id, status: "skip", message, fix: null });

/** The errno code of a failed fetch or fs call ("ECONNREFUSED"), else its message: never a URL (it may hold a token). */
export function describeCause(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown; message?: unknown }; name?: unknown; message?: unknown };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timed out";
  if (typeof e?.cause?.code === "string") return e.cause.code;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.message === "string") return e.cause.message;
  return typeof e?.message === "string" ? e.message : String(error);
}
