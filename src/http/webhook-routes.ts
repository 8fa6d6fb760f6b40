import express, { type Request, type Response, type Router } from "express";
import type { Control } from "../control/control.js";
import { ControlError } from "../control/control-error.js";
import { CONTROL_COMMANDS, type ControlCommand, type ControlRequest, type StatusData } from "../control/control-types.js";
import { parseControlBody } from "../control/parse-control-request.js";
import { withBy } from "../history/request-by.js";
import type { Logger } from "../logging/create-logger.js";
import { setAuthOutcome } from "./access-log.js";
import type { AuthFailureLimiter } from "./auth-failure-limiter.js";
import { controlResponse } from "./control-response.js";
import { sendError, UNAUTHORIZED_MESSAGE } from "./http-errors.js";
import type { SecretCheck } from "./secret-check.js";

export interface WebhookRoutesOptions {
  control: Control;
  secret: SecretCheck;
  limiter: AuthFailureLimiter;
  logger: Logger;
  bodyLimit: string;
}

/** `/webhook/<name>`: "command" (the command in the body) or one route per command. */
const ROUTES = new Set<string>(["command", ...CONTROL_COMMANDS]);
const JSON_TYPES = ["application/json", "application/*+json"];
const SECRET_HEADER = "x-webhook-secret";
/** Routes under a path of their own: `/webhook/plan/start` is the plan_start command. */
const SUB_PATHS = new Map([["plan/start", "plan_start"], ["plan/discard", "plan_discard"]]);
/** Commands that only read, also taken as GET (the secret then comes as the header): GET /webhook/plan is plan_show. */
const GET_ROUTES = new Map([["plan", "plan_show"]]);
/** Who the client says it is, for the event history ("the CLI"). */
const BY_HEADER = "x-orchestrator-by";

/**
 * The /webhook/* API, mounted at /webhook. Each stage answers or passes on, cheapest first:
 * blocked address (429) -> known route and POST (404/405) -> header secret (401) -> JSON only
 * (415) -> parse (413/400) -> body secret (401) -> command (400) -> Control. A header secret,
 * when sent, decides alone; the body's `secret` is read only without one. Neither is ever logged.
 */
export function webhookRoutes(opts: WebhookRoutesOptions): Router {
  const { secret, limiter, logger } = opts;
  const router = express.Router();

  const fail = (req: Request, res: Response, outcome: "missing" | "wrong") => {
    setAuthOutcome(res, outcome);
    const ip = req.ip ?? "unknown";
    if (limiter.recordFailure(req)) {
      logger.warn({ ip, blocked_s: Math.ceil(limiter.limit.blockMs / 1000) }, `blocking ${ip}: ${limiter.limit.max} failed secrets`);
    }
    sendError(res, 401, "unauthorized", UNAUTHORIZED_MESSAGE);
  };

  router.use(limiter.check);

  router.use((req, res, next) => {
    const name = req.path.replace(/^\/|\/$/g, "");
    const route = SUB_PATHS.get(name) ?? name;
    if (!ROUTES.has(route)) {
      const listed = [...[...ROUTES].map((r) => `POST /webhook/${r}`), ...[...GET_ROUTES.keys()].map((r) => `GET /webhook/${r}`), ...[...SUB_PATHS.keys()].map((r) => `POST /webhook/${r}`)];
      return sendError(res, 404, "not_found", `No route ${req.method} /webhook/${name.slice(0, 40)}. Routes: ${listed.join(", ")}.`);
    }
    const read = req.method === "GET" ? GET_ROUTES.get(route) : undefined;
    if (req.method !== "POST" && !read) {
      const allow = GET_ROUTES.has(route) ? "GET, POST" : "POST";
      res.set("Allow", allow);
      return sendError(res, 405, "method_not_allowed", `/webhook/${name} takes ${allow.replace(", ", " or ")}, not ${req.method}.`);
    }
    res.locals.route = read ?? route;
    next();
  });

  router.use((req, res, next) => {
    const given = req.headers[SECRET_HEADER];
    if (given === undefined) return next();
    const outcome = secret.check(Array.isArray(given) ? given.join(",") : given);
    if (outcome !== "ok") return fail(req, res, outcome);
    setAuthOutcome(res, "ok");
    next();
  });

  router.use((req, res, next) => {
    // No body at all (Content-Length 0 or absent) is fine: the header may carry the secret.
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (!hasBody || req.is(JSON_TYPES)) return next();
    const type = req.headers["content-type"] ?? "none";
    sendError(res, 415, "unsupported_media_type", `The body must be JSON (Content-Type: application/json), not ${type.slice(0, 60)}.`);
  });

  // strict: false parses any JSON value, so a bare "hello" or 42 is told it must be an object (the
  // check below) rather than "not valid JSON". inflate: false refuses a compressed body (415)
  // before reading it: a gzip bomb is never inflated, and commands are tiny.
  router.use(express.json({ limit: opts.bodyLimit, type: JSON_TYPES, strict: false, inflate: false }));

  router.use((req, res, next) => {
    if (req.body !== undefined && (typeof req.body !== "object" || req.body === null || Array.isArray(req.body))) {
      return sendError(res, 400, "bad_request", `The body must be a JSON object, e.g. {"command": "status"}, not ${jsonKind(req.body)}.`);
    }
    if (res.locals.auth === "ok") return next();
    const outcome = secret.check((req.body as Record<string, unknown> | undefined)?.secret);
    if (outcome !== "ok") return fail(req, res, outcome);
    setAuthOutcome(res, "ok");
    next();
  });

  router.use((req, res, next) => {
    runCommand(opts, req, res).catch(next);
  });

  return router;
}

/**
 * Who sent a command, for the event history: the body's "by" (n8n names the Telegram user, the
 * CLI client sends "the CLI" as X-Orchestrator-By), else "HTTP <client address>".
 */
function senderOf(req: Request, body: Record<string, unknown>): string {
  const header = req.headers[BY_HEADER];
  const named = typeof body.by === "string" && body.by.trim() !== "" ? body.by : typeof header === "string" && header.trim() !== "" ? header : null;
  return (named ?? `HTTP ${req.ip ?? "unknown"}`).slice(0, 200);
}

/** "a string", "an array", "null"... for the message (never the value: it may hold a secret). */
function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "number" ? "a number" : typeof value === "boolean" ? "a boolean" : "a string";
}

async function runCommand(opts: WebhookRoutesOptions, req: Request, res: Response): Promise<void> {
  const route = res.locals.route as string;
  const body = (req.body as Record<string, unknown> | undefined) ?? {};
  let request: ControlRequest;
  try {
    request = withBy(parseControlBody(body, route === "command" ? undefined : route), senderOf(req, body));
  } catch (error) {
    if (error instanceof ControlError) return sendError(res, 400, "bad_request", error.message);
    throw error;
  }
  const result = await opts.control.execute(request);
  const level = request.command === "status" || request.command === "help" || request.command === "logs" ? "debug" : "info";
  opts.logger[level]({ ip: req.ip, command: request.command, code: result.code }, `${request.command}: ${result.ok ? "ok" : result.code}`);
  const { status, body: answer } = controlResponse(request.command as ControlCommand, result, () => opts.control.status().data as unknown as StatusData);
  res.status(status).json(answer);
}
