import { stat } from "node:fs/promises";
import path from "node:path";
import { toArgv } from "../config/split-command.js";
import { checkDeliverables } from "./check-deliverables.js";
import { commandEnd, commandProblem, missingSummary } from "./describe-command.js";
import { OutputTail } from "./output-tail.js";
import { runCommand, type CommandRun } from "./run-command.js";
import type { VerificationFailureKind, VerificationResult, VerifyCommandResult } from "./verification.js";
import { VerifyLog } from "./verify-log.js";

export interface VerificationRequest {
  /**
   * Run in order, each split into argv with toArgv (never a shell). A command with shell syntax
   * (`a && b`, `$HOME`, `>`) or bad quoting is refused, never run, and fails verification.
   */
  commands: string[];
  /** Paths relative to projectDir that must exist; one outside it counts as missing. */
  deliverables: string[];
  /** cwd of every command. */
  projectDir: string;
  /** Absolute; every command's output is appended here (the folder is created). */
  logFile: string;
  /** Per command (orchestrator.verify_timeout, default 600 s); not positive: no limit. */
  timeoutMs: number;
  /** SIGTERM to the whole process group, then SIGKILL after this. */
  killGraceMs: number;
  /** The commands' complete environment (the caller removes secrets, adds the run markers). */
  env: Record<string, string>;
  /** Abort: the running command's group is ended now (SIGTERM, SIGKILL after the grace); the result is cancelled. */
  signal?: AbortSignal;
}

/** One command's outcome with what became of its output. */
function toResult(command: string, run: CommandRun, log: VerifyLog): VerifyCommandResult {
  const { exit_code, signal, duration_s, timed_out, cancelled, error } = run;
  return { command, exit_code, signal, duration_s, timed_out, cancelled, log: log.writable ? log.file : null, error };
}

/** A command that never started (not splittable, no project folder). */
function notRun(error: string): CommandRun {
  return { exit_code: null, signal: null, duration_s: 0, timed_out: false, cancelled: false, error, tail: new OutputTail() };
}

/** The log's closing line for a command: "[exit 1 after 2.3 s]", "[timed out after 600 s; SIGKILL after 600.5 s]". */
function footer(r: VerifyCommandResult): string {
  const after = `after ${r.duration_s.toFixed(1)} s`;
  const by = r.signal !== null ? `; ended by ${r.signal} ${after}` : ` ${after}`;
  switch (commandEnd(r)) {
    case "ok":
    case "exit":
      return `[exit ${r.exit_code} ${after}]`;
    case "signal":
      return `[killed by ${r.signal} ${after}]`;
    case "timeout":
      return `[${r.error}${by}]`;
    case "cancelled":
      return `[cancelled${by}]`;
    case "not_run":
      return `[not run: ${r.error}]`;
  }
}

/** "npm test exited 3: boom", "npm test timed out after 600 s", "verification cancelled during npm test". */
function commandFailure(r: VerifyCommandResult, lastLine: string): string {
  const end = commandEnd(r);
  if (end === "cancelled") return `verification cancelled during ${r.command}`;
  const text = `${r.command} ${commandProblem(r)}`;
  return (end === "exit" || end === "signal") && lastLine !== "" ? `${text}: ${lastLine}` : text;
}

/**
 * Runs the Verify commands one after the other in the project folder, stopping at the first
 * that fails, then checks the deliverables (always, even with no commands or after a failure).
 * Never rejects: every failure, ours included, is in the result. When it resolves, no process
 * of the commands' groups is left.
 */
export async function runVerification(req: VerificationRequest): Promise<VerificationResult> {
  try {
    return await verify(req);
  } catch (err) {
    // A bug of ours or an I/O error nobody expected: still a result, never a rejection.
    const failure = `verification could not run: ${(err as Error)?.message ?? String(err)}`;
    return { passed: false, cancelled: false, commands: [], missing: [], failure, failure_kind: "not_run", output_tail: "" };
  }
}

async function verify(req: VerificationRequest): Promise<VerificationResult> {
  const projectDir = path.resolve(req.projectDir);
  const commands: VerifyCommandResult[] = [];
  let failed: { result: VerifyCommandResult; run: CommandRun } | null = null;
  let cancelled = req.signal?.aborted === true;
  let logError: string | null = null;

  if (req.commands.length > 0 && !cancelled) {
    const log = await VerifyLog.open(req.logFile);
    const isDir = await stat(projectDir).then((s) => s.isDirectory(), () => false);
    try {
      for (const command of req.commands) {
        if (req.signal?.aborted) {
          cancelled = true; // between two commands: the next one is not started
          break;
        }
        log.note(`$ ${command}`);
        const run = isDir ? await runSplit(command, projectDir, req, log) : notRun(`the project folder ${projectDir} does not exist or is not a folder`);
        const result = toResult(command, run, log);
        log.note(footer(result));
        commands.push(result);
        if (commandEnd(result) !== "ok") {
          failed = { result, run };
          cancelled = run.cancelled;
          break;
        }
      }
    } finally {
      await log.close();
      logError = log.error;
    }
  }

  const missing = await checkDeliverables(projectDir, req.deliverables);
  let failure: string | null = null;
  let failureKind: VerificationFailureKind | null = null;
  if (cancelled) {
    failure = failed ? commandFailure(failed.result, "") : "verification cancelled";
    failureKind = "cancelled";
  } else if (failed) {
    failure = commandFailure(failed.result, failed.run.tail.lastLine());
    failureKind = commandEnd(failed.result) as VerificationFailureKind;
  } else if (missing.length > 0) {
    failure = missingSummary(missing);
    failureKind = "missing";
  }
  return {
    passed: failure === null,
    cancelled,
    commands,
    missing: missing.map((m) => m.path),
    missing_reasons: Object.fromEntries(missing.map((m) => [m.path, m.reason])),
    deliverables: [...new Set(req.deliverables)],
    failure,
    failure_kind: failureKind,
    output_tail: failed ? failed.run.tail.text() : "",
    log_error: logError,
  };
}

/** Splits `command` (a refusal is the command's failure, it never runs) and runs it. */
async function runSplit(command: string, projectDir: string, req: VerificationRequest, log: VerifyLog): Promise<CommandRun> {
  let argv: string[];
  try {
    argv = toArgv(command);
  } catch (err) {
    return notRun((err as Error).message);
  }
  if (argv.length === 0) return notRun("the command is empty");
  const { env, timeoutMs, killGraceMs, signal } = req;
  return runCommand(argv, { projectDir, env, timeoutMs, killGraceMs, signal, log });
}
