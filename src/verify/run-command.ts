import type { Readable } from "node:stream";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { killProcessGroup } from "../runner/kill-process-group.js";
import { settleWithin } from "../util/settle-within.js";
import { formatSeconds } from "./describe-command.js";
import { OutputTail } from "./output-tail.js";
import type { VerifyLog } from "./verify-log.js";

export interface CommandContext {
  /** cwd of the command; the caller has checked it is a folder. */
  projectDir: string;
  /** The command's whole environment (nothing of ours is added). */
  env: Record<string, string>;
  /** Per command; not positive or not finite: no limit. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL to the group, on timeout or abort. */
  killGraceMs: number;
  signal?: AbortSignal;
  log: VerifyLog;
}

/** How one command ended. `log` is left to the caller, which knows whether the log held up. */
export interface CommandRun {
  exit_code: number | null;
  signal: string | null;
  duration_s: number;
  timed_out: boolean;
  cancelled: boolean;
  error: string | null;
  tail: OutputTail;
}

/** After the command exits, how long stdout/stderr may stay open (a process that left the group can hold them). */
const STREAM_CLOSE_WAIT_MS = 1000;
/** setTimeout's largest delay; a longer timeout re-arms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Resolves when the stream has closed, or destroys it after `ms`. */
function closeWithin(stream: Readable, ms: number): Promise<void> {
  if (stream.closed || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => (stream.destroy(), resolve()), ms);
    stream.once("close", () => (clearTimeout(timer), resolve()));
  });
}

/** Calls onDue after `ms` of monotonic time (longer than setTimeout allows: re-armed). Returns a stop function. */
function after(ms: number, onDue: () => void): () => void {
  if (!Number.isFinite(ms) || ms <= 0) return () => {};
  const due = performance.now() + ms;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = due - performance.now();
    if (left <= 0) return onDue();
    timer = setTimeout(arm, Math.min(MAX_TIMER_MS, Math.max(1, left))); // a timer may fire a little early: re-armed
  };
  arm();
  return () => clearTimeout(timer);
}

/** Why a spawn failed, in a few words: "not found: npx-typo". */
function spawnProblem(file: string, code: string | undefined, message: string | undefined): string {
  if (code === "ENOENT") return `not found: ${file}`;
  if (code === "EACCES") return `not executable: ${file} (permission denied)`;
  return `could not start ${file}: ${code ?? message ?? "unknown error"}`;
}

const roundTenth = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Runs one command (argv, never a shell) as the leader of its own process group, streaming
 * stdout and stderr, interleaved as they arrive, to the log and into a bounded tail. A timeout
 * or an abort sends SIGTERM to the whole group and SIGKILL after the grace; once the leader
 * has exited, whatever is left in its group (a backgrounded grandchild) gets SIGKILL, so
 * nothing of the command stays running. Never rejects.
 */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<CommandRun> {
  const tail = new OutputTail();
  const [file, ...args] = argv as [string, ...string[]];
  if (ctx.signal?.aborted) {
    return { exit_code: null, signal: null, duration_s: 0, timed_out: false, cancelled: true, error: "cancelled", tail };
  }
  const started = performance.now();
  const child = execa(file, args, {
    cwd: ctx.projectDir,
    env: ctx.env,
    extendEnv: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    detached: true, // own process group: pgid = pid, so one kill(-pgid) reaches grandchildren
    forceKillAfterDelay: false, // we escalate ourselves, on the whole group
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pgid = child.pid;
  if (pgid === undefined) {
    // Spawn failed (ENOENT, EACCES, ...): execa resolves with the error (reject: false).
    const res = (await child) as { code?: string; message?: string };
    const duration_s = roundTenth(performance.now() - started);
    return { exit_code: null, signal: null, duration_s, timed_out: false, cancelled: false, error: spawnProblem(file, res.code, res.message), tail };
  }

  let endedBy: "timeout" | "cancelled" | null = null;
  let hasExited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const end = (why: "timeout" | "cancelled") => {
    if (endedBy !== null || hasExited) return; // the first reason wins
    endedBy = why;
    killProcessGroup(pgid, "SIGTERM");
    killTimer = setTimeout(() => killProcessGroup(pgid, "SIGKILL"), Math.max(0, ctx.killGraceMs));
  };
  const stopTimeout = after(ctx.timeoutMs, () => end("timeout"));
  const onAbort = () => end("cancelled");
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  if (ctx.signal?.aborted) onAbort(); // aborted while the spawn was being prepared

  // Both pipes into the log in arrival order; while the file lags, both pause (backpressure).
  const sources = [child.stdout, child.stderr];
  let waiting = false;
  const onData = (chunk: Buffer) => {
    tail.push(chunk);
    const drained = ctx.log.write(chunk);
    if (drained === null || waiting) return;
    waiting = true;
    sources.forEach((s) => s.pause());
    void drained.then(() => {
      waiting = false;
      sources.forEach((s) => s.resume());
    });
  };
  sources.forEach((s) => s.on("data", onData));

  let code: number | null;
  let signal: string | null;
  try {
    ({ code, signal } = await exited);
  } finally {
    hasExited = true;
    stopTimeout();
    clearTimeout(killTimer);
    ctx.signal?.removeEventListener("abort", onAbort);
    killProcessGroup(pgid, "SIGKILL"); // what the command left in its group ends with it
    await Promise.all(sources.map((s) => closeWithin(s, STREAM_CLOSE_WAIT_MS)));
    await settleWithin(child, STREAM_CLOSE_WAIT_MS);
  }
  const duration_s = roundTenth(performance.now() - started);
  const ended = endedBy as "timeout" | "cancelled" | null;
  if (ended === "timeout") {
    const error = `timed out after ${formatSeconds(ctx.timeoutMs / 1000)}`;
    return { exit_code: null, signal, duration_s, timed_out: true, cancelled: false, error, tail };
  }
  if (ended === "cancelled") {
    return { exit_code: null, signal, duration_s, timed_out: false, cancelled: true, error: "cancelled", tail };
  }
  return { exit_code: signal === null ? code : null, signal, duration_s, timed_out: false, cancelled: false, error: null, tail };
}
