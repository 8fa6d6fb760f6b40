import type { Config } from "../../config/config.js";
import type { DoctorTimeouts } from "../../doctor/doctor-check.js";
import { allPass, ALL_CHECKS, doctor } from "../../doctor/doctor-checks.js";
import { doctorJson, renderDoctor } from "../../doctor/render-doctor.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";

/**
 * `orchestrator doctor [--offline] [--json]`: every check of a setup, one line each (✓, ⚠ or ✗
 * with the fix). Exit 0 when none failed (warnings pass), else 1. A config that does not load is
 * a ✗ line with the loader's message, not a crash.
 */
export async function doctorCommand(
  { io, config }: CommandContext,
  opts: { offline: boolean; json: boolean; timeouts?: Partial<DoctorTimeouts>; minFreeBytes?: number },
): Promise<number> {
  let loaded: { config: Config } | { error: unknown };
  try {
    loaded = { config: await config() };
  } catch (error) {
    loaded = { error };
  }
  const results = await doctor(loaded, ALL_CHECKS, { env: io.env, offline: opts.offline, timeouts: opts.timeouts, minFreeBytes: opts.minFreeBytes });
  if (opts.json) println(io.stdout, JSON.stringify(doctorJson(results), null, 2));
  else for (const line of renderDoctor(results)) println(io.stdout, line);
  return allPass(results) ? EXIT.ok : EXIT.taskFailed;
}
