import type { Clock } from "../core/clock.js";
import { token } from "./session-store.js";

/** A one-time sign-in link lasts this long (the issue's 10 minutes). */
export const LINK_TTL_MS = 10 * 60_000;

/**
 * One-time sign-in links (`/dashboard` in Telegram): a random token valid LINK_TTL_MS, exchanged
 * once for a session cookie by GET /dashboard/link/<token>. The token, not the secret, is what
 * the URL (and so the access log) holds, and it is dead after its first use. In memory: a restart
 * voids every link not yet used. At most `max` (default 20) live at a time, oldest dropped.
 */
export class LinkTokens {
  readonly #links = new Map<string, number>();

  constructor(readonly clock: Clock, readonly max = 20, readonly ttlMs = LINK_TTL_MS) {}

  issue(): { token: string; expiresAt: Date } {
    this.#sweep();
    while (this.#links.size >= this.max) this.#links.delete(this.#links.keys().next().value as string);
    const t = token();
    const expiresAt = this.clock.now().getTime() + this.ttlMs;
    this.#links.set(t, expiresAt);
    return { token: t, expiresAt: new Date(expiresAt) };
  }

  /** True once for a live token; then (and for an expired or unknown one) false. */
  redeem(t: string): boolean {
    const expiresAt = this.#links.get(t);
    if (expiresAt === undefined) return false;
    this.#links.delete(t);
    return expiresAt > this.clock.now().getTime();
  }

  #sweep(): void {
    const now = this.clock.now().getTime();
    for (const [t, at] of this.#links) if (at <= now) this.#links.delete(t);
  }
}
