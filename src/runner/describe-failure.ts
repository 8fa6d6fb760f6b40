import type { ClaudeConfig } from "../config/config.js";
import type { OutcomeKind, RateLimitInfo, RunOutcome, UsageLimit } from "../core/run-outcome.js";
import type { ResultLine } from "./parse-stream-line.js";
import { limitText, parseResetTime } from "./usage-limit-text.js";

/**
 * Turns what happened during one run into a RunOutcome whose reason a person can act on.
 * Pure: the runner collects the facts, this decides what they mean.
 */

/** Why the runner itself ended the child (null: the child ended on its own). */
export type EndedBy = "timeout" | "idle_timeout" | "result_grace" | "cancelled";

export interface RunFacts {
  /** The executable that was started (for "claude not found ... (tried 'x')"). */
  file: string;
  /** The child could not be started: errno code (ENOENT, EACCES, ...) and message. */
  spawnError: { code: string | null; message: string } | null;
  /** The claude.project_dir did not exist (checked before spawning). */
  missingCwd: string | null;
  exitCode: number | null;
  signal: string | null;
  endedBy: EndedBy | null;
  /** The result line had arrived before the runner decided to end the child. */
  endedAfterResult: boolean;
  result: ResultLine | null;
  /** The session id from system/init, used when there is no result line. */
  initSessionId: string | null;
  /** The last ~64 KB of stderr. */
  stderrTail: string;
  /** The last stdout line that was not JSON (some CLI errors print there). */
  lastMalformedLine: string | null;
  /** Stream lines skipped for being over the line cap. */
  tooLongLines: number;
  durationMs: number;
  /** The run continued a session (--resume): the CLI's total_cost_usd then counts the earlier runs too. */
  resumed?: boolean;
  /** The stream's rate_limit_event lines, in order (only the last few are kept). */
  rateLimits?: RateLimitInfo[];
  /** When the run ended (epoch ms, the runner's clock): "resets 3pm" is the next 3pm after it. */
  endedAtMs?: number;
  /** The zone a reset time without one is read in (default the process's own). */
  timeZone?: string;
}

/** Facts before anything happened. */
export function initialFacts(file: string): RunFacts {
  return {
    file, spawnError: null, missingCwd: null, exitCode: null, signal: null, endedBy: null, endedAfterResult: false,
    result: null, initSessionId: null, stderrTail: "", lastMalformedLine: null, tooLongLines: 0, durationMs: 0,
  };
}

/** Result text kept in the outcome; the full text is in the task's log file. */
export const SUMMARY_MAX_CHARS = 4000;
const DETAIL_MAX_CHARS = 300;

/** 300 -> "300 s", 0.5 -> "0.5 s". */
export function formatSeconds(s: number): string {
  return `${Number.isInteger(s) ? s : Number(s.toFixed(3))} s`;
}

/**
 * The last non-empty line of a text, trimmed and cut short: the line that usually says why.
 * A Node.js crash ends with its stack and "Node.js v20.x": those say nothing, so the error line
 * above the stack ("Error: boom") is taken instead.
 */
export function lastLine(text: string | null): string | null {
  if (!text) return null;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  while (lines.length > 1 && /^Node\.js v\d/.test(lines[lines.length - 1] ?? "")) lines.pop();
  while (lines.length > 1 && /^at /.test(lines[lines.length - 1] ?? "")) lines.pop();
  const last = lines[lines.length - 1];
  if (!last) return null;
  return last.length > DETAIL_MAX_CHARS ? `${last.slice(0, DETAIL_MAX_CHARS - 1)}…` : last;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * What Claude Code says when it has no usable credentials: "Not logged in · Please run /login"
 * (no API key and no login), "Invalid API key · Fix external API key" (the API answered 401),
 * "OAuth token has expired", "authentication_error".
 */
const NOT_LOGGED_IN = /not logged in|please run \/login|invalid api key|invalid x-api-key|oauth token (has expired|revoked)|authentication_error/i;

/** The CLI's own words when they say it is not logged in, else null. */
export function notLoggedInText(f: RunFacts): string | null {
  // A successful answer's text is Claude's work (it may well mention a /login page), not the CLI's complaint.
  const r = f.result && (f.result.is_error || f.result.subtype.startsWith("error")) ? f.result : null;
  const texts = [r?.result ?? null, ...(r?.errors ?? []), f.stderrTail, f.lastMalformedLine];
  for (const text of texts) {
    if (!text) continue;
    const line = text.split(/\r?\n/).find((l) => NOT_LOGGED_IN.test(l));
    if (line) return cut(line.trim(), DETAIL_MAX_CHARS);
  }
  return null;
}

export function notLoggedInReason(said: string): string {
  return `Claude Code is not logged in: run 'claude' once and /login, or set ANTHROPIC_API_KEY (it said: "${said}")`;
}

function exitDescription(f: RunFacts): string {
  if (f.signal) return `killed by ${f.signal}`;
  const detail = lastLine(f.stderrTail) ?? lastLine(f.lastMalformedLine);
  return detail ? `exited ${f.exitCode}: ${detail}` : `exited ${f.exitCode} (no error output)`;
}

function resultErrorText(r: ResultLine): string {
  const text = r.result?.trim() || r.errors.join("; ").trim();
  return text ? cut(text, DETAIL_MAX_CHARS * 2) : `no details (subtype ${r.subtype})`;
}

type Verdict = { ok: boolean; kind: OutcomeKind; reason: string | null };
const fail = (kind: OutcomeKind, reason: string): Verdict => ({ ok: false, kind, reason });

function describeResult(f: RunFacts, r: ResultLine, cfg: ClaudeConfig): Verdict {
  if (r.subtype === "error_max_turns") {
    const limit = cfg.max_turns ?? r.num_turns;
    return fail("max_turns", limit != null ? `Claude reached its turn limit (${limit})` : "Claude reached its turn limit");
  }
  if (r.subtype === "error_max_budget_usd") {
    return fail("budget", "budget reached: the run stopped at what was left of the day's budget (--max-budget-usd)");
  }
  if (r.subtype.startsWith("error")) {
    return fail("error_subtype", `Claude reported an error (${r.subtype}): ${resultErrorText(r)}`);
  }
  if (r.is_error) return fail("error_result", `Claude reported an error: ${resultErrorText(r)}`);
  // is_error false: success if the child exited 0, or if we ended it after the result
  // (it lingered past result_grace, or a cancel/timeout came after the work was done).
  if (f.exitCode === 0 || (f.endedBy !== null && f.endedAfterResult)) return { ok: true, kind: "success", reason: null };
  return fail("exit_error", `${exitDescription(f)} (after a successful result line)`);
}

/**
 * A usage limit: an error result (is_error, or an error_* subtype other than the turn limit and
 * the budget) whose text names a limit or a 429. Its reset: the last rejected rate_limit_event,
 * else the time in the text, else the last rate_limit_event's; null when none says.
 */
export function usageLimitOf(f: RunFacts): UsageLimit | null {
  const r = f.result;
  if (!r || !(r.is_error || r.subtype.startsWith("error")) || r.subtype === "error_max_turns" || r.subtype === "error_max_budget_usd") return null;
  const message = limitText([r.result, ...r.errors]);
  if (!message) return null;
  const events = f.rateLimits ?? [];
  const rejected = [...events].reverse().find((e) => e.status === "rejected" && e.resets_at);
  const last = events[events.length - 1] ?? null;
  // Without the time the run ended, "resets 3pm" cannot be placed: the event, or nothing.
  const fromText = f.endedAtMs !== undefined ? parseResetTime(message, f.endedAtMs, f.timeZone) : null;
  return { type: rejected?.type ?? last?.type ?? null, resets_at: rejected?.resets_at ?? fromText ?? last?.resets_at ?? null, message };
}

/** The kind and reason; ok only for a successful result. A failure that comes from missing credentials says so. */
export function describeFailure(f: RunFacts, cfg: ClaudeConfig): Verdict {
  const verdict = describeRun(f, cfg);
  // The runner's own decisions (timeout, cancel) come first; a limit is the CLI's error result.
  if (!verdict.ok && ["error_result", "error_subtype", "exit_error"].includes(verdict.kind) && f.result) {
    const limit = usageLimitOf(f);
    if (limit) return fail("usage_limit", `usage limit reached: ${limit.message}`);
  }
  if (verdict.ok || !["error_result", "error_subtype", "exit_error", "no_result"].includes(verdict.kind)) return verdict;
  const said = notLoggedInText(f);
  return said ? fail(verdict.kind, notLoggedInReason(said)) : verdict;
}

function describeRun(f: RunFacts, cfg: ClaudeConfig): Verdict {
  if (f.missingCwd) return fail("not_found", `project directory not found: '${f.missingCwd}' (set claude.project_dir)`);
  if (f.spawnError) {
    const tried = `(tried '${f.file}')`;
    if (f.spawnError.code === "ENOENT") {
      const install = f.file === "claude" ? "install Claude Code (npm install -g @anthropic-ai/claude-code), or " : "";
      return fail("not_found", `claude not found: ${install}set CLAUDE_CLI_PATH or claude.command ${tried}`);
    }
    if (f.spawnError.code === "EACCES") {
      return fail("not_found", `claude is not executable (permission denied): set CLAUDE_CLI_PATH or claude.command ${tried}`);
    }
    return fail("exit_error", `could not start claude ${tried}: ${lastLine(f.spawnError.message) ?? f.spawnError.code}`);
  }
  // The runner ended the child before any result: that decision is the reason.
  if (f.endedBy && !f.endedAfterResult) {
    if (f.endedBy === "timeout") return fail("timeout", `timed out after ${formatSeconds(cfg.timeout)}`);
    if (f.endedBy === "idle_timeout") return fail("idle_timeout", `no output for ${formatSeconds(cfg.idle_timeout)} (idle timeout)`);
    if (f.endedBy === "cancelled") return fail("cancelled", "cancelled");
  }
  if (f.result) return describeResult(f, f.result, cfg);
  if (f.signal || f.exitCode !== 0) return fail("exit_error", exitDescription(f));
  const skipped = f.tooLongLines > 0 ? `; ${f.tooLongLines} stream line(s) over the line cap were skipped as too long` : "";
  return fail("no_result", `ended without a result line (exit 0)${skipped}`);
}

/** The full outcome: verdict plus what the result line reported. */
export function buildOutcome(f: RunFacts, cfg: ClaudeConfig): RunOutcome {
  const verdict = describeFailure(f, cfg);
  const r = f.result;
  return {
    ...verdict,
    ...(verdict.kind === "usage_limit" ? { limit: usageLimitOf(f) } : {}),
    summary: r?.result != null ? cut(r.result.trim(), SUMMARY_MAX_CHARS) : null,
    session_id: r?.session_id ?? f.initSessionId,
    // A resumed session's total_cost_usd includes the runs before it; this run's own cost is what adds up.
    cost_usd: (f.resumed ? (r?.run_cost_usd ?? r?.total_cost_usd) : r?.total_cost_usd) ?? null,
    tokens: r?.usage ?? null,
    num_turns: r?.num_turns ?? null,
    duration_ms: Math.max(0, Math.round(f.durationMs)),
    exit_code: f.exitCode,
    signal: f.signal,
    permission_denials: r?.permission_denials ?? [],
  };
}
