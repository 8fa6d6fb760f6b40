import type { Clock } from "../core/clock.js";

export interface AuthFailureLimit {
  /** Failed secrets allowed from one address within `windowMs` before it is blocked (default 5). */
  max: number;
  /** The window failures are counted in, ms (default 60 s); it starts at the first failure. */
  windowMs: number;
  /** How long a blocked address gets 429 for every request, ms (default 60 s). */
  blockMs: number;
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = Object.freeze({ max: 5, windowMs: 60_000, blockMs: 60_000 });

/** Addresses tracked at most; beyond it the stalest entries go, so a flood of addresses cannot grow memory. */
const MAX_TRACKED = 10_000;

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

/**
 * Counts failed secrets per client address and blocks an address that fails too often, to slow
 * down guessing. Time comes from the injected clock (no timers): an entry expires when it is
 * next looked at. A correct secret does not reset the count: a guesser sharing an address with
 * a legitimate client (NAT, proxy) must not get its budget back from the client's successes.
 */
export class AuthFailureLimiter {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly limit: AuthFailureLimit, readonly clock: Clock) {}

  /** Milliseconds left in this address's block; 0 when it is not blocked. */
  blockedFor(ip: string): number {
    const entry = this.#entries.get(ip);
    if (!entry) return 0;
    const left = entry.blockedUntil - this.clock.now().getTime();
    if (left > 0) return left;
    if (entry.blockedUntil > 0) this.#entries.delete(ip); // the block is over: a clean slate
    return 0;
  }

  /** Records a failed secret. Returns true when this failure starts a block. */
  recordFailure(ip: string): boolean {
    const now = this.clock.now().getTime();
    let entry = this.#entries.get(ip);
    if (!entry || now - entry.windowStart >= this.limit.windowMs) {
      entry = { failures: 0, windowStart: now, blockedUntil: 0 };
      this.#entries.delete(ip); // re-insert so Map order stays oldest-first for pruning
      this.#entries.set(ip, entry);
      this.#prune(now);
    }
    entry.failures++;
    if (entry.failures >= this.limit.max && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.limit.blockMs;
      return true;
    }
    return false;
  }

  get trackedCount(): number {
    return this.#entries.size;
  }

  #prune(now: number): void {
    if (this.#entries.size <= MAX_TRACKED) return;
    for (const [ip, e] of this.#entries) {
      if (e.blockedUntil <= now && now - e.windowStart >= this.limit.windowMs) this.#entries.delete(ip);
    }
    // Still too many (a live flood): drop the oldest, blocked or not. Losing a block is better
    // than running out of memory; each dropped address can only start over at 0 failures.
    for (const ip of this.#entries.keys()) {
      if (this.#entries.size <= MAX_TRACKED) break;
      this.#entries.delete(ip);
    }
  }
}
