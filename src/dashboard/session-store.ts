import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.js";

/** A signed-in browser: its cookie id, its CSRF token, who it is (for `by`) and when it ends. */
export interface DashboardSession {
  id: string;
  /** Sent back by every state-changing request (X-CSRF-Token); per session, never in a URL. */
  csrf: string;
  /** The address it signed in from ("dashboard 127.0.0.1" in the history is the request's own). */
  ip: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStoreOptions {
  clock: Clock;
  /** How long a session lasts from sign-in, ms (dashboard.session_hours; default 12 h). */
  ttlMs: number;
  /** Sessions kept at most (default 50): signing in beyond that drops the oldest. */
  max?: number;
}

/**
 * The dashboard's sessions, in memory only: a restart signs every browser out (the person signs
 * in again with the secret or a new /dashboard link), which is the safe side. Ids and CSRF tokens
 * are 32 random bytes (base64url); the cookie carries only the id.
 */
export class SessionStore {
  readonly #sessions = new Map<string, DashboardSession>();
  readonly #max: number;

  constructor(readonly options: SessionStoreOptions) {
    this.#max = options.max ?? 50;
  }

  create(ip: string): DashboardSession {
    this.#sweep();
    // Oldest first (Map keeps insertion order): a flood of sign-ins cannot grow the map.
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value as string);
    const now = this.options.clock.now().getTime();
    const session: DashboardSession = { id: token(), csrf: token(), ip, createdAt: now, expiresAt: now + this.options.ttlMs };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; an expired one is removed and answers null. */
  get(id: string | null | undefined): DashboardSession | null {
    if (!id) return null;
    const session = this.#sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.options.clock.now().getTime()) {
      this.#sessions.delete(id);
      return null;
    }
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    this.#sweep();
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.options.clock.now().getTime();
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }
}

export function token(): string {
  return randomBytes(32).toString("base64url");
}
