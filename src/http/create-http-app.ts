import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Control } from "../control/control.js";
import type { Clock } from "../core/clock.js";
import type { LogHealth } from "../logging/log-health.js";
import type { Logger } from "../logging/create-logger.js";
import { accessLog } from "./access-log.js";
import { authFailureLimiter, DEFAULT_AUTH_FAILURE_LIMIT, type AuthFailureLimit } from "./auth-failure-limiter.js";
import { describeBodyError, sendError } from "./http-errors.js";
import { SecretCheck } from "./secret-check.js";
import { webhookRoutes } from "./webhook-routes.js";
import type { DashboardAuth } from "../dashboard/dashboard-auth.js";
import { mountDashboard } from "../dashboard/dashboard-routes.js";
import { metricsRoute } from "../metrics/metrics-route.js";
import type { OrchestratorMetrics } from "../metrics/orchestrator-metrics.js";

export interface HttpAppOptions {
  control: Control;
  /** The webhook secret every /webhook/* request must carry. Must not be empty (throws). */
  secret: string;
  logger: Logger;
  /** Drives /health's uptime and the failed-secret blocks. */
  clock: Clock;
  /** Reported by /health. */
  version: string;
  /** orchestrator_logs/webhook-access.log; null writes no access log. */
  accessLogFile: string | null;
  /** Told when the access log cannot be written (and when it can again); default: nobody. */
  logHealth?: LogHealth | null;
  /** Largest JSON body accepted (default "64kb"; commands are tiny). Above it: 413. */
  bodyLimit?: string;
  /** Failed secrets before an address is blocked (default 5 in 60 s -> 429 for 60 s). */
  authFailureLimit?: AuthFailureLimit;
  /** Extra routes (the Telegram webhook), mounted before the JSON parser: they read their own bodies. */
  mount?: (app: express.Express) => void;
  /** The dashboard at / and /dashboard/* (src/dashboard/), signed in through this; null or absent: none (404). */
  dashboard?: DashboardAuth | null;
  /** GET /metrics serves these (Prometheus text format); null or absent: no /metrics (404). */
  metrics?: OrchestratorMetrics | null;
  /** metrics.public: /metrics without the secret (default false: X-Webhook-Secret or Authorization: Bearer). */
  metricsPublic?: boolean;
}

/**
 * The HTTP API: GET /health (no secret) and POST /webhook/* (the seed's endpoint table, see
 * webhook-routes.ts). Every answer is JSON, errors included: `{"status":"error","error","message"}`.
 * The app holds no timers, so it needs no closing (the server around it does); the access log
 * file stays open for the life of the process, as the daily log does.
 */
export function createHttpApp(opts: HttpAppOptions): express.Express {
  const log = opts.logger.child({ module: "http" });
  const bodyLimit = opts.bodyLimit ?? "64kb";
  const secret = new SecretCheck(opts.secret);
  const limiter = authFailureLimiter(opts.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT, opts.clock, log);
  const startedAt = opts.clock.now().getTime();

  const app = express();
  app.disable("x-powered-by");
  // Trust proxy stays off: req.ip is the socket's address. Behind a reverse proxy every client
  // would share the proxy's address (and its failed-secret budget); that is the safe side.
  app.use(accessLog(opts.accessLogFile, opts.clock, opts.logHealth ?? null));
  // helmet's defaults (a CSP, nosniff, frame and referrer policies...; X-Powered-By gone) on every
  // answer, JSON included; harmless for a JSON API, and a page that ever shows up is covered.
  // HSTS is left to whatever serves HTTPS in front: this server speaks plain HTTP.
  app.use(helmet({ strictTransportSecurity: false }));

  // 200 {"status":"ok"} when all is well; 503 {"status":"degraded","problems":[…]} while the state
  // cannot be saved (commands are refused then) or the logs are not being written.
  app.get("/health", (_req, res) => {
    const uptime = Math.max(0, Math.floor((opts.clock.now().getTime() - startedAt) / 1000));
    const health = opts.control.health();
    if (health.ok) res.json({ status: "ok", version: opts.version, uptime });
    else res.status(503).json({ status: "degraded", problems: health.problems, version: opts.version, uptime });
  });
  app.all("/health", (req, res) => {
    res.set("Allow", "GET, HEAD");
    sendError(res, 405, "method_not_allowed", `/health takes GET, not ${req.method}.`);
  });

  if (opts.metrics) app.use("/metrics", metricsRoute({ metrics: opts.metrics, secret, limiter, public: opts.metricsPublic ?? false, logger: log }));

  opts.mount?.(app);
  if (opts.dashboard) mountDashboard(app, { control: opts.control, auth: opts.dashboard, limiter, logger: log });

  app.use("/webhook", webhookRoutes({ control: opts.control, secret, limiter, logger: log, bodyLimit }));

  app.use((req, res) => {
    sendError(res, 404, "not_found", `No route ${req.method} ${req.path.slice(0, 80)}. See GET /health and POST /webhook/<command>.`);
  });

  // Express 5 sends rejected promises here too. Body errors become their 4xx; anything else is
  // a bug or an I/O failure: logged with its details, answered without them.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = describeBodyError(err, bodyLimit);
    if (known) return sendError(res, known.status, known.error, known.message);
    log.error({ err, method: req.method, path: req.path }, "request failed");
    sendError(res, 500, "internal", "Internal error; the orchestrator log has the details.");
  });

  return app;
}
