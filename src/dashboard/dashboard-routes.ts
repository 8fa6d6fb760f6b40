import express, { type Request, type Response } from "express";
import helmet from "helmet";
import type { Control } from "../control/control.js";
import type { DiffData, PendingPermission, StatusData } from "../control/control-types.js";
import { ControlError } from "../control/control-error.js";
import { parseCommandText } from "../control/parse-control-request.js";
import { readLogTail } from "../control/read-log-tail.js";
import { outputLine } from "./views/output-line.js";
import type { PermissionDecision } from "../core/permission.js";
import type { AuthFailureLimiter } from "../http/auth-failure-limiter.js";
import type { Logger } from "../logging/create-logger.js";
import type { DayReport } from "../report/day-report-types.js";
import { renderDayReport } from "../report/render-day-report.js";
import { packageFolder, publicFolder } from "./asset-folders.js";
import { readCookie, SESSION_COOKIE, sessionCookie } from "./cookies.js";
import { CSRF_HEADER, csrfMatches } from "./csrf.js";
import { registerDashboard, type DashboardAuth } from "./dashboard-auth.js";
import { LiveFeed } from "./live-feed.js";
import type { DashboardSession } from "./session-store.js";
import { html } from "./views/html.js";
import { historyPage } from "./views/history-page.js";
import { liveView } from "./views/live-view.js";
import { loginPage } from "./views/login-page.js";
import { overviewPage } from "./views/overview-page.js";
import { reportPage } from "./views/report-page.js";
import { statusView } from "./views/status-view.js";
import { taskPage } from "./views/task-page.js";
import { tasksView } from "./views/tasks-view.js";

/** Lines of a log the task page shows (its tail). */
const LOG_TAIL_LINES = 200;
const ACTIONS = new Set(["approve", "skip", "pause", "resume", "retry", "cancel"]);
const DECISIONS: ReadonlySet<string> = new Set<PermissionDecision>(["allow", "always", "deny", "stop"]);

export interface DashboardRoutesOptions {
  control: Control;
  auth: DashboardAuth;
  /** The failed-secret limiter /webhook uses: a wrong secret here counts against the same address. */
  limiter: AuthFailureLimiter;
  logger: Logger;
  /** Browsers on /dashboard/events at once (default 20). */
  maxLiveClients?: number;
  /** SSE heartbeat, ms (default 15 s). */
  heartbeatMs?: number;
}

type Authed = Request & { dashboardSession?: DashboardSession };

// Only 'self': no inline script or style anywhere (htmx is configured by a meta tag, the page's
// own code is dashboard.js), no CDN, no framing.
const csp = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

/**
 * The dashboard: GET / and everything under /dashboard. Signed in with the webhook secret
 * (POST /dashboard/login) or a one-time link; every POST after that carries the session's CSRF
 * token (403 without). Every command goes through Control with by "dashboard <ip>".
 */
export function mountDashboard(app: express.Express, opts: DashboardRoutesOptions): void {
  const { control, auth } = opts;
  const log = opts.logger.child({ module: "dashboard" });
  const orchestrator = control.options.orchestrator;
  const feed = new LiveFeed(orchestrator, opts.maxLiveClients, opts.heartbeatMs);
  // Telegram's /dashboard finds this sign-in by the Control both share.
  registerDashboard(control, auth);
  const secure = auth.options.secureCookie;
  const ttlS = auth.options.sessionTtlMs / 1000;
  const by = (req: Request) => `dashboard ${req.ip ?? req.socket.remoteAddress ?? "unknown"}`;
  const sessionOf = (req: Request) => auth.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
  const signIn = (req: Request, res: Response) => {
    const session = auth.signIn(req.ip ?? "unknown");
    res.set("Set-Cookie", sessionCookie(session.id, ttlS, secure));
    log.info({ ip: req.ip }, "dashboard sign-in");
    return session;
  };

  app.get("/", csp, (req, res) => {
    const session = sessionOf(req);
    if (!session) return void res.redirect(303, "/dashboard/login");
    res.type("html").send(overviewPage(session, { live: liveView(feed.latest), status: statusPart(), tasks: tasksView(orchestrator.state) }));
  });

  const r = express.Router();
  r.use(csp);
  // Cached for a day: a new pin means a new release, and a restart; the names carry no version.
  const assets = { index: false, maxAge: "1d", fallthrough: false } as const;
  r.use("/assets/htmx", express.static(`${packageFolder("htmx.org")}/dist`, assets));
  r.use("/assets/diff2html", express.static(`${packageFolder("diff2html")}/bundles`, assets));
  r.use("/assets/chart.js", express.static(`${packageFolder("chart.js")}/dist`, assets));
  r.use("/assets/app", express.static(publicFolder(), assets));

  r.get("/", (_req, res) => res.redirect(303, "/"));
  r.get("/login", (req, res) => {
    if (sessionOf(req)) return void res.redirect(303, "/");
    res.type("html").send(loginPage(null));
  });
  // Form posts only; the secret travels in the body, never a URL. The failed-secret limiter
  // blocks an address after 5 wrong secrets a minute, /webhook's and these together.
  r.post("/login", opts.limiter.check, express.urlencoded({ extended: false, limit: "4kb" }), (req, res) => {
    const outcome = auth.checkSecret((req.body as Record<string, unknown> | undefined)?.secret);
    if (outcome !== "ok") {
      opts.limiter.recordFailure(req);
      log.warn({ ip: req.ip, outcome }, "dashboard sign-in refused");
      return void res.status(401).type("html").send(loginPage(outcome === "missing" ? "Enter the webhook secret." : "That is not the webhook secret."));
    }
    signIn(req, res);
    res.redirect(303, "/");
  });
  r.get("/link/:token", opts.limiter.check, (req, res) => {
    if (!auth.links.redeem(String(req.params.token))) {
      opts.limiter.recordFailure(req);
      return void res.status(403).type("html").send(loginPage("That sign-in link has expired or was used already: send /dashboard again, or sign in with the secret."));
    }
    signIn(req, res);
    res.redirect(303, "/");
  });

  // Everything below needs a session; POSTs need its CSRF token too.
  r.use((req: Authed, res, next) => {
    const session = sessionOf(req);
    if (!session) {
      if (req.headers["hx-request"]) res.set("HX-Redirect", "/dashboard/login");
      if (req.method === "GET" && !req.headers["hx-request"] && req.path !== "/events") return void res.redirect(303, "/dashboard/login");
      return void res.status(401).type("text").send("Sign in first: /dashboard/login");
    }
    req.dashboardSession = session;
    next();
  });
  r.use(express.urlencoded({ extended: false, limit: "16kb" }));
  r.use((req: Authed, res, next) => {
    if (req.method !== "POST") return next();
    const given = req.headers[CSRF_HEADER] ?? (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!csrfMatches(req.dashboardSession!, given)) {
      log.warn({ ip: req.ip, path: req.path, missing: given === undefined }, "dashboard request without its CSRF token refused");
      return void res.status(403).type("text").send("Refused: this request does not carry the page's CSRF token. Reload the page.");
    }
    next();
  });

  r.post("/logout", (req: Authed, res) => {
    auth.sessions.delete(req.dashboardSession!.id);
    res.set("Set-Cookie", sessionCookie("", 0, secure)).set("HX-Redirect", "/dashboard/login").status(204).end();
  });

  r.get("/partials/status", (_req, res) => void res.type("html").send(statusPart().value));
  r.get("/partials/tasks", (_req, res) => void res.type("html").send(tasksView(orchestrator.state).value));

  r.get("/events", (_req, res) => {
    if (!feed.attach(res)) res.status(503).set("Retry-After", "30").type("text").send(`Too many dashboards follow already (${feed.maxClients}); close one.`);
  });

  r.post("/action/:name", async (req, res) => {
    const name = String(req.params.name);
    if (!ACTIONS.has(name)) return void flash(res, 404, false, `No action ${name}.`);
    const result = await control.execute({ command: name as "approve", by: by(req) });
    flash(res, 200, result.ok, result.message);
  });

  r.post("/permission", async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = typeof body.id === "string" ? body.id : "";
    const decision = typeof body.decision === "string" ? body.decision : "";
    if (!id || !DECISIONS.has(decision)) return void flash(res, 400, false, "A permission answer needs an id and allow, always, deny or stop.");
    const result = await control.execute({ command: "permission", id, decision: decision as PermissionDecision, by: by(req) });
    flash(res, 200, result.ok, result.message);
  });

  r.post("/answer", async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = typeof body.id === "string" ? body.id : "";
    const answers: Record<string, string> = {};
    for (let i = 0; i < 10; i++) {
      const question = body[`question${i}`];
      if (typeof question !== "string") continue;
      const picked = ([] as unknown[]).concat(body[`q${i}`] ?? []).filter((v): v is string => typeof v === "string" && v !== "");
      const own = typeof body[`text${i}`] === "string" ? (body[`text${i}`] as string).trim() : "";
      const answer = own || picked.join(", ");
      if (answer) answers[question] = answer;
    }
    if (!id || Object.keys(answers).length === 0) return void flash(res, 400, false, "Pick an option or write an answer.");
    const result = await control.execute({ command: "answer", id, answers, by: by(req) });
    flash(res, 200, result.ok, result.message);
  });

  r.get("/task/:n", async (req: Authed, res) => {
    const n = Number(req.params.n);
    const record = Number.isInteger(n) && n >= 1 ? orchestrator.state.tasks[n - 1] : undefined;
    if (!record) return void res.status(404).type("html").send(html`<p>No task ${String(req.params.n)} in this session. <a href="/">Back</a></p>`.value);
    const diff = await control.execute({ command: "diff", task: n });
    const output = record.output_log ? await tail(record.output_log, outputLine) : { lines: [], problem: record.output_log_error ?? "No output log (the task has not run)." };
    const verify = [];
    for (const c of record.verification?.commands ?? []) verify.push({ command: c.command, exit_code: c.exit_code, file: c.log, lines: c.log ? (await tail(c.log)).lines : [] });
    res.type("html").send(
      taskPage(req.dashboardSession!, {
        task: n,
        record,
        diff: diff.ok ? (diff.data as unknown as DiffData) : null,
        diffProblem: diff.ok ? null : diff.message,
        output: { file: record.output_log, ...output },
        verify,
      }),
    );
  });

  r.get("/report", async (req: Authed, res) => {
    const result = await control.execute({ command: "report" });
    const data = result.data as { file?: string; report?: DayReport };
    res.type("html").send(reportPage(req.dashboardSession!, orchestrator.state, { ok: result.ok, text: result.ok && data.report ? renderDayReport(data.report) : result.message, file: data.file ?? null }));
  });

  r.get("/history", async (req: Authed, res) => {
    const q = typeof req.query.q === "string" ? req.query.q.slice(0, 200) : "";
    let result: { ok: boolean; message: string };
    try {
      result = await control.execute(parseCommandText(`/history ${q}`));
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      result = { ok: false, message: error.message };
    }
    res.type("html").send(historyPage(req.dashboardSession!, q, result));
  });

  app.use("/dashboard", r);

  function statusPart() {
    const status = control.status().data as unknown as StatusData;
    const pending = (control.permissions().data as { pending: PendingPermission[] }).pending;
    return statusView(status, pending);
  }
}

/** A line for #flash; the partials reload (HX-Trigger) since the state may have moved. */
function flash(res: Response, status: number, ok: boolean, message: string): void {
  res.status(status).set("HX-Trigger", "orch-change").type("html").send(html`<p class="${ok ? "ok" : "error"}" data-ok="${String(ok)}">${message}</p>`.value);
}

/** The end of a log: Claude's stream rendered by outputLine, a verify log (a command's own output) as it is. */
async function tail(file: string, render: (line: string) => string | null = (line) => line): Promise<{ lines: string[]; problem: string | null }> {
  try {
    return { lines: await readLogTail(file, LOG_TAIL_LINES, undefined, render), problem: null };
  } catch (error) {
    return { lines: [], problem: `cannot read ${file}: ${(error as Error).message}` };
  }
}

