import type { VerificationReport } from "../core/events.js";

/** One check of a task after Claude's run: its Verify commands, then its deliverables. */
export interface VerifyRequest {
  commands: string[];
  deliverables: string[];
  /** `<logs>/<session>/task-<id>-verify.log`: every command's output, appended. */
  logFile: string;
  /** The task's run marker: the commands carry it, so a restart after a crash ends them too. */
  runMarker: string | null;
  /** Aborted by /cancel, /skip or a shutdown: the running command's whole group is ended. */
  signal: AbortSignal;
}

/**
 * The edge that runs a task's checks (src/verify/command-verifier.ts runs real commands; tests may
 * use a scripted one). verify() never rejects: every failure is in the report.
 */
export interface Verifier {
  verify(request: VerifyRequest): Promise<VerificationReport>;
}
