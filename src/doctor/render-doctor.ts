import type { CheckResult, CheckStatus } from "./doctor-check.js";

/** ✓ ok, ⚠ warn, ✗ fail, - skip: one line per result, the fix after the finding. */
const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "⚠", fail: "✗", skip: "-" };

export function doctorLine(r: CheckResult): string {
  return `${MARK[r.status]} ${r.message}${r.fix ? ` → fix: ${r.fix}` : ""}`;
}

/** The lines `orchestrator doctor` prints, and its last line: the tally. */
export function renderDoctor(results: readonly CheckResult[]): string[] {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const failed = count("fail");
  const tally = `${count("ok")} ok, ${count("warn")} warning(s), ${failed} failed, ${count("skip")} skipped`;
  return [...results.map(doctorLine), failed === 0 ? `All checks pass (${tally}).` : `Not ready: ${tally}.`];
}

/** --json: {ok, checks: [{id, status, message, fix}]}. */
export function doctorJson(results: readonly CheckResult[]): { ok: boolean; checks: CheckResult[] } {
  return { ok: results.every((r) => r.status !== "fail"), checks: [...results] };
}

/**
 * serve's banner lines for its start-up check: one "⚠️ setup:" line per warning or failure (the
 * service starts anyway: the line names the fix), then one summary line.
 */
export function setupBannerLines(results: readonly CheckResult[]): string[] {
  const bad = results.filter((r) => r.status === "warn" || r.status === "fail");
  const lines = bad.map((r) => `⚠️ setup: ${r.message} → fix: ${r.fix ?? "see orchestrator doctor"}`);
  const checked = results.filter((r) => r.status !== "skip").length;
  lines.push(`setup: ${checked - bad.length} of ${checked} start-up checks pass (config, claude CLI, project_dir, git, disk, state); orchestrator doctor checks the login, Telegram, n8n and the port too`);
  return lines;
}
