import type { Clock } from "../core/clock.js";
import type { SessionState } from "../core/state.js";

/** setTimeout's largest delay; a longer wait (a weekly limit can be days away) is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The timer of a task waiting for a usage limit: at state.resume_at it delivers a limit_timer
 * event into the orchestrator's queue (the machine decides; a timer for another resume_at is
 * stale there). Kept in step with the state after every transition, and so re-armed after a
 * restart from the persisted resume_at (at once when it is past). Armed only while the session
 * is waiting_limit with no rollback under way: a pause holds the task, and a rollback may end the wait.
 */
export class LimitTimer {
  #armed: { resumeAt: string; timer: NodeJS.Timeout } | null = null;
  /** The resume_at that fired, while the state still names it (its event is queued): not armed again. */
  #fired: string | null = null;

  constructor(
    readonly clock: Clock,
    readonly fire: (resumeAt: string) => void,
  ) {}

  /** The resume_at being waited for, or null. */
  get armedFor(): string | null {
    return this.#armed?.resumeAt ?? null;
  }

  sync(state: SessionState): void {
    const due = state.status === "waiting_limit" && (state.rollback_pending ?? null) === null ? (state.resume_at ?? null) : null;
    if (due !== this.#fired) this.#fired = null;
    if (due === this.armedFor || (due !== null && due === this.#fired)) return;
    this.clear();
    if (due === null) return;
    const when = Date.parse(due);
    // Not unref'd: a session waiting to go on is work the service must stay up for.
    const arm = (ms: number) => {
      const timer = setTimeout(() => (ms > MAX_TIMER_MS ? arm(ms - MAX_TIMER_MS) : this.#fire(due)), Math.min(ms, MAX_TIMER_MS));
      this.#armed = { resumeAt: due, timer };
    };
    arm(Number.isFinite(when) ? Math.max(0, when - this.clock.now().getTime()) : 0);
  }

  clear(): void {
    if (this.#armed) clearTimeout(this.#armed.timer);
    this.#armed = null;
  }

  /** Forgets everything (shutdown): nothing fires, and a later sync arms afresh. */
  stop(): void {
    this.clear();
    this.#fired = null;
  }

  #fire(resumeAt: string): void {
    this.#armed = null;
    this.#fired = resumeAt;
    this.fire(resumeAt);
  }
}
