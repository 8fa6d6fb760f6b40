import type { Request, RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";
import { FailedSecretStore, type AuthFailureLimit } from "./failed-secret-store.js";
import { sendError } from "./http-errors.js";

export type { AuthFailureLimit };

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = Object.freeze({ max: 5, windowMs: 60_000, blockMs: 60_000 });

export interface AuthFailureLimiter {
  readonly limit: AuthFailureLimit;
  /** express-rate-limit, first on /webhook: a blocked address gets 429 + Retry-After, whatever it sends. */
  readonly check: RequestHandler;
  /** Counts this request's failed secret against its address. True when it starts a block. */
  recordFailure(req: Request): boolean;
}

/**
 * The failed-secret limiter, to slow down guessing: after `max` failed secrets in `windowMs` an
 * address gets 429 with Retry-After for `blockMs`, a right secret and a bad route included; other
 * addresses are not affected. express-rate-limit keys requests by the socket's address (trust
 * proxy stays off), IPv6 grouped per /56 as it advises (one client usually holds a whole /64),
 * and refuses the keys FailedSecretStore says are blocked. Its own warnings go to `logger`.
 */
export function authFailureLimiter(limit: AuthFailureLimit, clock: Clock, logger: Logger): AuthFailureLimiter {
  const store = new FailedSecretStore(limit, clock);
  // Per address, IPv6 too (false: no /56 grouping): the promise is "5 failures from one address".
  const keyOf = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? "unknown", false);
  const check = rateLimit({
    limit: limit.max,
    windowMs: limit.windowMs,
    store,
    keyGenerator: keyOf,
    // No X-RateLimit-* / RateLimit headers: a guesser is not told how many tries are left.
    legacyHeaders: false,
    standardHeaders: false,
    handler: (req, res) => {
      const seconds = Math.max(1, Math.ceil(store.blockedFor(keyOf(req)) / 1000));
      res.set("Retry-After", String(seconds));
      sendError(res, 429, "too_many_requests", `Too many failed secrets from this address; try again in ${seconds} s.`);
    },
    logger,
  });
  return { limit, check, recordFailure: (req) => store.recordFailure(keyOf(req)) };
}
