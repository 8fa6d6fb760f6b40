import type { Request, RequestHandler, Response } from "express";
import { pino } from "pino";
import { pinoHttp } from "pino-http";
import type { Clock } from "../core/clock.js";
import type { LogHealth } from "../logging/log-health.js";
import { AccessLogFile } from "./access-log-file.js";

/**
 * How the request's secret was judged: "ok" / "missing" / "wrong" once checked; "none" when the
 * route needs no secret (/health, unknown paths) or the request was answered before the check
 * (blocked address, wrong method, a body that could not be read).
 */
export type AuthOutcome = "ok" | "missing" | "wrong" | "none";

/** Sets the auth outcome the access log line will carry. */
export function setAuthOutcome(res: Response, auth: AuthOutcome): void {
  res.locals.auth = auth;
}

/** A path longer than this is cut in the log, so a hostile URL cannot bloat it. */
const MAX_PATH = 200;

/**
 * Censored wherever they would appear in a line of this logger (req.log's lines carry pino-http's
 * `req`): both secret headers, the query (someone may put a secret there) and a body's "secret".
 */
const REDACT = ['req.headers["x-webhook-secret"]', 'req.headers["x-telegram-bot-api-secret-token"]', "req.query", "req.body.secret"];

/**
 * pino-http writing one JSON line per request to `file` when the response finishes (or the
 * connection closes first): level, time (ISO, from `clock`), ip, method, path (never the query),
 * status, ms, auth, aborted (only when true), msg. Headers and bodies are not in the line at all.
 * `file` null logs nothing (tests and benchmarks may opt out). The file stays open for the life of
 * the process, as the daily log does.
 */
export function accessLog(file: string | null, clock: Clock, health: LogHealth | null = null): RequestHandler {
  if (file === null) return (_req, _res, next) => next();
  const out = new AccessLogFile(file, 1000, health);
  const logger = pino(
    {
      base: null,
      timestamp: () => `,"time":"${clock.now().toISOString()}"`,
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    out,
  );
  const line = (req: Request, res: Response, val: { responseTime?: number }) => ({
    ip: req.ip ?? req.socket.remoteAddress ?? "unknown",
    method: req.method,
    path: pathOf(req.originalUrl),
    status: res.statusCode,
    ms: val.responseTime,
    auth: (res.locals.auth as AuthOutcome | undefined) ?? "none",
    ...(res.writableFinished ? {} : { aborted: true }),
  });
  return pinoHttp<Request, Response>({
    logger,
    // The line is ours alone: not pino-http's req/res objects (headers, remote port...).
    quietResLogger: true,
    // pino-http's req (in req.log's lines) would keep the query in its url: the path alone.
    serializers: { req: (req: { url?: string }) => ({ ...req, url: pathOf(req.url) }) },
    customSuccessObject: (req, res, val) => line(req, res, val as { responseTime?: number }),
    customErrorObject: (req, res, _err, val) => line(req, res, val as { responseTime?: number }),
  });
}

function pathOf(url: string | undefined): string {
  return (url?.split("?")[0] ?? "").slice(0, MAX_PATH);
}
