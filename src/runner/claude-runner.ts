import { mkdir, stat } from "node:fs/promises";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import type { ClaudeConfig } from "../config/config.js";
import type { Progress, RunOutcome } from "../core/run-outcome.js";
import type { Runner, RunChannel, RunHooks, RunRequest } from "./runner.js";
import { buildClaudeArgs } from "./build-claude-args.js";
import { buildChildEnv } from "./child-env.js";
import { LineSplitter } from "./line-splitter.js";
import { parseStreamLine, type ResultLine } from "./parse-stream-line.js";
import { buildOutcome, initialFacts, type EndedBy, type RunFacts } from "./describe-failure.js";
import { killProcessGroup } from "./kill-process-group.js";
import { killProcessesWithEnv, newRunMarker, RUN_MARKER_ENV, STATE_MARKER_ENV } from "./kill-run-leftovers.js";
import { resolveClaudeCommand } from "./resolve-claude-command.js";
import { settleWithin } from "../util/settle-within.js";
import { openFailed, withOutputLog, writeFailed, type OutputLogFacts } from "./output-log-report.js";

export interface ClaudeRunnerOptions {
  /** Base environment of the child (normally process.env); scrubbed by buildChildEnv. */
  env: NodeJS.ProcessEnv;
  /** Secret variable names to keep from the child (config.secret_env_names). */
  dropEnv: string[];
  /** Wall clock for duration_ms (default Date.now). Watchdogs use a monotonic clock. */
  now?: () => number;
  /**
   * The fallback when claude.command is the bare default `claude` and none is on PATH
   * (default: this project's node_modules/.bin/claude); null for none.
   */
  projectClaude?: string | null;
  /** The state file's mark (STATE_MARKER_ENV), carried by every run so a restart can find leftovers; null for none. */
  stateMarker?: string | null;
  /** The zone a usage limit's "resets 3pm" is read in when the CLI names none (default the process's own). */
  timeZone?: string;
}

/** rate_limit_event lines kept for the outcome: the last ones say what the limit was. */
const RATE_LIMITS_KEPT = 8;

/** Bytes of stderr kept for the reason and the log: the last ones, they say why. */
const STDERR_TAIL_BYTES = 64 * 1024;
/** After the final SIGKILL, how long stdout/stderr may stay open (a grandchild that left our group can hold them). */
const STREAM_CLOSE_WAIT_MS = 1000;
/** setTimeout's largest delay; longer deadlines re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

const mono = () => performance.now();

/**
 * Calls onDue once the monotonic time reaches due() (re-read on each firing, so an idle
 * deadline can move forward). A non-positive or non-finite number of seconds means "off".
 * Returns a stop function.
 */
function deadline(seconds: number, due: () => number, onDue: () => void): () => void {
  if (!Number.isFinite(seconds) || seconds <= 0) return () => {};
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => (mono() >= due() ? onDue() : arm()), Math.min(MAX_TIMER_MS, Math.max(1, due() - mono())));
  };
  arm();
  return () => clearTimeout(timer);
}

/** Resolves when the stream has closed, or destroys it after `ms`. */
function closeWithin(stream: Readable, ms: number): Promise<void> {
  if (stream.closed || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => (stream.destroy(), resolve()), ms);
    stream.once("close", () => (clearTimeout(timer), resolve()));
  });
}

/** A hook that throws (the caller's bug) must not break the run or leave a process behind. */
// prettier-ignore
const callHook = (fn: () => void): void => { try { fn(); } catch { /* ignored */ } };

/**
 * Opens the task's output log for appending, waiting until it is really open (a read-only folder
 * fails here, not silently later). On failure: no log and why; no log is better than no run,
 * and the outcome says what became of the log (output_log, stderr_tail).
 */
async function openLog(file: string): Promise<{ log: WriteStream | null; error: string | null }> {
  try {
    // A recursive mkdir on a read-only folder says ENOENT; the plain one says why (EROFS, EACCES).
    await mkdir(path.dirname(file), { recursive: true }).catch(() => mkdir(path.dirname(file)));
    const log = createWriteStream(file, { flags: "a" });
    log.on("error", () => {}); // e.g. disk full later: log.writable turns false, the run goes on
    await new Promise<void>((resolve, reject) => {
      log.once("error", reject);
      log.once("open", () => (log.off("error", reject), resolve()));
    });
    return { log, error: null };
  } catch (error) {
    return { log: null, error: openFailed(error) };
  }
}

/** Runs `claude -p` as its own process group, one task attempt per run(). */
export class ClaudeRunner implements Runner {
  readonly #cfg: ClaudeConfig;
  readonly #opts: ClaudeRunnerOptions;
  readonly #now: () => number;

  constructor(cfg: ClaudeConfig, opts: ClaudeRunnerOptions) {
    this.#cfg = cfg;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  #stateMarkerEnv(): Record<string, string> {
    return this.#opts.stateMarker ? { [STATE_MARKER_ENV]: this.#opts.stateMarker } : {};
  }

  async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const startedAt = this.#now();
    const facts = initialFacts(this.#cfg.command[0] ?? "");
    facts.resumed = Boolean(request.resumeSessionId);
    const logFacts: OutputLogFacts = { opened: false, error: null };
    try {
      const resolved = await resolveClaudeCommand(this.#cfg.command, { env: this.#opts.env, projectClaude: this.#opts.projectClaude });
      const { file, args } = buildClaudeArgs({ ...this.#cfg, command: resolved.command }, { resumeSessionId: request.resumeSessionId, allowRules: request.allowRules, maxBudgetUsd: request.maxBudgetUsd, readOnly: request.readOnly });
      facts.file = file;
      await this.#attempt(file, args, request, hooks, facts, logFacts);
    } catch (err) {
      // A bug or an I/O error of ours: still an outcome, never a rejection.
      facts.spawnError ??= { code: "ERUNNER", message: `runner error: ${(err as Error)?.message ?? String(err)}` };
    }
    const endedAtMs = this.#now();
    return withOutputLog(buildOutcome({ ...facts, durationMs: endedAtMs - startedAt, endedAtMs, timeZone: this.#opts.timeZone }, this.#cfg), logFacts, facts.stderrTail, request.logFile);
  }

  async #attempt(file: string, args: string[], req: RunRequest, hooks: RunHooks, facts: RunFacts, logFacts: OutputLogFacts): Promise<void> {
    const cfg = this.#cfg;
    if (req.signal?.aborted) {
      facts.endedBy = "cancelled";
      return;
    }
    const isDir = await stat(cfg.project_dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) {
      facts.missingCwd = cfg.project_dir;
      return;
    }

    const { log, error: logOpenError } = await openLog(req.logFile);
    logFacts.opened = log !== null;
    logFacts.error = logOpenError;
    // The first failed write (full disk) cuts the log short: the outcome says where.
    log?.on("error", (error) => (logFacts.error ??= writeFailed(log.bytesWritten, error)));
    // Every descendant inherits the marker, so what the run leaves outside its group can be found.
    const marker = newRunMarker();
    // The permission channel: the prompt is a stream-json user message and stdin stays open for
    // the answers until the result line (closing it early refuses every pending request). A
    // read-only run (planning) never has it: nothing it may do needs asking, and it has no task to ask for.
    const channelled = (cfg.permissions ?? "preapproved") === "ask" && !req.readOnly;
    const child = execa(file, args, {
      cwd: cfg.project_dir,
      env: { ...buildChildEnv(this.#opts.env, this.#opts.dropEnv), ...this.#stateMarkerEnv(), [RUN_MARKER_ENV]: marker },
      extendEnv: false,
      ...(channelled ? { stdin: "pipe" as const } : { input: req.prompt }),
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
      const res = await child;
      facts.spawnError = { code: (res as { code?: string }).code ?? null, message: res.message ?? "spawn failed" };
      log?.end();
      return;
    }
    // Requests waiting for a person, and the time spent waiting: the watchdogs do not count it.
    const pending = new Set<string>();
    // Told messages not yet echoed back (taken): while any is, a result may be followed by another turn.
    const untaken: string[] = [];
    let stdinCloser: NodeJS.Timeout | undefined;
    let waitStart: number | null = null;
    let waitedMs = 0;
    const stdin = channelled ? child.stdin : null;
    stdin?.on("error", () => {}); // the child gone: writes fail, send() says so
    const send = (message: object): boolean => {
      if (!stdin || stdin.destroyed || stdin.writableEnded) return false;
      stdin.write(`${JSON.stringify(message)}\n`);
      return true;
    };
    const closeStdin = () => {
      if (stdin && !stdin.destroyed && !stdin.writableEnded) stdin.end();
    };
    const settle = (requestId: string) => {
      if (!pending.delete(requestId) || pending.size > 0 || waitStart === null) return;
      waitedMs += mono() - waitStart;
      waitStart = null;
      lastActivity = mono();
    };
    const channel: RunChannel | undefined = stdin
      ? {
          respond: (requestId, response) => {
            const sent = send({ type: "control_response", response: { subtype: "success", request_id: requestId, response } });
            settle(requestId);
            return sent;
          },
          tell: (text) => {
            const sent = send({ type: "user", message: { role: "user", content: text } });
            if (sent) untaken.push(text);
            return sent;
          },
        }
      : undefined;
    send({ type: "user", message: { role: "user", content: req.prompt } });
    callHook(() => hooks.onSpawn?.({ pid: pgid, pgid, run_marker: marker, log_error: logFacts.error, channel }));

    let lastActivity = mono();
    let result: ResultLine | null = null;
    let hasExited = false;
    const stops: Array<() => void> = [];
    let killTimer: NodeJS.Timeout | undefined;

    // Ending = SIGTERM to the group now, SIGKILL after kill_grace. The first reason wins.
    const end = (why: EndedBy) => {
      if (facts.endedBy || hasExited) return;
      facts.endedBy = why;
      facts.endedAfterResult = result !== null;
      stops.forEach((stop) => stop());
      killProcessGroup(pgid, "SIGTERM");
      killTimer = setTimeout(() => killProcessGroup(pgid, "SIGKILL"), Math.max(0, cfg.kill_grace) * 1000);
    };

    const emit = (p: Progress) => callHook(() => hooks.onProgress?.(p));
    const splitter = new LineSplitter((line) => {
      const ev = parseStreamLine(line);
      if (ev.type === "init") {
        facts.initSessionId = ev.session_id;
        emit(ev.progress);
      } else if (ev.type === "assistant") {
        clearTimeout(stdinCloser); // another turn after a result: it goes on (its own result closes stdin)
        ev.progress.forEach(emit);
      } else if (ev.type === "permission_request") {
        if (pending.size === 0) waitStart = mono();
        pending.add(ev.ask.request_id);
        callHook(() => hooks.onPermissionRequest?.(ev.ask, facts.initSessionId ?? null));
      } else if (ev.type === "permission_cancelled") {
        settle(ev.request_id);
        callHook(() => hooks.onPermissionCancelled?.(ev.request_id));
      } else if (ev.type === "rate_limit") {
        facts.rateLimits = [...(facts.rateLimits ?? []), ev.info].slice(-RATE_LIMITS_KEPT);
        callHook(() => hooks.onRateLimit?.(ev.info));
      } else if (ev.type === "user_echo") {
        const i = untaken.indexOf(ev.text);
        if (i >= 0) untaken.splice(i, 1);
      } else if (ev.type === "result") {
        const first = result === null;
        result = facts.result = ev.result;
        const armGrace = () => {
          closeStdin(); // the run is over: nothing more to answer or tell
          if (facts.endedBy || hasExited) return;
          const at = mono() + cfg.result_grace * 1000;
          stops.push(deadline(cfg.result_grace, () => at, () => end("result_grace")));
        };
        clearTimeout(stdinCloser);
        // A /tell Claude has not taken yet starts another turn after this result: stdin stays open
        // for it (result_grace at most, then as usual), so the told text and its tool calls are not lost.
        if (untaken.length > 0 && !facts.endedBy && !hasExited) stdinCloser = setTimeout(armGrace, Math.max(0, cfg.result_grace) * 1000);
        else if (first || stdin) armGrace();
      } else if (ev.type === "malformed") {
        facts.lastMalformedLine = line.slice(0, 1000);
      }
    });

    // stdout: to the log (with backpressure) and through the parser; nothing accumulates.
    let waitingDrain = false;
    const resume = () => {
      waitingDrain = false;
      lastActivity = mono(); // a slow disk is not an idle child
      child.stdout.resume();
    };
    log?.on("error", () => waitingDrain && resume()); // a failed log must not stall stdout
    let endsWithNewline = true;
    child.stdout.on("data", (chunk: Buffer) => {
      lastActivity = mono();
      endsWithNewline = chunk[chunk.length - 1] === 0x0a;
      splitter.push(chunk);
      if (log?.writable && !log.write(chunk) && !waitingDrain) {
        waitingDrain = true;
        child.stdout.pause();
        log.once("drain", resume);
      }
    });
    let stderrTail = Buffer.alloc(0);
    let stderrDropped = false;
    child.stderr.on("data", (chunk: Buffer) => {
      lastActivity = mono();
      stderrTail = Buffer.concat([stderrTail, Buffer.from(chunk)]);
      if (stderrTail.length > STDERR_TAIL_BYTES) {
        stderrTail = Buffer.from(stderrTail.subarray(stderrTail.length - STDERR_TAIL_BYTES));
        stderrDropped = true;
      }
    });

    const started = mono();
    // Waiting for a person is neither work nor silence: both limits move on while a request is pending.
    const waited = () => waitedMs + (waitStart === null ? 0 : mono() - waitStart);
    // While waiting, look again in a second (a deadline set far away would not come back when the answer does).
    const farAway = () => mono() + 1000;
    stops.push(deadline(cfg.timeout, () => (waitStart !== null ? farAway() : started + cfg.timeout * 1000 + waited()), () => end("timeout")));
    stops.push(deadline(cfg.idle_timeout, () => (waitStart !== null ? farAway() : lastActivity + cfg.idle_timeout * 1000), () => end("idle_timeout")));
    const onAbort = () => end("cancelled");
    req.signal?.addEventListener("abort", onAbort, { once: true });
    if (req.signal?.aborted) onAbort(); // aborted while we were preparing the spawn

    try {
      ({ code: facts.exitCode, signal: facts.signal } = await exited);
    } finally {
      hasExited = true;
      clearTimeout(stdinCloser);
      closeStdin();
      stops.forEach((stop) => stop());
      clearTimeout(killTimer);
      req.signal?.removeEventListener("abort", onAbort);
      // Always: whatever the child left in its group dies with it, and so does what it left
      // outside (Claude Code runs each Bash command in a session of its own).
      killProcessGroup(pgid, "SIGKILL");
      await settleWithin(killProcessesWithEnv(RUN_MARKER_ENV, marker), STREAM_CLOSE_WAIT_MS);
      await Promise.all([closeWithin(child.stdout, STREAM_CLOSE_WAIT_MS), closeWithin(child.stderr, STREAM_CLOSE_WAIT_MS)]);
      await settleWithin(child, STREAM_CLOSE_WAIT_MS);
      splitter.end();
      facts.tooLongLines = splitter.tooLongCount;
      facts.stderrTail = stderrTail.toString("utf8");
      if (log) await this.#closeLog(log, endsWithNewline, facts.stderrTail, stderrDropped, splitter.tooLongCount);
    }
  }

  /** Appends the stderr tail ("[stderr] " lines) and notes, then closes the log. */
  async #closeLog(log: WriteStream, newline: boolean, stderr: string, dropped: boolean, tooLong: number): Promise<void> {
    if (log.writable) {
      const lines = stderr.split(/\r?\n/).filter((l) => l !== "");
      if (dropped) lines.unshift(`(only the last ${STDERR_TAIL_BYTES / 1024} KB of stderr kept)`);
      let text = lines.map((l) => `[stderr] ${l}\n`).join("");
      if (tooLong > 0) text += `[runner] ${tooLong} stream line(s) over the line cap were not parsed (too long)\n`;
      if (text) log.write(newline ? text : `\n${text}`); // a cut-off last stream line stays on its own line
    }
    // finished() settles after 'error' too, so a last write that failed (a full disk) is in logFacts.
    log.end();
    await settleWithin(finished(log), 5000);
  }
}
