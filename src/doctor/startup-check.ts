import type { Config } from "../config/config.js";
import { doctor, FAST_CHECKS } from "./doctor-checks.js";
import { setupBannerLines } from "./render-doctor.js";

/**
 * serve's start-up check: doctor's fast subset (config, claude found, project_dir and git, disk,
 * state) as banner lines. Never rejects (a check that throws is a line) and is bounded (5 s a
 * check), so it can never keep the service from starting.
 */
export async function startupCheckLines(config: Config, env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    return setupBannerLines(await doctor({ config }, FAST_CHECKS, { env, offline: true }));
  } catch (error) {
    return [`⚠️ setup: the start-up check failed (${(error as Error).message}) → fix: run orchestrator doctor`];
  }
}
