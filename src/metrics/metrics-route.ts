import express, { type Request, type Response, type Router } from "express";
import type { Logger } from "../logging/create-logger.js";
import { setAuthOutcome } from "../http/access-log.js";
import type { AuthFailureLimiter } from "../http/auth-failure-limiter.js";
import { sendError } from "../http/http-errors.js";
import type { SecretCheck, SecretOutcome } from "../http/secret-check.js";
import type { OrchestratorMetrics } from "./orchestrator-metrics.js";

export interface MetricsRouteOptions {
  metrics: OrchestratorMetrics;
  secret: SecretCheck;
  limiter: AuthFailureLimiter;
  /** metrics.public: no secret needed (a blocked address is still refused). */
  public: boolean;
  logger: Logger;
}

export const METRICS_UNAUTHORIZED_MESSAGE = "Missing or wrong secret: send it as X-Webhook-Secret or as Authorization: Bearer <secret>.";

/**
 * GET /metrics (and HEAD), mounted at /metrics: blocked address (429) -> GET only (405) -> the
 * secret, from X-Webhook-Secret or `Authorization: Bearer` (what Prometheus's `authorization`
 * sends), unless public (401, counted by the failed-secret limiter like /webhook's) -> the text
 * format. A header secret, when sent, decides alone, as on /webhook. Neither is ever logged.
 */
export function metricsRoute(opts: MetricsRouteOptions): Router {
  const { metrics, secret, limiter, logger } = opts;
  const router = express.Router();
  router.use(limiter.check);
  router.use((req, res, next) => {
    if (req.path !== "/") return sendError(res, 404, "not_found", `No route ${req.method} /metrics${req.path.slice(0, 40)}. See GET /metrics.`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.set("Allow", "GET, HEAD");
      return sendError(res, 405, "method_not_allowed", `/metrics takes GET, not ${req.method}.`);
    }
    if (opts.public) return next();
    const outcome = checkSecret(secret, req);
    setAuthOutcome(res, outcome);
    if (outcome === "ok") return next();
    const ip = req.ip ?? "unknown";
    if (limiter.recordFailure(req)) logger.warn({ ip, blocked_s: Math.ceil(limiter.limit.blockMs / 1000) }, `blocking ${ip}: ${limiter.limit.max} failed secrets`);
    sendError(res, 401, "unauthorized", METRICS_UNAUTHORIZED_MESSAGE);
  });
  router.use((_req: Request, res: Response, next) => {
    metrics
      .render()
      .then((text) => {
        // A scrape is never cached: each one is the state now.
        res.set("Cache-Control", "no-store").type(metrics.contentType).send(text);
      })
      .catch(next);
  });
  return router;
}

/** X-Webhook-Secret decides when sent; else `Authorization: Bearer <token>`; another scheme (Basic...) is a wrong secret. */
function checkSecret(secret: SecretCheck, req: Request): SecretOutcome {
  const header = req.headers["x-webhook-secret"];
  if (header !== undefined) return secret.check(Array.isArray(header) ? header.join(",") : header);
  const auth = req.headers.authorization;
  if (auth === undefined || auth.trim() === "") return "missing";
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
  return bearer ? secret.check(bearer[1]) : "wrong";
}
