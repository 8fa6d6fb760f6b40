import type { Logger } from "pino";
import type { ApprovalPolicy } from "../config/config.js";
import type { Clock } from "../core/clock.js";
import type { Effect } from "../core/effects.js";
import type { Command, OrchestratorEvent, Report } from "../core/events.js";
import { transition, type Reply } from "../core/machine.js";
import type { SessionState } from "../core/state.js";
import type { Runner } from "../runner/runner.js";
import type { StateStore } from "../store/state-store.js";
import { SerialQueue } from "./serial-queue.js";
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
  /** Keep notifications in the state's outbox for the n8n notifier (default false). */
  outbox?: boolean;
  /** claude.max_continuations: automatic --resume runs after the turn limit (default 0). */
  maxContinuations?: number;
  /** Delay before retrying a failed save of a runner result (default 1000 ms, doubling to 30 s). */
  saveRetryMs?: number;
}

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
    });
  }

  /**
   * Loads the saved state and recovers from a crash: a task that was running becomes interrupted,
   * and its orphaned process group is ended before this resolves, so a retry can never run beside
   * the old process.
   */
  static async open(options: OrchestratorOptions): Promise<Orchestrator> {
    const orchestrator = new Orchestrator(options, await options.store.load());
    await orchestrator.#dispatchReport({ type: "recover", boot_id: options.bootId });
    await orchestrator.#runs.orphansEnded();
    return orchestrator;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Runs a person's command. Resolves once the resulting state is on disk. */
  dispatch(command: Command): Promise<Reply> {
    if (this.#closing) return Promise.resolve({ ok: false, message: "The orchestrator is shutting down; try again after it restarts." });
    return this.#queue.push(() => this.#apply(command, false));
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
    this.#runs.cancelAll();
    await this.#runs.settled();
    await this.#queue.idle();
  }

  #dispatchReport(report: Report): Promise<Reply> {
    return this.#queue.push(() => this.#apply(report, true));
  }

  async #apply(event: OrchestratorEvent, mustPersist: boolean): Promise<Reply> {
    const previous = this.#state;
    const now = this.options.clock.now().toISOString();
    const t = transition(previous, event, { now, policy: this.options.policy, outbox: this.options.outbox ?? false, maxContinuations: this.options.maxContinuations ?? 0 });
    if (t.state !== previous) {
      const saved = await this.#save(t.state, mustPersist);
      if (!saved.ok) return { ok: false, message: saved.message };
    }
    this.#state = t.state;
    this.#logTransition(event, t);
    for (const effect of t.effects) this.#runs.perform(effect, t.state);
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

  /**
   * Writes the state. A person's command fails fast (the reply says so and nothing changes).
   * A runner's result must not be lost: its save is retried, with backoff, until it succeeds
   * or the process shuts down; the queue waits meanwhile, so nothing runs on unsaved state.
   */
  async #save(state: SessionState, mustPersist: boolean): Promise<{ ok: true } | { ok: false; message: string }> {
    let delay = this.options.saveRetryMs ?? 1000;
    for (;;) {
      try {
        await this.options.store.save(state);
        return { ok: true };
      } catch (error) {
        const message = `Could not save the state, so nothing changed: ${(error as Error).message}`;
        this.#log.error({ err: error }, message);
        if (!mustPersist || this.#closing) return { ok: false, message };
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }
}
