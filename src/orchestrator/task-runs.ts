import path from "node:path";
import type { Logger } from "pino";
import { buildPrompt, CONTINUE_PROMPT } from "../core/build-prompt.js";
import type { Effect } from "../core/effects.js";
import type { AttemptChanges, Report, VerificationReport } from "../core/events.js";
import type { Progress, RunOutcome } from "../core/run-outcome.js";
import type { SessionState } from "../core/state.js";
import type { Runner, RunChannel } from "../runner/runner.js";
import type { LogHealth } from "../logging/log-health.js";
import type { WorkTree } from "../git/work-tree.js";
import { endRunLeftovers, type LeftoversEnded, type RunLeftovers } from "./end-run-leftovers.js";
import type { Verifier } from "./verifier.js";
import { WorkTreeSteps } from "./work-tree-steps.js";
import type { Planner } from "../plan/planner.js";
import { unlink } from "node:fs/promises";

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
  /** The git work tree of claude.project_dir (snapshots around runs, commits, rollback); null: git is off. */
  workTree?: WorkTree | null;
  /** Runs the checks of verify_task (default: none, and a verify_task fails saying so). */
  verifier?: Verifier | null;
  /** Drafts task files from daily logs (run_plan); absent: a plan fails saying planning is not set up. */
  planner?: Planner | null;
  /**
   * The lessons for a fresh task prompt (orchestrator.learnings_file's end), read for every run
   * that starts a new Claude session (a --resume run's session has them already); null: none.
   * A rejection is logged and the task runs without them. Absent: no lessons.
   */
  learnings?: () => Promise<string | null>;
}

const DEFAULT_ORPHAN_GRACE_MS = 5000;

interface ActiveRun {
  controller: AbortController;
  /** The way into the running Claude (claude.permissions: ask), once it is spawned. */
  channel?: RunChannel;
  done: Promise<void>;
  /** Latest progress not yet reported; at most one report is queued per run (bounded memory). */
  pendingProgress: Progress | null;
}

/** Carries out the machine's process effects: runs Claude for a task, cancels it, ends orphans. */
export class TaskRuns {
  readonly #runs = new Map<string, ActiveRun>();
  readonly #orphanKills = new Set<Promise<void>>();
  /** Commits, rollbacks and plan file removals under way (not cancellable: a half-made commit or restore is worse); shutdown waits for them. */
  readonly #steps = new Set<Promise<void>>();
  readonly #log: Logger;
  readonly #tree: WorkTreeSteps | null;

  constructor(readonly options: TaskRunsOptions) {
    this.#log = options.logger.child({ module: "task-runs" });
    this.#tree = options.workTree ? new WorkTreeSteps(options.workTree, this.#log) : null;
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
      case "verify_task":
        this.#verify(effect);
        return;
      case "respond_permission":
      case "tell_task": {
        const run = this.#claudeRunOf(effect.index, effect.attempt);
        const sent = run?.channel ? (effect.type === "respond_permission" ? run.channel.respond(effect.request_id, effect.response) : run.channel.tell(effect.text)) : false;
        // Not sent: the run has ended (its pending requests expire with it), or it has no channel.
        if (!sent) this.#log.warn({ task_index: effect.index, attempt: effect.attempt, effect: effect.type }, "the task's Claude is no longer running; nothing was sent");
        // A deny that stops the task: the CLI ends its run itself; one that does not is ended
        // after kill_grace (then SIGTERM to its group, SIGKILL after kill_grace), so Stop never hangs.
        if (run && effect.type === "respond_permission" && effect.response.behavior === "deny" && effect.response.interrupt) {
          // kill_grace alone: the real CLI ends a run it was told to stop within milliseconds.
          const grace = this.options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
          const timer = setTimeout(() => {
            if (!run.controller.signal.aborted && [...this.#runs.values()].includes(run)) {
              this.#log.warn({ task_index: effect.index }, `claude did not stop within ${grace / 1000} s of being told to; ending it`);
              run.controller.abort();
            }
          }, grace);
          void run.done.finally(() => clearTimeout(timer));
        }
        return;
      }
      case "commit_task":
        this.#step(async () => {
          const r = await this.#requireTree().commit(effect.message, effect.trailers);
          this.options.report({ type: "task_committed", index: effect.index, attempt: effect.attempt, commit: r.commit, error: r.error });
        });
        return;
      case "rollback_tree":
        this.#step(async () => {
          const task = state.tasks[effect.index];
          const r = await this.#requireTree().rollback(effect, state.session_id ?? "session", task?.id ?? effect.index + 1);
          this.options.report({ type: "rollback_done", index: effect.index, ...r });
        });
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
      case "run_plan":
        this.#plan(effect);
        return;
      case "cancel_plan":
        for (const [key, run] of this.#runs) if (key.startsWith(`plan:${effect.plan_id}:`)) run.controller.abort();
        return;
      case "remove_plan_file":
        // A discarded plan's file: a failure leaves it (said in the log), which loses nothing.
        this.#step(() => unlink(effect.file).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.#log.warn({ err: error, file: effect.file }, "could not remove the discarded plan's task file; remove it by hand");
        }));
        return;
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
    await Promise.all([...this.#steps]);
  }

  /** The work tree steps; a git effect without a work tree is a wiring bug, reported as the step's failure. */
  #requireTree(): WorkTreeSteps {
    if (!this.#tree) throw new Error("git is off (no work tree), yet a git step was asked for");
    return this.#tree;
  }

  /** Runs a step shutdown must wait for (a commit, a rollback, a file removal); a throw becomes a log line (the step's own report says what failed). */
  #step(step: () => Promise<void>): void {
    const p = step()
      .catch((error: unknown) => this.#log.error({ err: error }, "a step failed unexpectedly"))
      .finally(() => this.#steps.delete(p));
    this.#steps.add(p);
  }

  /** The Claude run (not a verification) of a task attempt in flight, the newest when several keys match. */
  #claudeRunOf(index: number, attempt: number): ActiveRun | null {
    let found: ActiveRun | null = null;
    for (const [key, run] of this.#runs) if (key.startsWith(`${index}:${attempt}:`) && !key.includes(":verify:")) found = run;
    return found;
  }

  /** `<logsDir>/<session>/task-<id>-verify.log`. */
  verifyLogFor(sessionId: string, taskId: number | string): string {
    return this.logFileFor(sessionId, taskId).replace(/-output\.log$/, "-verify.log");
  }

  #verify(effect: Extract<Effect, { type: "verify_task" }>): void {
    const { index, attempt, round, task } = effect;
    const key = `${index}:${attempt}:verify:${round}`;
    const controller = new AbortController();
    const run: ActiveRun = { controller, done: Promise.resolve(), pendingProgress: null };
    const verifier = this.options.verifier;
    const request = { commands: effect.commands, deliverables: effect.deliverables, logFile: this.verifyLogFor(effect.session_id, task.id), runMarker: task.run_marker, signal: controller.signal };
    run.done = (verifier ? verifier.verify(request) : Promise.reject(new Error("no verifier is configured")))
      .catch((error: unknown) => unverifiable(error))
      .then((verification) => {
        this.#runs.delete(key);
        // A verify log that could not be kept whole is said like a task log's (once, loudly).
        const logError = verification.record.log_error ?? null;
        if (logError) this.options.logHealth?.fail("task_output", logError);
        else if (effect.commands.length > 0) this.options.logHealth?.ok("task_output");
        this.options.report({ type: "task_verified", index, attempt, verification });
      });
    this.#runs.set(key, run);
  }

  /** A planning run: one at a time like a task's (the machine sees to it), cancelled with the rest at shutdown. */
  #plan(effect: Extract<Effect, { type: "run_plan" }>): void {
    const key = `plan:${effect.plan_id}:${effect.round}`;
    const controller = new AbortController();
    const run: ActiveRun = { controller, done: Promise.resolve(), pendingProgress: null };
    const planner = this.options.planner;
    const { plan_id, round } = effect;
    run.done = (planner ? planner.plan({ ...effect, signal: controller.signal }) : Promise.reject(new Error("planning is not set up in this orchestrator")))
      .catch((error: unknown) => ({ cost_usd: null, session_id: null, result: { kind: "failed" as const, error: `the planner failed: ${(error as Error)?.message ?? String(error)}` } }))
      .then((r) => {
        this.#runs.delete(key);
        this.options.report({ type: "plan_finished", plan_id, round, cost_usd: r.cost_usd, session_id: r.session_id, result: r.result });
      });
    this.#runs.set(key, run);
  }

  /** `<logsDir>/<session>/task-<id>-output.log`, with the id made safe for a file name. */
  logFileFor(sessionId: string, taskId: number | string): string {
    const safe = String(taskId).replace(/[^A-Za-z0-9._-]/g, "_");
    return path.join(this.options.logsDir, sessionId.replace(/[^A-Za-z0-9._-]/g, "_"), `task-${safe}-output.log`);
  }

  #start(effect: Extract<Effect, { type: "run_task" }>, state: SessionState): void {
    const { index, attempt, task } = effect;
    const fixRound = effect.fix_round ?? 0;
    const afterLimit = effect.after_limit ?? 0;
    const key = `${index}:${attempt}:${effect.continuation}:${fixRound}${afterLimit > 0 ? `:limit${afterLimit}` : ""}`;
    const logFile = this.logFileFor(effect.session_id, task.id);
    const resume = effect.resume_session_id;
    const controller = new AbortController();
    const run: ActiveRun = { controller, done: Promise.resolve(), pendingProgress: null };
    const tree = this.#tree;
    const labels = { session: effect.session_id, task: task.id, attempt, continuation: effect.continuation, round: fixRound };
    this.#log.debug({ task: task.id, attempt, logFile, resume: resume ?? undefined, session: state.session_id }, `starting claude for task ${task.id}`);
    run.done = (async (): Promise<void> => {
      // Before Claude's own attempt (not a continuation or fix run, which carry on from it): a
      // snapshot of the work tree, so what the attempt changes can be shown and undone.
      let before = null;
      // A run continuing after a usage limit carries on from the attempt's own before too.
      if (tree && effect.continuation === 0 && fixRound === 0 && afterLimit === 0) {
        const taken = await tree.before(labels);
        if (!taken.ok) return this.#finish(key, index, attempt, snapshotFailed(taken.error), null, null, taken.error);
        before = taken.snapshot;
      }
      // Resuming a Claude session: it already holds the task (and the lessons), so the feedback (or "continue") is the prompt.
      const prompt = resume ? (effect.feedback ?? CONTINUE_PROMPT) : buildPrompt(task, effect.feedback, await this.#learnings(task.id));
      if (controller.signal.aborted) return this.#finish(key, index, attempt, cancelledBeforeSpawn(), null, null, null);
      const outcome = await this.options.runner
        .run(
          { prompt, logFile, resumeSessionId: resume, signal: controller.signal, allowRules: state.always_rules ?? [], maxBudgetUsd: effect.max_budget_usd ?? null },
          {
            onPermissionRequest: (ask, session_id) => this.options.report({ type: "permission_requested", index, attempt, ask, session_id }),
            onPermissionCancelled: (request_id) => this.options.report({ type: "permission_cancelled", index, attempt, request_id }),
            onRateLimit: (info) => this.options.report({ type: "rate_limit", index, attempt, info }),
            onSpawn: ({ pid, pgid, run_marker, log_error, channel }) => {
              run.channel = channel;
              // A log that could not be opened is said at once, and its path is never recorded.
              if (log_error) this.options.logHealth?.fail("task_output", log_error);
              this.options.report({ type: "task_spawned", index, attempt, pid, pgid, boot_id: this.options.bootId, run_marker: run_marker ?? null, output_log: log_error ? null : logFile, before });
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
        .catch((error: unknown): RunOutcome => failedOutcome(error));
      const log = outcome.output_log;
      if (log?.error) this.options.logHealth?.fail("task_output", log.error);
      else if (log?.created) this.options.logHealth?.ok("task_output");
      // What the run did to the work tree, from the task's base (its first attempt's before).
      const base = task.git?.base ?? before?.tree ?? null;
      const after = tree && base ? await tree.after(labels, base) : null;
      // null: nothing of this run reached the file (it could not be opened, or the run never started).
      this.#finish(key, index, attempt, outcome, log?.created === false ? null : logFile, after?.ok ? after.changes : null, after && !after.ok ? after.error : null);
    })().catch((error: unknown) => {
      // Nothing above should throw; if something does, the task fails with it instead of hanging as running.
      this.#log.error({ err: error, task: task.id }, "a task run failed unexpectedly");
      if (this.#runs.has(key)) this.#finish(key, index, attempt, failedOutcome(error), null, null, null);
    });
    this.#runs.set(key, run);
  }

  /** The lessons for a fresh prompt; null when there are none or they cannot be read (logged: the task runs without them). */
  async #learnings(taskId: number | string): Promise<string | null> {
    const read = this.options.learnings;
    if (!read) return null;
    try {
      return await read();
    } catch (error) {
      this.#log.warn({ err: error, task: taskId }, `could not read the lessons (orchestrator.learnings_file): ${(error as Error)?.message ?? String(error)}; task ${taskId} runs without them`);
      return null;
    }
  }

  #finish(key: string, index: number, attempt: number, outcome: RunOutcome, outputLog: string | null, changes: AttemptChanges | null, gitError: string | null): void {
    this.#runs.delete(key);
    this.options.report({ type: "task_finished", index, attempt, outcome, output_log: outputLog, changes, git_error: gitError });
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

/** A snapshot before the run failed: Claude is not started (its changes could be neither shown nor undone). */
function snapshotFailed(error: string): RunOutcome {
  return { ...failedOutcome(new Error("")), reason: `could not snapshot the work tree before the task, so it was not started: ${error} Fix the repository, or set git.enabled: false to run without snapshots.` };
}

/** Cancelled while its snapshot was taken: Claude never started. */
function cancelledBeforeSpawn(): RunOutcome {
  return { ...failedOutcome(new Error("")), kind: "cancelled", reason: "cancelled before it started" };
}

/** The verifier promises never to reject; if it does anyway, the check fails with its words. */
function unverifiable(error: unknown): VerificationReport {
  const failure = `the checks could not run: ${(error as Error)?.message ?? String(error)}`;
  return { record: { passed: false, commands: [], missing: [], failure, summary: `❌ ${failure}` }, cancelled: false, feedback: `Verification failed: ${failure}` };
}
