// Our own store for express-rate-limit: the library counts every request on arrival (taking successes back at the end), so parallel good requests from one address would count as failures, and its MemoryStore reads Date.now() and ends a block with the window.
import type { ClientRateLimitInfo, Store } from "express-rate-limit";
import type { Clock } from "../core/clock.js";

export interface AuthFailureLimit {
  /** Failed secrets allowed from one address within `windowMs` before it is blocked (default 5). */
  max: number;
  /** The window failures are counted in, ms (default 60 s); it starts at the first failure. */
  windowMs: number;
  /** How long a blocked address gets 429 for every request, ms (default 60 s), from its max-th failure. */
  blockMs: number;
}

/** Addresses tracked at most; beyond it the stalest entries go, so a flood of addresses cannot grow memory. */
const MAX_TRACKED = 10_000;

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

/**
 * Failed secrets per client key, as an express-rate-limit store. Only failures are counted
 * (recordFailure, told by the webhook routes); the library's `increment`, asked as a request
 * arrives, counts nothing and answers failures + 1, so it refuses exactly the blocked keys. Time
 * comes from the injected clock (no timers): an entry expires when it is next looked at. A correct
 * secret does not reset the count: a guesser sharing an address with a legitimate client (NAT,
 * proxy) must not get its budget back from the client's successes.
 */
export class FailedSecretStore implements Store {
  readonly localKeys = true;
  readonly #entries = new Map<string, Entry>();

  constructor(readonly limit: AuthFailureLimit, readonly clock: Clock) {}

  /** Records a failed secret. Returns true when this failure starts a block. */
  recordFailure(key: string): boolean {
    const now = this.clock.now().getTime();
    let entry = this.#entries.get(key);
    if (!entry || now - entry.windowStart >= this.limit.windowMs) {
      entry = { failures: 0, windowStart: now, blockedUntil: 0 };
      this.#entries.delete(key); // re-insert so Map order stays oldest-first for pruning
      this.#entries.set(key, entry);
      this.#prune(now);
    }
    entry.failures++;
    if (entry.failures >= this.limit.max && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.limit.blockMs;
      return true;
    }
    return false;
  }

  /** Milliseconds left in this key's block; 0 when it is not blocked. */
  blockedFor(key: string): number {
    const entry = this.#entries.get(key);
    if (!entry) return 0;
    const left = entry.blockedUntil - this.clock.now().getTime();
    if (left > 0) return left;
    if (entry.blockedUntil > 0) this.#entries.delete(key); // the block is over: a clean slate
    return 0;
  }

  /** express-rate-limit's question on arrival: over `max` exactly while the key is blocked. No resetTime: the library would compare it with Date.now(). */
  increment(key: string): ClientRateLimitInfo {
    return { totalHits: this.blockedFor(key) > 0 ? this.limit.max + 1 : 1, resetTime: undefined };
  }

  /** Nothing to take back: arrivals are not counted (the library calls this only with its skip* options, which are off). */
  decrement(): void {}

  resetKey(key: string): void {
    this.#entries.delete(key);
  }

  get trackedCount(): number {
    return this.#entries.size;
  }

  #prune(now: number): void {
    if (this.#entries.size <= MAX_TRACKED) return;
    for (const [key, e] of this.#entries) {
      if (e.blockedUntil <= now && now - e.windowStart >= this.limit.windowMs) this.#entries.delete(key);
    }
    // Still too many (a live flood): drop the oldest, blocked or not. Losing a block is better
    // than running out of memory; each dropped address can only start over at 0 failures.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= MAX_TRACKED) break;
      this.#entries.delete(key);
    }
  }
}
