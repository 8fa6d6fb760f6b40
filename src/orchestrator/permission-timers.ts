import type { Clock } from "../core/clock.js";
import { pendingPermissions } from "../core/machine/permissions.js";
import type { SessionState } from "../core/state.js";

/** setTimeout's largest delay; a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The timers of pending permission requests (claude.permission_timeout): a reminder halfway and
 * the expiry at the end, each delivered as a permission_timer event into the orchestrator's queue
 * (the machine decides what they mean; a timer for an answered request is ignored there).
 * Kept in step with the state after every transition; times come from each request's asked_at
 * and the injected clock, so a request asked before a restart is not given more time.
 */
export class PermissionTimers {
  readonly #timers = new Map<string, { timer: NodeJS.Timeout }[]>();

  constructor(
    readonly timeoutMs: number,
    readonly clock: Clock,
    readonly fire: (id: string, kind: "remind" | "expire") => void,
  ) {}

  sync(state: SessionState): void {
    const pending = pendingPermissions(state);
    const ids = new Set(pending.map((p) => p.id));
    for (const [id, timers] of this.#timers) {
      if (ids.has(id)) continue;
      timers.forEach((t) => clearTimeout(t.timer));
      this.#timers.delete(id);
    }
    for (const p of pending) {
      if (this.#timers.has(p.id)) continue;
      const asked = Date.parse(p.asked_at);
      const timers = [this.#at(asked + this.timeoutMs, () => this.fire(p.id, "expire"))];
      if (!p.reminded) timers.push(this.#at(asked + this.timeoutMs / 2, () => this.fire(p.id, "remind")));
      this.#timers.set(p.id, timers);
    }
  }

  clear(): void {
    for (const timers of this.#timers.values()) timers.forEach((t) => clearTimeout(t.timer));
    this.#timers.clear();
  }

  /**
   * Calls `fn` at the clock time `when` (at once when it is past). A wait past setTimeout's limit
   * (24.8 days) is re-armed when the first timer fires; the handle kept is the current one.
   */
  #at(when: number, fn: () => void): { timer: NodeJS.Timeout } {
    const holder = {} as { timer: NodeJS.Timeout };
    // Not unref'd: a pending request is work the process must not exit in the middle of.
    const arm = (ms: number) => {
      holder.timer = setTimeout(() => (ms > MAX_TIMER_MS ? arm(ms - MAX_TIMER_MS) : fn()), Math.min(ms, MAX_TIMER_MS));
    };
    arm(Math.max(0, when - this.clock.now().getTime()));
    return holder;
  }
}
