/**
 * GET /metrics over real HTTP on 127.0.0.1, on an app opened by openApp (its metrics wired to the
 * orchestrator's transitions) with a scripted runner, the real Verify command runner and a
 * ManualClock: a session of 2 completed tasks (one asks a permission) and 1 failed one, then the
 * text format checked line by line and its samples compared with what happened.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openApp, type App } from "../../src/app/open-app.js";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { MeteredRunner, type MeteredScript } from "./metered-runner.js";
import { parseMetrics, sample } from "./parse-metrics.js";

type Json = Record<string, any>;

function taskFile(count: number): string {
  return Array.from({ length: count }, (_, i) => `## Task ${i + 1}: Task number ${i + 1}\n**Type:** backend\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\nInstruction ${i + 1}\n`).join("\n---\n\n");
}

const tokens = (input: number, output: number, creation: number, read: number) => ({ input_tokens: input, output_tokens: output, cache_creation_input_tokens: creation, cache_read_input_tokens: read });

async function startMetricsHarness(opts: { scripts: MeteredScript[]; public?: boolean; verify?: string[] }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-metrics-"));
  const clock = new ManualClock();
  const runner = new MeteredRunner(clock, ...opts.scripts);
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.claude.project_dir = dir;
  config.orchestrator.verify = opts.verify ?? [];
  config.metrics.public = opts.public ?? false;
  await mkdir(config.paths.tasks_dir, { recursive: true });
  await writeFile(path.join(config.paths.tasks_dir, "tasks.md"), taskFile(3));
  // outbox: true as when n8n is set (no notifier here): notifications pile up in the state's outbox.
  const app: App = await openApp(config, { env: { PATH: process.env.PATH }, clock, runner, outbox: true, console: null, problemStream: null, workTree: null });
  const control = new Control({ orchestrator: app.orchestrator, config, clock });
  const secret = randomBytes(16).toString("hex");
  const http = createHttpApp({ control, secret, logger: app.logger, clock, version: "1.2.3", accessLogFile: null, metrics: app.metrics, metricsPublic: config.metrics.public });
  const server = await startHttpServer(http, "127.0.0.1", 0);

  async function post(route: string, body: Json = {}): Promise<Json> {
    const res = await fetch(`${server.url}/webhook/${route}`, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": secret }, body: JSON.stringify(body) });
    const json = (await res.json()) as Json;
    expect({ route, status: res.status }).toEqual({ route, status: 200 });
    return json;
  }
  async function scrape(headers: Record<string, string> = { authorization: `Bearer ${secret}` }): Promise<{ status: number; type: string | null; text: string }> {
    const res = await fetch(`${server.url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  }
  const until = (pred: (s: SessionState) => boolean) => app.orchestrator.waitFor(pred, 15_000);
  async function close(): Promise<void> {
    await server.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { dir, clock, runner, app, secret, server, post, scrape, until, close };
}

type Harness = Awaited<ReturnType<typeof startMetricsHarness>>;

describe("GET /metrics", () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it("after 2 completed tasks and 1 failed: tasks by status, durations, cost, tokens, waits, the permission gauge 1 then 0, the outbox depth", async () => {
    h = await startMetricsHarness({
      verify: ["node -e 'setTimeout(() => {}, 250)'"],
      scripts: [
        { ask: { tool: "Bash", input: { command: "npm test" } }, takesMs: 30_000, outcome: { cost_usd: 0.25, tokens: tokens(100, 20, 5, 7) } },
        { takesMs: 60_000, outcome: { cost_usd: 0.5, tokens: tokens(200, 30, 0, 3) } },
        { takesMs: 90_000, outcome: { ok: false, kind: "exit_error", reason: "claude exited 1", exit_code: 1, cost_usd: 0.125, tokens: tokens(50, 10, 0, 0) } },
      ],
    });
    const { clock, post, until, scrape } = h;
    await post("start", { task_file: "tasks.md" });

    // Task 1: 42 s until approved; it asks a permission, answered 7 s later.
    await until((s) => s.status === "waiting_approval");
    clock.advance(42_000);
    await post("approve");
    const asking = await until((s) => (s.permissions ?? []).some((p) => p.status === "pending"));
    const pendingNow = parseMetrics((await scrape()).text);
    expect(sample(pendingNow, "orchestrator_permission_requests_pending")).toBe(1);
    clock.advance(7_000);
    await post("permission", { id: asking.permissions![0]!.id, decision: "allow" });

    // Tasks 2 and 3: 42 s each until approved.
    for (const index of [1, 2]) {
      await until((s) => s.status === "waiting_approval" && s.current_task_index === index);
      clock.advance(42_000);
      await post("approve");
    }
    const end = await until((s) => s.status === "task_failed");
    expect(end.tasks.map((t) => [t.status, t.duration_s])).toEqual([["completed", 37], ["completed", 60], ["failed", 90]]);
    expect(h.runner.answers).toHaveLength(1);

    const answer = await scrape();
    expect(answer.status).toBe(200);
    expect(answer.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    const m = parseMetrics(answer.text);

    expect(sample(m, "orchestrator_tasks_finished_total", { status: "completed" })).toBe(2);
    expect(sample(m, "orchestrator_tasks_finished_total", { status: "failed" })).toBe(1);
    expect(sample(m, "orchestrator_tasks_finished_total", { status: "skipped" })).toBe(0);
    expect(sample(m, "orchestrator_task_duration_seconds_count", { status: "completed" })).toBe(2);
    expect(sample(m, "orchestrator_task_duration_seconds_sum", { status: "completed" })).toBe(97);
    expect(sample(m, "orchestrator_task_duration_seconds_bucket", { status: "completed", le: "60" })).toBe(2);
    expect(sample(m, "orchestrator_task_duration_seconds_bucket", { status: "completed", le: "30" })).toBe(0);
    expect(sample(m, "orchestrator_task_duration_seconds_sum", { status: "failed" })).toBe(90);
    // The two successful runs were verified (a real node child taking 0.25 s); the failed one never was.
    expect(sample(m, "orchestrator_verification_duration_seconds_count", { result: "passed" })).toBe(2);
    expect(sample(m, "orchestrator_verification_duration_seconds_sum", { result: "passed" })).toBeGreaterThanOrEqual(0.4);
    expect(sample(m, "orchestrator_verification_duration_seconds_bucket", { result: "passed", le: "5" })).toBe(2);

    expect(sample(m, "orchestrator_cost_usd_total", { source: "task" })).toBeCloseTo(0.875, 9);
    expect(sample(m, "orchestrator_cost_usd_total", { source: "plan" })).toBe(0);
    expect(sample(m, "orchestrator_tokens_total", { kind: "input" })).toBe(350);
    expect(sample(m, "orchestrator_tokens_total", { kind: "output" })).toBe(60);
    expect(sample(m, "orchestrator_tokens_total", { kind: "cache_creation" })).toBe(5);
    expect(sample(m, "orchestrator_tokens_total", { kind: "cache_read" })).toBe(10);

    expect(sample(m, "orchestrator_person_wait_seconds_count", { kind: "approval" })).toBe(3);
    expect(sample(m, "orchestrator_person_wait_seconds_sum", { kind: "approval" })).toBe(126);
    expect(sample(m, "orchestrator_person_wait_seconds_count", { kind: "permission" })).toBe(1);
    expect(sample(m, "orchestrator_person_wait_seconds_sum", { kind: "permission" })).toBe(7);
    expect(sample(m, "orchestrator_person_wait_seconds_bucket", { kind: "permission", le: "10" })).toBe(1);

    expect(sample(m, "orchestrator_permission_requests_pending")).toBe(0);
    const outbox = h.app.orchestrator.state.outbox.length;
    expect(outbox).toBeGreaterThan(0);
    expect(sample(m, "orchestrator_notify_outbox_depth")).toBe(outbox);
    expect(sample(m, "orchestrator_usage_limit_waits_total")).toBe(0);
    expect(sample(m, "orchestrator_notify_delivery_failures_total", { kind: "failed" })).toBe(0);
    // Process metrics, from this app's own registry.
    expect(sample(m, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sample(m, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  }, 30_000);

  it("needs the secret: 401 without it, with a wrong one or another scheme; 200 with Bearer or X-Webhook-Secret; 429 after 5 failures", async () => {
    h = await startMetricsHarness({ scripts: [] });
    const none = await h.scrape({});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ status: "error", error: "unauthorized", message: expect.stringContaining("Authorization: Bearer") });
    expect((await h.scrape({ authorization: "Bearer wrong" })).status).toBe(401);
    expect((await h.scrape({ authorization: `Basic ${Buffer.from(`x:${h.secret}`).toString("base64")}` })).status).toBe(401);
    const bearer = await h.scrape({ authorization: `Bearer ${h.secret}` });
    expect(bearer.status).toBe(200);
    expect(bearer.text).toContain("# TYPE orchestrator_tasks_finished_total counter");
    expect((await h.scrape({ "x-webhook-secret": h.secret })).status).toBe(200);
    // The header secret decides alone: a wrong X-Webhook-Secret is not saved by a right Bearer.
    expect((await h.scrape({ "x-webhook-secret": "nope", authorization: `Bearer ${h.secret}` })).status).toBe(401);
    // 4 failures so far; the 5th starts the block, shared with /webhook.
    expect((await h.scrape({ "x-webhook-secret": "nope" })).status).toBe(401);
    const blocked = await h.scrape({ authorization: `Bearer ${h.secret}` });
    expect(blocked.status).toBe(429);
    const res = await fetch(`${h.server.url}/webhook/status`, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": h.secret }, body: "{}" });
    expect(res.status).toBe(429);
  });

  it("metrics.public: no secret needed; POST is 405", async () => {
    h = await startMetricsHarness({ scripts: [], public: true });
    const open = await h.scrape({});
    expect(open.status).toBe(200);
    expect(sample(parseMetrics(open.text), "orchestrator_tasks_finished_total", { status: "completed" })).toBe(0);
    const post = await fetch(`${h.server.url}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});
