import type { Config } from "../config/config.js";
import { claudeFoundCheck, claudeLoginCheck, claudeVersionCheck } from "./check-claude.js";
import { configResult } from "./check-config.js";
import { diskCheck } from "./check-disk.js";
import { n8nCheck } from "./check-n8n.js";
import { portCheck } from "./check-port.js";
import { projectDirCheck } from "./check-project-dir.js";
import { stateCheck } from "./check-state.js";
import { telegramCheck } from "./check-telegram.js";
import { DEFAULT_TIMEOUTS, MIN_FREE_LOG_BYTES, skip, type CheckResult, type DoctorCheck, type DoctorContext, type DoctorTimeouts } from "./doctor-check.js";
import { runDoctor } from "./run-doctor.js";

/** Every check of `orchestrator doctor`, in the order the lines are printed (after the config line). */
export const ALL_CHECKS: readonly DoctorCheck[] = [
  claudeFoundCheck,
  claudeVersionCheck,
  claudeLoginCheck,
  projectDirCheck,
  telegramCheck,
  n8nCheck,
  portCheck,
  diskCheck,
  stateCheck,
];

/**
 * What serve checks at start: local and fast (no network, no child but one `git rev-parse`, no
 * tiny run), so the banner costs a few ms. The port is left out: serve finds out by listening.
 */
export const FAST_CHECKS: readonly DoctorCheck[] = [claudeFoundCheck, projectDirCheck, diskCheck, stateCheck];

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  offline?: boolean;
  timeouts?: Partial<DoctorTimeouts>;
  minFreeBytes?: number;
}

/**
 * The config line, then every check's; with a config that does not load, the config line and
 * one "skipped" line (the others need it). Never rejects.
 */
export async function doctor(loaded: { config: Config } | { error: unknown }, checks: readonly DoctorCheck[], opts: DoctorOptions): Promise<CheckResult[]> {
  const first = configResult(loaded);
  if ("error" in loaded) return [first, skip("checks", "the other checks: skipped (they need a valid config)")];
  const ctx: DoctorContext = {
    config: loaded.config,
    env: opts.env,
    offline: opts.offline ?? false,
    timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
    minFreeBytes: opts.minFreeBytes ?? MIN_FREE_LOG_BYTES,
  };
  return [first, ...(await runDoctor(ctx, checks))];
}

/** Passes when nothing failed (warnings and skips pass). */
export const allPass = (results: readonly CheckResult[]): boolean => results.every((r) => r.status !== "fail");
