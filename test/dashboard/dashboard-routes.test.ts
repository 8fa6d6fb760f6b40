/**
 * The dashboard's sign-in, CSRF and SSE over real HTTP on 127.0.0.1: the real HTTP app around a
 * real Orchestrator (in-memory state, scripted runner) and Control.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { rm, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { DashboardAuth } from "../../src/dashboard/dashboard-auth.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { ScriptedRunner } from "../../src/runner/scripted-runner.js";
import { openTestControl } from "../support/open-test-control.js";
import { taskFileText } from "../http/http-harness.js";

const SECRET = "dashboard-test-secret";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start() {
  const clock = new ManualClock();
  const runner = new ScriptedRunner({ hold: true, progress: [{ kind: "tool_use", text: "Bash: ls <dir>", tool: "Bash" }] });
  const t = await openTestControl({ prefix: "orchestrator-dashboard-", clock, runner });
  await writeFile(path.join(t.tasksDir, `${localDate(clock.now())}-tasks.md`), taskFileText(2).replace("Task number 1", "Task <b>one</b>"));
  const auth = new DashboardAuth({ secret: SECRET, clock, sessionTtlMs: 3_600_000, secureCookie: false, baseUrl: () => "http://127.0.0.1:1" });
  const app = createHttpApp({ control: t.control, secret: SECRET, logger: t.logger, clock, version: "1", accessLogFile: null, dashboard: auth });
  const server = await startHttpServer(app, "127.0.0.1", 0);
  cleanups.push(() => rm(t.dir, { recursive: true, force: true }), () => t.orchestrator.shutdown(), () => server.close());
  const fetchNoRedirect = (p: string, init: RequestInit = {}) => fetch(`${server.url}${p}`, { redirect: "manual", ...init });
  async function signIn(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetchNoRedirect("/dashboard/login", { method: "POST", body: new URLSearchParams({ secret: SECRET }) });
    expect(res.status).toBe(303);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const page = await (await fetchNoRedirect("/", { headers: { cookie } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]!;
    return { cookie, csrf };
  }
  return { ...t, clock, runner, auth, server, fetch: fetchNoRedirect, signIn };
}

describe("dashboard routes", () => {
  it("sends a browser without a session to sign in; a wrong secret is refused; the right one sets the cookie", async () => {
    const s = await start();
    const first = await s.fetch("/");
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/dashboard/login");
    expect(first.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(first.headers.get("content-security-policy")).not.toMatch(/unsafe-inline|https:/);
    const wrong = await s.fetch("/dashboard/login", { method: "POST", body: new URLSearchParams({ secret: "guess" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That is not the webhook secret.");
    const right = await s.fetch("/dashboard/login", { method: "POST", body: new URLSearchParams({ secret: SECRET }) });
    expect(right.status).toBe(303);
    expect(right.headers.get("set-cookie")).toMatch(/^orchestrator_dashboard=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    expect(s.logLines.join("\n")).not.toContain(SECRET);
  });

  it("refuses a POST without the session's CSRF token (403) and runs it with the token", async () => {
    const s = await start();
    const { cookie, csrf } = await s.signIn();
    expect((await s.control.execute({ command: "start" })).ok).toBe(true);
    const missing = await s.fetch("/dashboard/action/pause", { method: "POST", headers: { cookie } });
    expect(missing.status).toBe(403);
    const wrong = await s.fetch("/dashboard/action/pause", { method: "POST", headers: { cookie, "x-csrf-token": "x" + csrf } });
    expect(wrong.status).toBe(403);
    const noCookie = await s.fetch("/dashboard/action/pause", { method: "POST", headers: { "x-csrf-token": csrf } });
    expect(noCookie.status).toBe(401);
    const ok = await s.fetch("/dashboard/action/pause", { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('data-ok="true"');
    expect(s.orchestrator.state.status).toBe("paused");
    // The task title is escaped in the task list.
    const tasks = await (await s.fetch("/dashboard/partials/tasks", { headers: { cookie } })).text();
    expect(tasks).toContain("Task &lt;b&gt;one&lt;/b&gt;");
    expect(tasks).not.toContain("<b>one</b>");
  });

  it("a one-time link signs in once and not after 10 minutes", async () => {
    const s = await start();
    const link = s.auth.issueLink();
    const linkPath = new URL(link.url).pathname;
    const used = await s.fetch(linkPath);
    expect(used.status).toBe(303);
    expect(used.headers.get("set-cookie")).toContain("HttpOnly");
    expect((await s.fetch(linkPath)).status).toBe(403);
    const late = new URL(s.auth.issueLink().url).pathname;
    s.clock.advance(10 * 60_000);
    expect((await s.fetch(late)).status).toBe(403);
  });

  it("a session ends after dashboard.session_hours", async () => {
    const s = await start();
    const { cookie } = await s.signIn();
    expect((await s.fetch("/", { headers: { cookie } })).status).toBe(200);
    s.clock.advance(3_600_000);
    expect((await s.fetch("/", { headers: { cookie } })).status).toBe(303);
  });

  it("streams Claude's progress over SSE to a signed-in browser", async () => {
    const s = await start();
    const { cookie } = await s.signIn();
    const chunks: string[] = [];
    const req = http.get(`${s.server.url}/dashboard/events`, { headers: { cookie } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on("response", resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/event-stream");
    res.on("data", (c: Buffer) => chunks.push(c.toString()));
    expect((await s.control.execute({ command: "start" })).ok).toBe(true);
    expect((await s.control.execute({ command: "approve" })).ok).toBe(true);
    const deadline = Date.now() + 5000;
    while (!chunks.join("").includes("event: progress") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const text = chunks.join("");
    expect(text).toContain("event: change");
    expect(text).toMatch(/event: progress\ndata: \{"task":1,"kind":"tool_use","text":"Bash: ls <dir>","tool":"Bash"\}/);
    req.destroy();
    s.runner.release?.();
  });
});
