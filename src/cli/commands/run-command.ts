import path from "node:path";
import { createInterface } from "node:readline/promises";
import { openApp, type App } from "../../app/open-app.js";
import { systemClock } from "../../core/clock.js";
import { taskHeadline } from "../../core/describe.js";
import { sessionIdFor } from "../../core/session-id.js";
import type { Orchestrator } from "../../orchestrator/orchestrator.js";
import { formatStatus } from "../../render/format-status.js";
import { loadTaskFile } from "../../tasks/load-task-file.js";
import { EXIT, println, type CliIo } from "../cli-io.js";
import type { CommandContext } from "../run-cli.js";
import { reportProgress } from "./report-progress.js";

/**
 * `orchestrator run <file> [--yes] [--new]`: runs a task file in the foreground. A run of the file
 * the state already holds resumes that session; a different file while a session is unfinished is
 * refused. Exit: 0 all completed or skipped, 1 a task failed, 2 bad input, 3 waiting or paused.
 */
export async function runCommand({ args, io, config: loadConfig }: CommandContext): Promise<number> {
  const file = args.positionals[0];
  if (!file) {
    println(io.stderr, "orchestrator run: which task file? Usage: orchestrator run <file> [--yes]");
    return EXIT.badInput;
  }
  const config = await loadConfig();
  const tasks = await loadTaskFile(path.resolve(io.cwd, file)); // TaskFileError -> exit 2 with every issue
  const taskFile = path.resolve(io.cwd, file);
  const app = await openApp(config, { env: io.env });
  const stopSignals = onInterrupt(() => void app.close().then(() => process.exit(EXIT.interrupted)));
  try {
    const o = app.orchestrator;
    const stopReporting = reportProgress(o, app.logger.child({ module: "run" }));
    const first = await begin(o, taskFile, tasks, args.new, io);
    if (first !== null) return first;
    const code = await drive(o, app, args.yes, io);
    stopReporting();
    println(io.stdout, formatStatus(o.state, systemClock.now()));
    return code;
  } finally {
    stopSignals();
    await app.close();
  }
}

/** Starts or resumes the session. Returns an exit code when there is nothing to run. */
async function begin(o: Orchestrator, taskFile: string, tasks: Awaited<ReturnType<typeof loadTaskFile>>, fresh: boolean, io: CliIo): Promise<number | null> {
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
  const reply = await o.dispatch({ type: "start", task_file: taskFile, tasks, session_id: sessionIdFor(systemClock.now()) });
  if (!reply.ok) {
    println(io.stderr, `orchestrator run: ${reply.message}`);
    return EXIT.badInput;
  }
  return null;
}

/** Runs until the session completes, fails or needs a person who is not there. */
async function drive(o: Orchestrator, app: App, yes: boolean, io: CliIo): Promise<number> {
  const log = app.logger.child({ module: "run" });
  for (;;) {
    const s = await o.waitFor((state) => state.status !== "running");
    const headline = s.tasks.length > 0 ? taskHeadline(s, s.current_task_index) : "";
    if (s.status === "completed") return EXIT.ok;
    if (s.status === "paused") {
      log.warn(`Paused at ${headline}. Run again to resume.`);
      return EXIT.waitingForApproval;
    }
    if (s.status === "waiting_approval") {
      if (yes) {
        await o.dispatch({ type: "approve" });
        continue;
      }
      const answer = await ask(io, `${headline} waits for approval (${s.waiting_reason}). Run it? [y]es / [s]kip / [q]uit: `);
      if (answer === null) {
        log.warn(`${headline} waits for approval: ${s.waiting_reason}. State saved; run again with --yes, or in a terminal, to continue.`);
        return EXIT.waitingForApproval;
      }
      if (answer.startsWith("y")) await o.dispatch({ type: "approve" });
      else if (answer.startsWith("s")) await o.dispatch({ type: "skip" });
      else return EXIT.waitingForApproval;
      continue;
    }
    if (s.status === "task_failed") {
      const task = s.tasks[s.current_task_index];
      const answer = await ask(io, `${headline} failed: ${task?.error}. [r]etry / [s]kip / [q]uit: `);
      if (answer === null) {
        log.error(`${headline} failed: ${task?.error}. Log: ${task?.output_log ?? "none"}`);
        return EXIT.taskFailed;
      }
      if (answer.startsWith("r")) await o.dispatch({ type: "retry" });
      else if (answer.startsWith("s")) await o.dispatch({ type: "skip" });
      else return EXIT.taskFailed;
      continue;
    }
    if (s.status === "idle") return EXIT.ok;
  }
}

/** Asks on the terminal; null when there is no terminal to ask (CI, cron, a pipe). */
async function ask(io: CliIo, question: string): Promise<string | null> {
  if (!io.stdin.isTTY) return null;
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return (await rl.question(question)).trim().toLowerCase();
  } finally {
    rl.close();
  }
}

function onInterrupt(handler: () => void): () => void {
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
