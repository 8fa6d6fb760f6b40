import type { VerificationReport } from "../core/events.js";
import type { Verifier, VerifyRequest } from "../orchestrator/verifier.js";
import { buildChildEnv } from "../runner/child-env.js";
import { killProcessesWithEnv, RUN_MARKER_ENV, STATE_MARKER_ENV } from "../runner/kill-run-leftovers.js";
import { settleWithin } from "../util/settle-within.js";
import { runVerification } from "./run-verification.js";
import type { VerificationResult } from "./verification.js";
import { describeVerification, verificationFeedback } from "./verification-feedback.js";

export interface CommandVerifierOptions {
  /** cwd of every command (claude.project_dir). */
  projectDir: string;
  /** Base environment of the commands (normally process.env); scrubbed like Claude's (buildChildEnv). */
  env: NodeJS.ProcessEnv;
  /** Secret variable names kept from the commands (config.secret_env_names). */
  dropEnv: string[];
  /** Per command, seconds (orchestrator.verify_timeout). */
  timeoutS: number;
  /** Seconds between SIGTERM and SIGKILL of a command's group (claude.kill_grace). */
  killGraceS: number;
  /** The state file's mark (STATE_MARKER_ENV), so a restart after a crash finds the commands; null for none. */
  stateMarker?: string | null;
}

/** How long the sweep for processes that left a command's group may take. */
const LEFTOVER_SWEEP_MS = 1000;

/** The record the state keeps, from a result. */
export function toReport(result: VerificationResult): VerificationReport {
  return {
    record: {
      passed: result.passed,
      commands: result.commands.map(({ command, exit_code, duration_s, log }) => ({ command, exit_code, duration_s, log })),
      missing: result.missing,
      failure: result.failure,
      summary: describeVerification(result),
      log_error: result.log_error ?? null,
    },
    cancelled: result.cancelled,
    feedback: result.passed || result.cancelled ? "" : verificationFeedback(result),
    fixable: result.failure_kind !== "not_run",
  };
}

/**
 * The Verifier that runs real commands (runVerification), with the environment rules of the
 * runner: our secrets dropped, the state's and the task's markers added. Once the commands are
 * done, whatever carries the task's run marker is ended too: a process a command started in a
 * session of its own (setsid, a test's detached server) is out of reach of the group kill.
 * Claude's run for the task has ended by then, so nothing of its own carries the marker.
 */
export class CommandVerifier implements Verifier {
  readonly #opts: CommandVerifierOptions;

  constructor(opts: CommandVerifierOptions) {
    this.#opts = opts;
  }

  async verify(request: VerifyRequest): Promise<VerificationReport> {
    const o = this.#opts;
    const env = buildChildEnv(o.env, o.dropEnv);
    if (o.stateMarker) env[STATE_MARKER_ENV] = o.stateMarker;
    if (request.runMarker) env[RUN_MARKER_ENV] = request.runMarker;
    const result = await runVerification({
      commands: request.commands,
      deliverables: request.deliverables,
      projectDir: o.projectDir,
      logFile: request.logFile,
      timeoutMs: o.timeoutS * 1000,
      killGraceMs: o.killGraceS * 1000,
      env,
      signal: request.signal,
    });
    if (request.runMarker && request.commands.length > 0) {
      await settleWithin(killProcessesWithEnv(RUN_MARKER_ENV, request.runMarker), LEFTOVER_SWEEP_MS);
    }
    return toReport(result);
  }
}
