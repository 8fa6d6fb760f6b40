import path from "node:path";
import type { Logger } from "pino";
import { buildPrompt, CONTINUE_PROMPT } from "../core/build-prompt.js";
import type { Effect } from "../core/effects.js";
import type { Report } from "../core/events.js";
import type { Progress, RunOutcome } from "../core/run-outcome.js";
import type { SessionState } from "../core/state.js";
import type { Runner } from "../runner/runner.js";
import type { LogHealth } from "../logging/log-health.js";
import { endRunLeftovers, type LeftoversEnded, type RunLeftovers } from "./end-run-leftovers.js";

export interface TaskRunsOptions {
  runner: Runner;
  logsDir: string;
  bootId: string | null;
  logger: Logger;
  /** Where runner results go: back into the orchestrator's queue as reports. */
  report: (report: Report) => void;
  /** Told when a task's output log cannot be opened or is cut short, and when one is written in full. */
  logHealth?: LogHealth;
  /**
   * Ends what a run left running before a restart (default endRunLeftovers: SIGTERM, SIGKILL after
   * orphanGraceMs). A result of void means "not known", logged as done.
   */
  killOrphan?: (orphan: RunLeftovers) => Promise<LeftoversEnded | void>;
  /** How long orphans found at restart get between SIGTERM and SIGKILL (meant: claude.kill_grace; default 5000, its default). */
  orphanGraceMs?: number;
  /** The state file's mark (STATE_MARKER_ENV) the runner gives every run: leftovers carrying it are ended at recovery. */
  stateMarker?: string | null;
}

const DEFAULT_ORPHAN_GRACE_MS = 5000;

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
  /** Latest progress not yet reported; at most one report is queued per run (bounded memory). */
  pendingProgress: Progress | null;
}

/** Carries out the machine's process effects: runs Claude for a task, cancels it, ends orphans. */
export class TaskRuns {
  readonly #runs = new Map<string, ActiveRun>();
  readonly #orphanKills = new Set<Promise<void>>();
  readonly #log: Logger;

  constructor(readonly options: TaskRunsOptions) {
    this.#log = options.logger.child({ module: "task-runs" });
  }

  get size(): number {
    return this.#runs.size;
  }

  perform(effect: Effect, state: SessionState): void {
    switch (effect.type) {
      case "run_task":
        this.#start(effect, state);
        return;
      case "cancel_task":
        for (const [key, run] of this.#runs) if (key.startsWith(`${effect.index}:${effect.attempt}:`)) run.controller.abort();
        return;
      case "kill_orphan": {
        const target: RunLeftovers = { pgid: effect.pgid, run_marker: effect.run_marker, state_marker: this.options.stateMarker ?? null };
        const kill = (this.options.killOrphan ?? ((t) => endRunLeftovers(t, this.options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS)))(target)
          .then((r) => this.#logOrphans(target, r))
          .catch((error: unknown) => this.#log.error({ err: error, ...target }, "could not end what a run left running before the restart"))
          // Tried, whatever the outcome: the state forgets the record (a retry to come gets a new one).
          .finally(() => {
            this.#orphanKills.delete(kill);
            this.options.report({ type: "orphans_ended", index: effect.index, run_marker: effect.run_marker });
          });
        this.#orphanKills.add(kill);
        return;
      }
      case "notify":
        return; // subscribers deliver notifications
    }
  }

  /** Says so only when something was actually ended: an already-gone group is a debug line. */
  #logOrphans(target: RunLeftovers, r: LeftoversEnded | void): void {
    if (!r) return this.#log.warn(target, "ended what a run left running before the restart");
    if (r.ended.length === 0) return this.#log.debug(target, "what the interrupted run started was already gone");
    const how = r.forced ? "SIGKILL after it ignored SIGTERM" : "SIGTERM";
    this.#log.warn({ ...target, pids: r.ended }, `ended ${r.ended.length} process(es) left running by the interrupted run before the restart (${how})`);
    if (r.survivors.length > 0) this.#log.error({ ...target, pids: r.survivors }, `${r.survivors.length} process(es) of the interrupted run survived SIGKILL; end them by hand (kill -9 ${r.survivors.join(" ")})`);
  }

  cancelAll(): void {
    for (const run of this.#runs.values()) run.controller.abort();
  }

  /** Resolves when every orphan kill started so far has finished. */
  async orphansEnded(): Promise<void> {
    await Promise.all([...this.#orphanKills]);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#runs.values()].map((r) => r.done));
    await Promise.all([...this.#orphanKills]);
  }

  /** `<logsDir>/<session>/task-<id>-output.log`, with the id made safe for a file name. */
  logFileFor(sessionId: string, taskId: number | string): string {
    const safe = String(taskId).replace(/[^A-Za-z0-9._-]/g, "_");
    return path.join(this.options.logsDir, sessionId.replace(/[^A-Za-z0-9._-]/g, "_"), `task-${safe}-output.log`);
  }

  #start(effect: Extract<Effect, { type: "run_task" }>, state: SessionState): void {
    const { index, attempt, task } = effect;
    const key = `${index}:${attempt}:${effect.continuation}`;
    const logFile = this.logFileFor(effect.session_id, task.id);
    const resume = effect.resume_session_id;
    // Resuming a Claude session: it already holds the task, so the feedback (or "continue") is the prompt.
    const prompt = resume ? (effect.feedback ?? CONTINUE_PROMPT) : buildPrompt(task, effect.feedback);
    const controller = new AbortController();
    const run: ActiveRun = { controller, done: Promise.resolve(), pendingProgress: null };
    this.#log.debug({ task: task.id, attempt, logFile, resume: resume ?? undefined, session: state.session_id }, `starting claude for task ${task.id}`);
    run.done = this.options.runner
      .run(
        { prompt, logFile, resumeSessionId: resume, signal: controller.signal },
        {
          onSpawn: ({ pid, pgid, run_marker, log_error }) => {
            // A log that could not be opened is said at once, and its path is never recorded.
            if (log_error) this.options.logHealth?.fail("task_output", log_error);
            this.options.report({ type: "task_spawned", index, attempt, pid, pgid, boot_id: this.options.bootId, run_marker: run_marker ?? null, output_log: log_error ? null : logFile });
          },
          onProgress: (progress) => {
            const queued = run.pendingProgress !== null;
            run.pendingProgress = progress;
            if (queued) return;
            queueMicrotask(() => {
              const latest = run.pendingProgress;
              run.pendingProgress = null;
              if (latest) this.options.report({ type: "task_progress", index, attempt, progress: latest });
            });
          },
        },
      )
      .catch((error: unknown): RunOutcome => failedOutcome(error))
      .then((outcome) => {
        this.#runs.delete(key);
        const log = outcome.output_log;
        if (log?.error) this.options.logHealth?.fail("task_output", log.error);
        else if (log?.created) this.options.logHealth?.ok("task_output");
        // null: nothing of this run reached the file (it could not be opened, or the run never started).
        this.options.report({ type: "task_finished", index, attempt, outcome, output_log: log?.created === false ? null : logFile });
      });
    this.#runs.set(key, run);
  }
}

/** The runner promises never to reject; if it does anyway, the task fails with the error's words. */
function failedOutcome(error: unknown): RunOutcome {
  return {
    ok: false,
    kind: "exit_error",
    reason: `the runner failed: ${(error as Error)?.message ?? String(error)}`,
    summary: null,
    session_id: null,
    cost_usd: null,
    tokens: null,
    num_turns: null,
    duration_ms: 0,
    exit_code: null,
    signal: null,
    permission_denials: [],
  };
}
