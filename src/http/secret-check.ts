import { createHash, timingSafeEqual } from "node:crypto";

/** How a request's secret compared: absent, wrong, or right. */
export type SecretOutcome = "ok" | "missing" | "wrong";

/**
 * Compares secrets in constant time. Both sides are hashed first (SHA-256) so the comparison
 * always runs over 32 bytes: neither the secret's length nor how much of a guess matched can be
 * timed. The expected digest is computed once, at construction.
 */
export class SecretCheck {
  readonly #expected: Buffer;

  constructor(secret: string) {
    // An empty secret would let an empty guess in; refuse to serve rather than run open.
    if (secret.length === 0) throw new Error("The webhook secret is empty: set WEBHOOK_SECRET or webhooks.secret.");
    this.#expected = digest(secret);
  }

  /** `given` is whatever the request carried (header or body field); non-strings count as wrong. */
  check(given: unknown): SecretOutcome {
    if (given === undefined || given === null || given === "") return "missing";
    if (typeof given !== "string") return "wrong";
    return timingSafeEqual(digest(given), this.#expected) ? "ok" : "wrong";
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
