import type { Logger } from "pino";
import type { ApprovalPolicy } from "../core/approval-policy.js";
import type { Clock } from "../core/clock.js";
import type { Effect } from "../core/effects.js";
import type { Command, OrchestratorEvent, Report } from "../core/events.js";
import { transition, type Reply } from "../core/machine.js";
import type { SessionState } from "../core/state.js";
import { logProblemText, type LogHealth } from "../logging/log-health.js";
import type { Runner } from "../runner/runner.js";
import type { StateStore } from "../store/state-store.js";
import type { CheckpointSettings } from "../core/draft.js";
import type { WorkTree } from "../git/work-tree.js";
import { SerialQueue } from "./serial-queue.js";
import { PermissionTimers } from "./permission-timers.js";
import { LimitTimer } from "./limit-timer.js";
import { DEFAULT_PERMISSION_TIMEOUT_S } from "../core/machine/permissions.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { Verifier } from "./verifier.js";
import type { Planner } from "../plan/planner.js";
import { TaskRuns, type TaskRunsOptions } from "./task-runs.js";

/** One transition as seen by subscribers (CLI progress, notifier, bot). */
export interface Change {
  event: OrchestratorEvent;
  state: SessionState;
  previous: SessionState;
  effects: Effect[];
  reply: Reply;
}

export interface OrchestratorOptions {
  store: StateStore;
  runner: Runner;
  clock: Clock;
  policy: ApprovalPolicy;
  logger: Logger;
  /** Absolute folder for task output logs (`<logsDir>/<session>/task-<id>-output.log`). */
  logsDir: string;
  /** Kernel boot id, recorded with each child so a restart knows whether its pgid is still ours. */
  bootId: string | null;
  /** Ends an orphaned process group found at restart (default: SIGTERM, then SIGKILL). */
  killOrphan?: TaskRunsOptions["killOrphan"];
  /** How long leftovers of a crashed run get between SIGTERM and SIGKILL (claude.kill_grace; default 5 s). */
  orphanGraceMs?: number;
  /** The state file's mark every run carries (see STATE_MARKER_ENV); null for none (tests with a fake runner). */
  stateMarker?: string | null;
  /** Keep notifications in the state's outbox for the n8n notifier (default false). */
  outbox?: boolean;
  /** claude.max_continuations: automatic --resume runs after the turn limit (default 0). */
  maxContinuations?: number;
  /** Delay before retrying a failed save of a runner result (default 1000 ms, doubling to 30 s). */
  saveRetryMs?: number;
  /**
   * Where the logs stand (the daily log, the task output logs). Its changes become log_problem
   * reports, so every surface hears "logs are not being written" once, and once when they work
   * again; problems lists it. Default: none (nothing reported).
   */
  logHealth?: LogHealth;
  /** The git work tree of claude.project_dir (snapshots, diffs, commits, rollback); null or absent: git is off. */
  workTree?: WorkTree | null;
  /** Runs the Verify commands and deliverables checks (absent: tasks with checks fail saying so). */
  verifier?: Verifier | null;
  /** Drafts task files from daily logs (/plan); absent: a plan fails saying planning is not set up. */
  planner?: Planner | null;
  /** The lessons every fresh task prompt carries (orchestrator.learnings_file; TaskRunsOptions.learnings); absent: none. */
  learnings?: TaskRunsOptions["learnings"];
  /** orchestrator.verify / verify_retries and git.commit; `git` is set from workTree. */
  checks?: Omit<CheckpointSettings, "git">;
  /** claude.permission_timeout: seconds a permission request waits for a person (default 1800). */
  permissionTimeoutS?: number;
  /** orchestrator.daily_budget_usd / budget_warn_ratio (default: no budget). */
  budget?: { dailyUsd: number | null; warnRatio: number };
  /** The zone notifications word clock times in ("Resuming at 15:00"); default the process's own. */
  timeZone?: string;
}

/** Longest pause between two tries of a save that must not be lost. */
const SAVE_RETRY_MAX_MS = 30_000;

/**
 * The single place where events meet the state. Every input (command, runner report, restart)
 * goes through dispatch(), one at a time: decide (pure transition) -> persist -> acknowledge ->
 * carry out effects. A command whose new state cannot be saved is refused and changes nothing.
 */
export class Orchestrator {
  #state: SessionState;
  readonly #queue = new SerialQueue();
  readonly #listeners = new Set<(change: Change) => void>();
  readonly #runs: TaskRuns;
  readonly #log: Logger;
  #closing = false;
  /** Why the last save failed, until a save works again; while set, commands are refused. */
  #saveProblem: string | null = null;
  /** The restart's recovery, until it is saved and what it found left running is ended; then null. */
  #recovering: Promise<void> | null = null;
  /** Called by every failed save (open() waits for the first, to come up degraded). */
  readonly #saveFailed = new Set<() => void>();
  /** Ends the pause before the next try of a failing save (shutdown: try once more, then give up). */
  #wakeRetry: (() => void) | null = null;
  /** A background re-save is queued after a command's failed save (so health clears by itself). */
  #probing = false;
  #unwatchLogs: (() => void) | null = null;

  private constructor(readonly options: OrchestratorOptions, initial: SessionState) {
    this.#state = initial;
    this.#log = options.logger.child({ module: "orchestrator" });
    this.#runs = new TaskRuns({
      runner: options.runner,
      logsDir: options.logsDir,
      bootId: options.bootId,
      logger: options.logger,
      report: (report) => void this.#dispatchReport(report),
      killOrphan: options.killOrphan,
      orphanGraceMs: options.orphanGraceMs,
      stateMarker: options.stateMarker,
      logHealth: options.logHealth,
      workTree: options.workTree ?? null,
      verifier: options.verifier ?? null,
      planner: options.planner ?? null,
      learnings: options.learnings,
    });
    const checks = options.checks ?? { verify: [], verifyRetries: 0, commit: "none" as const };
    this.#checks = { ...checks, git: (options.workTree ?? null) !== null };
    this.#permissionTimers = new PermissionTimers((options.permissionTimeoutS ?? DEFAULT_PERMISSION_TIMEOUT_S) * 1000, options.clock, (id, kind) => {
      if (!this.#closing) void this.#dispatchReport({ type: "permission_timer", id, kind });
    });
    this.#limitTimer = new LimitTimer(options.clock, (resume_at) => {
      if (!this.#closing) void this.#dispatchReport({ type: "limit_timer", resume_at });
    });
  }

  readonly #permissionTimers: PermissionTimers;

  /** A task waiting for a usage limit continues at state.resume_at (re-armed from the saved state after a restart). */
  readonly #limitTimer: LimitTimer;

  readonly #checks: CheckpointSettings;

  /** The git work tree in use, or null (git is off, or claude.project_dir is not in one). */
  get workTree(): WorkTree | null {
    return this.options.workTree ?? null;
  }

  /**
   * Loads the saved state and recovers from a crash: a task that was running becomes interrupted,
   * and its orphaned process group is ended before this resolves, so a retry can never run beside
   * the old process.
   *
   * When the recovered state cannot be saved (a full disk), this resolves at once instead of
   * waiting for space: the service comes up degraded (problems says why, commands are refused
   * with the reason), the save is retried in the background, and once it works the recovery is
   * finished (orphans ended) and commands are taken again, by themselves.
   */
  static async open(options: OrchestratorOptions): Promise<Orchestrator> {
    const orchestrator = new Orchestrator(options, await options.store.load());
    let saveFailed!: () => void;
    const failed = new Promise<void>((resolve) => (saveFailed = resolve));
    orchestrator.#saveFailed.add(saveFailed);
    const recovering = orchestrator
      .#dispatchReport({ type: "recover", boot_id: options.bootId })
      .then(() => orchestrator.#runs.orphansEnded())
      .catch((error: unknown) => orchestrator.#log.error({ err: error }, "the recovery at start failed"))
      .finally(() => (orchestrator.#recovering = null));
    orchestrator.#recovering = recovering;
    await Promise.race([recovering, failed]);
    orchestrator.#saveFailed.delete(saveFailed);
    orchestrator.#watchLogs();
    return orchestrator;
  }

  get state(): SessionState {
    return this.#state;
  }

  /**
   * What is wrong right now, worded for a person ("cannot save the state: …", "logs are not being
   * written: …"); empty when all is well. /health, /status and the banner show it.
   */
  get problems(): string[] {
    const problems: string[] = [];
    if (this.#saveProblem !== null) problems.push(`cannot save the state: ${this.#saveProblem}`);
    const logs = this.options.logHealth?.problem ?? null;
    if (logs !== null) problems.push(logProblemText(logs));
    return problems;
  }

  /** Why commands are refused right now (shutting down, the state cannot be saved, still recovering), or null. */
  get unavailable(): string | null {
    if (this.#closing) return "The orchestrator is shutting down; try again after it restarts.";
    if (this.#saveProblem !== null) {
      return `Could not save the state, so no command is taken until it can be: ${this.#saveProblem} Saving is retried in the background; once it works (space freed, permission fixed) commands are taken again by themselves.`;
    }
    if (this.#recovering) return "The orchestrator is still recovering from its restart (ending what the interrupted task left running); try again in a few seconds.";
    return null;
  }

  /**
   * Runs a person's command. Resolves once the resulting state is on disk. Refused at once while
   * unavailable, and also when a save fails while it waits its turn: a command queued behind a
   * runner's result whose save keeps failing (a full disk) is answered now, not when space returns.
   */
  dispatch(command: Command): Promise<Reply> {
    const unavailable = this.unavailable;
    if (unavailable) return Promise.resolve({ ok: false, message: unavailable });
    let refusal: Reply | null = null;
    let started = false;
    let onSaveFailed!: () => void;
    const refused = new Promise<Reply>((resolve) => {
      onSaveFailed = () => {
        if (started) return; // its own save failed: #apply answers that
        resolve((refusal ??= { ok: false, message: this.unavailable ?? "Could not save the state, so nothing changed." }));
      };
    });
    this.#saveFailed.add(onSaveFailed);
    const done = this.#queue.push(() => {
      if (refusal) return Promise.resolve(refusal);
      started = true;
      return this.#apply(command, false);
    });
    return Promise.race([done, refused]).finally(() => this.#saveFailed.delete(onSaveFailed));
  }

  /**
   * Resolves with the state once `pred` holds, checked now and after every transition. With
   * `timeoutMs`, rejects after that long, naming the status it was stuck in.
   */
  waitFor(pred: (state: SessionState) => boolean, timeoutMs?: number): Promise<SessionState> {
    return new Promise((resolve, reject) => {
      if (pred(this.#state)) return resolve(this.#state);
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              off();
              reject(new Error(`the state did not reach the expected condition within ${timeoutMs} ms (status ${this.#state.status})`));
            }, timeoutMs);
      const off = this.subscribe((c) => {
        if (!pred(c.state)) return;
        if (timer) clearTimeout(timer);
        off();
        resolve(c.state);
      });
    });
  }

  /** The notifier delivered these outbox entries; they are dropped from the state. */
  acknowledgeNotifications(ids: string[]): Promise<Reply> {
    return this.#dispatchReport({ type: "notifications_delivered", ids });
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Number of Claude runs in flight (0 or 1: one task at a time). */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /**
   * Stops taking commands, ends a running task (it is marked interrupted, so a person decides
   * whether to run it again) and waits until every result is saved.
   */
  async shutdown(): Promise<void> {
    this.#closing = true;
    this.#permissionTimers.clear();
    this.#limitTimer.stop(); // the wait stays in the state: the next start arms it again
    this.#unwatchLogs?.();
    this.#wakeRetry?.(); // a save retrying on a full disk tries once more now, then gives up
    // A result saved while stopping may already have started the next task (see #apply, which
    // cancels it before it spawns): wait until no run is left, not just the one seen first.
    do {
      this.#runs.cancelAll();
      await this.#runs.settled();
      await this.#queue.idle();
    } while (this.#runs.size > 0);
    this.#permissionTimers.clear();
    this.#limitTimer.stop();
  }

  #dispatchReport(report: Report): Promise<Reply> {
    return this.#queue.push(() => this.#apply(report, true));
  }

  async #apply(event: OrchestratorEvent, mustPersist: boolean): Promise<Reply> {
    const previous = this.#state;
    const now = this.options.clock.now().toISOString();
    const t = transition(previous, event, { now, policy: this.options.policy, outbox: this.options.outbox ?? false, maxContinuations: this.options.maxContinuations ?? 0, checks: this.#checks, permissionTimeoutS: this.options.permissionTimeoutS ?? DEFAULT_PERMISSION_TIMEOUT_S, today: localDate(this.options.clock.now()), budget: this.options.budget, timeZone: this.options.timeZone });
    if (t.state !== previous) {
      const saved = await this.#save(t.state, mustPersist);
      if (!saved.ok) return { ok: false, message: saved.message };
    }
    this.#state = t.state;
    // Stopping: no new timer may hold the process (the restart expires what is pending anyway).
    if (t.state !== previous && !this.#closing) this.#permissionTimers.sync(t.state);
    // Every transition, changed or not: the restart's recovery leaves a waiting_limit state as it is, and its timer must be armed.
    if (!this.#closing) this.#limitTimer.sync(t.state);
    this.#logTransition(event, t);
    for (const effect of t.effects) this.#runs.perform(effect, t.state);
    // Stopping: a task the machine just started (the previous one finished meanwhile) is cancelled
    // before its claude is spawned, and is saved as interrupted like the one that was running.
    if (this.#closing) this.#runs.cancelAll();
    const change: Change = { event, state: t.state, previous, effects: t.effects, reply: t.reply };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#log.error({ err: error }, "a subscriber threw; the state is unaffected");
      }
    }
    return t.reply;
  }

  /** Notifications are the story a person reads in the log; the transitions behind them are debug detail. */
  #logTransition(event: OrchestratorEvent, t: ReturnType<typeof transition>): void {
    if (event.type === "task_progress") return;
    this.#log.debug({ event: event.type, status: t.state.status, task: t.state.current_task_index + 1, ok: t.reply.ok }, t.reply.message);
    if (!t.reply.ok && !("index" in event)) this.#log.info({ event: event.type }, `refused ${event.type}: ${t.reply.message}`);
    for (const e of t.effects) {
      if (e.type !== "notify") continue;
      const n = e.notification;
      const level = n.level === "error" ? "error" : n.level === "warning" ? "warn" : "info";
      this.#log[level]({ event: n.event, task: n.task_index === null ? undefined : n.task_index + 1 }, n.message);
    }
  }

  /** Turns changes of the log health into log_problem reports (the machine makes them notifications). */
  #watchLogs(): void {
    const health = this.options.logHealth;
    if (!health) return;
    let told: string | null = null;
    const tell = (problem: string | null) => {
      if ((problem === null) === (told === null) || this.#closing) return;
      told = problem;
      void this.#dispatchReport({ type: "log_problem", problem });
    };
    this.#unwatchLogs = health.subscribe(tell);
    tell(health.problem); // a problem found before we listened (a read-only logs folder at start)
  }

  /**
   * Writes the state. A person's command fails fast (the reply says so and nothing changes).
   * A runner's result (and the restart's recovery) must not be lost: its save is retried, with
   * backoff (saveRetryMs doubling to 30 s, one log line per try), until it succeeds or the
   * process shuts down; the queue waits meanwhile, so nothing runs on unsaved state, and
   * commands are refused with the reason (unavailable) instead of waiting behind it.
   */
  async #save(state: SessionState, mustPersist: boolean): Promise<{ ok: true } | { ok: false; message: string }> {
    let delay = this.options.saveRetryMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.store.save(state);
        if (this.#saveProblem !== null) {
          this.#saveProblem = null;
          this.#log.info("the state is saved again; commands are taken again");
        }
        return { ok: true };
      } catch (error) {
        const reason = (error as Error).message;
        this.#saveProblem = reason;
        for (const failed of this.#saveFailed) failed();
        if (!mustPersist || this.#closing) {
          const message = `Could not save the state, so nothing changed: ${reason}`;
          this.#log.error({ err: error }, mustPersist ? `${message} (shutting down: this change is lost; the next start recovers from the saved state)` : message);
          if (!this.#closing) this.#retryInBackground();
          return { ok: false, message };
        }
        const first = attempt === 1;
        this.#log.error(
          { err: first ? error : undefined, attempt, retry_in_s: delay / 1000 },
          first ? `could not save the state; kept in memory and retried in ${delay / 1000} s: ${reason}` : `still cannot save the state (try ${attempt}); next try in ${delay / 1000} s`,
        );
        await this.#pause(delay);
        delay = Math.min(delay * 2, SAVE_RETRY_MAX_MS);
      }
    }
  }

  /**
   * After a command's save failed, nothing else may ever save again (commands are refused while
   * the problem stands), so the current state is re-saved in the background until that works:
   * then the problem clears by itself. Queued, so it can never overwrite a newer state.
   */
  #retryInBackground(): void {
    if (this.#probing) return;
    this.#probing = true;
    void this.#queue.push(async () => {
      try {
        if (this.#saveProblem !== null && !this.#closing) await this.#save(this.#state, true);
      } finally {
        this.#probing = false;
      }
    });
  }

  /** Waits `ms`, or less when shutdown wakes it. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeRetry = done;
    }).finally(() => (this.#wakeRetry = null));
  }
}
