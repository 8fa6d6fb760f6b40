import { rm } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import type { CheckResult, DoctorCheck } from "../../src/doctor/doctor-check.js";
import { doctor, type DoctorOptions } from "../../src/doctor/doctor-checks.js";
import { FAKE_CLAUDE, REPO, tempDir } from "../support/run-orchestrator-bin.js";

export const NOT_LOGGED_IN_CLAUDE = path.join(REPO, "test/fixtures/doctor/not-logged-in-claude.mjs");

/** A temp folder per test, removed by cleanup(). */
export function tempDirs() {
  const made: string[] = [];
  return {
    make: async (prefix = "orch-doctor-") => {
      const dir = await tempDir(prefix);
      made.push(dir);
      return dir;
    },
    cleanup: () => Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true }))),
  };
}

/** The environment of a check: PATH and HOME of ours (node for the fakes' shebang), the fake claude, then `extra`. */
export function envWith(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, CLAUDE_CLI_PATH: FAKE_CLAUDE, ...extra };
}

/** Loads the config of `dir` (its config.yaml if any) with `env`, then runs `checks`. */
export async function runChecks(dir: string, checks: readonly DoctorCheck[], env: NodeJS.ProcessEnv, opts: Partial<DoctorOptions> = {}): Promise<CheckResult[]> {
  const config = await loadConfig({ cwd: dir, env });
  return (await doctor({ config }, checks, { env, ...opts })).slice(1); // without the config line
}

export const byId = (results: CheckResult[], id: string): CheckResult => {
  const found = results.find((r) => r.id === id);
  if (!found) throw new Error(`no result ${id} in ${JSON.stringify(results)}`);
  return found;
};
