import type { ClaudeConfig } from "../config/config.js";
import type { OutcomeKind, RunOutcome } from "../core/run-outcome.js";
import type { ResultLine } from "./parse-stream-line.js";

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

/** The last non-empty line of a text, trimmed and cut short: the line that usually says why. */
export function lastLine(text: string | null): string | null {
  if (!text) return null;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const last = lines[lines.length - 1];
  if (!last) return null;
  return last.length > DETAIL_MAX_CHARS ? `${last.slice(0, DETAIL_MAX_CHARS - 1)}…` : last;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
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
  if (r.subtype.startsWith("error")) {
    return fail("error_subtype", `Claude reported an error (${r.subtype}): ${resultErrorText(r)}`);
  }
  if (r.is_error) return fail("error_result", `Claude reported an error: ${resultErrorText(r)}`);
  // is_error false: success if the child exited 0, or if we ended it after the result
  // (it lingered past result_grace, or a cancel/timeout came after the work was done).
  if (f.exitCode === 0 || (f.endedBy !== null && f.endedAfterResult)) return { ok: true, kind: "success", reason: null };
  return fail("exit_error", `${exitDescription(f)} (after a successful result line)`);
}

/** The kind and reason; ok only for a successful result. */
export function describeFailure(f: RunFacts, cfg: ClaudeConfig): Verdict {
  if (f.missingCwd) return fail("not_found", `project directory not found: '${f.missingCwd}' (set claude.project_dir)`);
  if (f.spawnError) {
    const tried = `(tried '${f.file}')`;
    if (f.spawnError.code === "ENOENT") return fail("not_found", `claude not found: set CLAUDE_CLI_PATH or claude.command ${tried}`);
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
    summary: r?.result != null ? cut(r.result.trim(), SUMMARY_MAX_CHARS) : null,
    session_id: r?.session_id ?? f.initSessionId,
    cost_usd: r?.total_cost_usd ?? null,
    tokens: r?.usage ?? null,
    num_turns: r?.num_turns ?? null,
    duration_ms: Math.max(0, Math.round(f.durationMs)),
    exit_code: f.exitCode,
    signal: f.signal,
    permission_denials: r?.permission_denials ?? [],
  };
}
