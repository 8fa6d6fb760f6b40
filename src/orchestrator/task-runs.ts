import path from "node:path";
import type { Logger } from "pino";
import { buildPrompt, CONTINUE_PROMPT } from "../core/build-prompt.js";
import type { Effect } from "../core/effects.js";
import type { Report } from "../core/events.js";
import type { Progress, RunOutcome } from "../core/run-outcome.js";
import type { SessionState } from "../core/state.js";
import type { Runner } from "../runner/runner.js";
import { endProcessGroup } from "./end-process-group.js";

export interface TaskRunsOptions {
  runner: Runner;
  logsDir: string;
  bootId: string | null;
  logger: Logger;
  /** Where runner results go: back into the orchestrator's queue as reports. */
  report: (report: Report) => void;
  killOrphan?: (pgid: number) => Promise<void>;
}

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
        const kill = (this.options.killOrphan ?? ((pgid) => endProcessGroup(pgid, 5000)))(effect.pgid)
          .then(() => this.#log.warn({ pgid: effect.pgid }, "ended a process group left over from before the restart"))
          .catch((error: unknown) => this.#log.error({ err: error, pgid: effect.pgid }, "could not end an orphaned process group"))
          .finally(() => this.#orphanKills.delete(kill));
        this.#orphanKills.add(kill);
        return;
      }
      case "notify":
        return; // subscribers deliver notifications
    }
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
          onSpawn: ({ pid, pgid }) =>
            this.options.report({ type: "task_spawned", index, attempt, pid, pgid, boot_id: this.options.bootId, output_log: logFile }),
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
        this.options.report({ type: "task_finished", index, attempt, outcome, output_log: logFile });
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
