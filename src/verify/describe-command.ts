import type { VerificationFailureKind, VerifyCommandResult } from "./verification.js";

/** Which way a command ended; "ok" is an exit 0. */
export type CommandEnd = "ok" | Exclude<VerificationFailureKind, "missing">;

/** How `r` ended, read from its fields (so it works for a result from an in-memory twin too). */
export function commandEnd(r: VerifyCommandResult): CommandEnd {
  if (r.cancelled ?? r.error === "cancelled") return "cancelled";
  if (r.timed_out) return "timeout";
  if (r.exit_code !== null) return r.exit_code === 0 ? "ok" : "exit";
  if (r.signal !== null) return "signal";
  return "not_run";
}

/**
 * What went wrong, as a verb phrase after the command: "exited 3", "timed out after 600 s",
 * "was killed by SIGSEGV", "could not run: not found: npx-typo", "was cancelled". "" for an exit 0.
 */
export function commandProblem(r: VerifyCommandResult): string {
  switch (commandEnd(r)) {
    case "ok":
      return "";
    case "exit":
      return `exited ${r.exit_code}`;
    case "signal":
      return `was killed by ${r.signal}`;
    case "timeout":
      return r.error ?? "timed out";
    case "cancelled":
      return "was cancelled";
    case "not_run":
      return `could not run: ${r.error ?? "it did not start"}`;
  }
}

/** Seconds for a message: 600 -> "600 s", 0.5 -> "0.5 s", 0.25 -> "0.25 s". */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(seconds < 1 ? 2 : 1))} s`;
}

/** A duration for people: 3 -> "3 s", 2.34 -> "2.3 s", 12.4 -> "12 s", 125 -> "2 min 5 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const rest = total % 60;
  return `${Math.floor(total / 60)} min${rest === 0 ? "" : ` ${rest} s`}`;
}

/** "deliverable missing: dist/app.js", "deliverables missing: a, ../b (is outside the project folder /p)". */
export function missingSummary(missing: readonly { path: string; reason: string }[]): string {
  const items = missing.map((m) => (m.reason === "does not exist" ? m.path : `${m.path} (${m.reason})`));
  return `${missing.length === 1 ? "deliverable" : "deliverables"} missing: ${items.join(", ")}`;
}
