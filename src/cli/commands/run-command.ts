import path from "node:path";
import { createInterface } from "node:readline/promises";
import { openApp, type App } from "../../app/open-app.js";
import { systemClock } from "../../core/clock.js";
import { progressOf, taskHeadline } from "../../core/describe.js";
import { sessionIdFor } from "../../core/session-id.js";
import { startSession } from "../../orchestrator/start-session.js";
import { answerPermissionsInline } from "./answer-permissions-inline.js";
import type { Orchestrator } from "../../orchestrator/orchestrator.js";
import { formatStatus } from "../../render/format-status.js";
import { loadTaskSet, type TaskSet } from "../../tasks/load-task-file.js";
import type { Command } from "../../core/events.js";
import type { SessionState } from "../../core/state.js";
import { checkStatePath } from "../check-state-path.js";
import { EXIT, println, type CliIo } from "../cli-io.js";
import { watchStopSignals, type StopSignals } from "../stop-signals.js";
import type { CommandContext } from "../command-context.js";
import { reportProgress } from "./report-progress.js";

/**
 * `orchestrator run <file> [--yes] [--new]`: runs a task file in the foreground. A run of the file
 * the state already holds resumes that session; a different file while a session is unfinished is
 * refused. Exit: 0 all completed or skipped, 1 a task failed (or a command could not be saved),
 * 2 bad input, 3 waiting or paused, 130 interrupted (SIGINT, SIGTERM, Ctrl-C at a prompt).
 */
export async function runCommand({ io, config: loadConfig }: CommandContext, file: string, args: { yes: boolean; fresh: boolean }): Promise<number> {
  const config = await loadConfig();
  const tasks = await loadTaskSet(path.resolve(io.cwd, file)); // TaskFileError -> exit 2 with every issue
  const taskFile = path.resolve(io.cwd, file);
  await checkStatePath(config.paths.state_file); // a directory or FIFO: StatePathError -> exit 2
  // Log lines go to the CLI's own stdout (as serve's do), "logs are not being written" to its stderr.
  const app = await openApp(config, { env: io.env, console: io.stdout, problemStream: io.stderr });
  const log = app.logger.child({ module: "run" });
  const stopping = onStopSignal(app, log, io);
  const stop = watchStopSignals(stopping.handle);
  try {
    const o = app.orchestrator;
    const stopReporting = reportProgress(o, log);
    // Claude's permission requests: asked here in a terminal, denied (saying why) without one.
    const stopAnswering = answerPermissionsInline(o, io, log, (q) => ask(io, q, stop));
    const first = await begin(o, taskFile, tasks, args.fresh, io, app.config.git.branch);
    const code = stop.signal.aborted ? EXIT.interrupted : first ?? (await drive(o, app, args.yes, io, stop));
    stopReporting();
    stopAnswering();
    if (code !== EXIT.interrupted) {
      println(io.stdout, formatStatus(o.state, systemClock.now()));
      return code;
    }
    // Reported after the wind-down: by then the running task is ended and saved as interrupted.
    // One line, not the status's list of every task (10,000 of them in a big file).
    await windDown(app);
    const s = o.state;
    const at = s.tasks.length > 0 && s.status !== "completed" ? ` at ${taskHeadline(s, s.current_task_index)} (${s.tasks[s.current_task_index]?.status})` : "";
    println(io.stdout, `Stopped by ${stop.received ?? "an interrupt"}${at}. Progress: ${progressOf(s).text}. Run 'orchestrator run ${file}' again to resume (it asks before re-running an interrupted task).`);
    return EXIT.interrupted;
  } finally {
    await windDown(app);
    stop.dispose();
    stopping.disarm();
  }
}

/**
 * Ends the session's runs and closes the app. Orchestrator.shutdown() ends the runs in flight,
 * but a result it applies meanwhile (a task that had just finished) can start the next task, and
 * that run would go on after we exit, past the released lock (seen with a 10,000-task file
 * stopped between two tasks). So shut down again until no run is left; a few rounds at most,
 * since an ended run leaves the session waiting, which starts nothing.
 */
async function windDown(app: App): Promise<void> {
  for (let round = 0; round < 5 && (round === 0 || app.orchestrator.activeRuns > 0); round++) await app.orchestrator.shutdown();
  await app.close();
}

/** Margin past claude.kill_grace for saving and releasing the lock before the backstop exit. */
const STOP_MARGIN_MS = 3000;

/**
 * The first signal starts the wind-down (drive() sees the abort; windDown() ends the task) and
 * arms a backstop: should that stall (a bug, a hung disk), the process still exits 130 at
 * kill_grace + 3 s, and the next run recovers (a task that was running is marked interrupted).
 * The backstop is unref'd (a clean wind-down exits before it) and disarm() drops it once the
 * command is done, so an in-process caller is never exited under its feet. Later signals only answer.
 */
function onStopSignal(app: App, log: App["logger"], io: CliIo): { handle: (name: NodeJS.Signals, first: boolean) => void; disarm(): void } {
  let deadline = 0;
  let backstop: NodeJS.Timeout | undefined;
  const handle = (name: NodeJS.Signals, first: boolean) => {
    const limitMs = app.config.claude.kill_grace * 1000 + STOP_MARGIN_MS;
    if (!first) {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      log.warn({ signal: name }, `received ${name} again: already stopping, at most ${left} s more.`);
      return;
    }
    deadline = Date.now() + limitMs;
    const running = app.orchestrator.activeRuns > 0;
    log.warn(
      { signal: name },
      running
        ? `received ${name}: stopping. The running task is ended (SIGTERM, SIGKILL after ${app.config.claude.kill_grace} s) and saved as interrupted; then exit 130.`
        : `received ${name}: stopping; no new task starts, then exit 130.`,
    );
    backstop = setTimeout(() => {
      println(io.stderr, `orchestrator run: could not stop cleanly within ${limitMs / 1000} s of ${name}; exiting anyway. The next run recovers: a task that was running is marked interrupted.`);
      process.exit(EXIT.interrupted);
    }, limitMs).unref();
  };
  return { handle, disarm: () => clearTimeout(backstop) };
}

/** Starts or resumes the session. Returns an exit code when there is nothing to run. */
async function begin(o: Orchestrator, taskFile: string, set: TaskSet, fresh: boolean, io: CliIo, branch: string | null): Promise<number | null> {
  const s = o.state;
  const same = s.task_file !== null && path.resolve(s.task_file) === taskFile;
  if (same && s.status === "completed" && !fresh) {
    println(io.stdout, `${taskFile} was already completed in session ${s.session_id}. Pass --new to run it again.`);
    return EXIT.ok;
  }
  if (same && s.status !== "completed" && s.status !== "idle") {
    println(io.stdout, `Resuming session ${s.session_id} at ${taskHeadline(s, s.current_task_index)} (${s.status}).`);
    if (s.status === "paused") await o.dispatch({ type: "resume" });
    return null;
  }
  if (s.status !== "idle" && s.status !== "completed") {
    println(io.stderr, `orchestrator run: the state file holds an unfinished session for ${s.task_file} (${s.status}). Finish it with 'orchestrator run ${s.task_file}', or use --state <file> for a separate session.`);
    return EXIT.badInput;
  }
  const reply = await startSession(o, { type: "start", task_file: taskFile, tasks: set.tasks, max_cost_usd: set.max_cost_usd, session_id: sessionIdFor(systemClock.now()) }, branch);
  if (!reply.ok) {
    println(io.stderr, `orchestrator run: ${reply.message}`);
    return EXIT.badInput;
  }
  return null;
}

/**
 * Runs until the session completes, fails, needs a person who is not there, or a stop signal
 * comes. Every turn of the loop waits for something (a transition, a person, the signal) or ends
 * it: a refused command ends the run with its reason instead of being sent again, so a refusal
 * that repeats (shutting down, a full disk) can never spin here.
 */
async function drive(o: Orchestrator, app: App, yes: boolean, io: CliIo, stop: StopSignals): Promise<number> {
  const log = app.logger.child({ module: "run" });
  for (;;) {
    const s = await settled(o, stop.signal);
    if (s === null) return EXIT.interrupted;
    const headline = s.tasks.length > 0 ? taskHeadline(s, s.current_task_index) : "";
    if (s.status === "completed") return EXIT.ok;
    if (s.status === "paused") {
      log.warn(`Paused at ${headline}. Run again to resume.`);
      return EXIT.waitingForApproval;
    }
    if (s.status === "waiting_approval") {
      if (yes) {
        const reply = await o.dispatch({ type: "approve", by: "orchestrator run --yes" });
        if (stop.signal.aborted) return EXIT.interrupted;
        if (!reply.ok) {
          println(io.stderr, `orchestrator run: could not approve ${headline}: ${reply.message} The session still waits at this checkpoint; fix that and run again with --yes.`);
          return EXIT.taskFailed;
        }
        continue;
      }
      const answer = (await ask(io, `${headline} waits for approval (${s.waiting_reason}). Run it? [y]es / [s]kip / [q]uit: `, stop))?.toLowerCase() ?? null;
      if (stop.signal.aborted) return EXIT.interrupted;
      if (answer === null) {
        log.warn(`${headline} waits for approval: ${s.waiting_reason}. State saved; run again with --yes, or in a terminal, to continue.`);
        return EXIT.waitingForApproval;
      }
      if (answer.startsWith("y")) await command(o, { type: "approve", by: "orchestrator run" }, io);
      else if (answer.startsWith("s")) await command(o, { type: "skip", by: "orchestrator run" }, io);
      else return EXIT.waitingForApproval;
      if (stop.signal.aborted) return EXIT.interrupted;
      continue;
    }
    if (s.status === "task_failed") {
      const task = s.tasks[s.current_task_index];
      const answer = (await ask(io, `${headline} failed: ${task?.error}. [r]etry / [s]kip / [q]uit: `, stop))?.toLowerCase() ?? null;
      if (stop.signal.aborted) return EXIT.interrupted;
      if (answer === null) {
        log.error(`${headline} failed: ${task?.error}. Log: ${task?.output_log ?? "none"}`);
        return EXIT.taskFailed;
      }
      if (answer.startsWith("r")) await command(o, { type: "retry", by: "orchestrator run" }, io);
      else if (answer.startsWith("s")) await command(o, { type: "skip", by: "orchestrator run" }, io);
      else return EXIT.taskFailed;
      if (stop.signal.aborted) return EXIT.interrupted;
      continue;
    }
    if (s.status === "idle") return EXIT.ok;
  }
}

/** A person's answer at the prompt. A refusal is shown; the loop then asks again (at a person's pace). */
async function command(o: Orchestrator, c: Command, io: CliIo): Promise<void> {
  const reply = await o.dispatch(c);
  if (!reply.ok) println(io.stderr, `orchestrator run: ${c.type} was refused: ${reply.message}`);
}

/** Running, or waiting for a usage limit to reset (it goes on by itself): nothing for the loop to do. */
function stillGoing(s: SessionState): boolean {
  return s.status === "running" || s.status === "waiting_limit";
}

/** The state once it is not running; null as soon as a stop signal comes (or came). */
function settled(o: Orchestrator, signal: AbortSignal): Promise<SessionState | null> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(null);
    // waiting_limit goes on by itself (the orchestrator's limit timer): like running, wait for it.
    if (!stillGoing(o.state)) return resolve(o.state);
    const done = (value: SessionState | null) => {
      off();
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => done(null);
    const off = o.subscribe((c) => {
      if (!stillGoing(c.state)) done(c.state);
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Asks on the terminal; null when there is no terminal to ask (CI, cron, a pipe), when the
 * terminal closes (Ctrl-D), or when a stop signal comes. Ctrl-C at the prompt reaches readline
 * as a key (the terminal is in raw mode), not as SIGINT: it is turned into the same stop.
 */
async function ask(io: CliIo, question: string, stop: StopSignals): Promise<string | null> {
  if (!io.stdin.isTTY || stop.signal.aborted) return null;
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  rl.on("SIGINT", () => stop.trigger("SIGINT"));
  try {
    // As typed (a question's answer or a note for Claude keeps its case); choices compare lowercased.
    return (await rl.question(question, { signal: stop.signal })).trim();
  } catch (error) {
    if ((error as Error).name === "AbortError") return null; // stopped, or Ctrl-D
    throw error;
  } finally {
    rl.close();
  }
}
