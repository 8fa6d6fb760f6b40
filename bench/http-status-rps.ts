/**
 * What the HTTP layer costs: requests/second of POST /webhook/status on the real app (secret
 * check, JSON parser, access log line, Control.status() of a 3-task session) against a bare
 * Express handler answering a small JSON, same request, same clients, same duration.
 * Run alone: `node bin/run-ts.js bench/http-status-rps.ts [seconds] [connections]` prints the JSON.
 */
import express from "express";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/load-config.js";
import { Control } from "../src/control/control.js";
import { systemClock } from "../src/core/clock.js";
import { createHttpApp } from "../src/http/create-http-app.js";
import { startHttpServer, type RunningHttpServer } from "../src/http/start-http-server.js";
import { createSilentLogger } from "../src/logging/create-logger.js";
import { localDate } from "../src/logging/daily-file-stream.js";
import { Orchestrator } from "../src/orchestrator/orchestrator.js";
import { ScriptedRunner } from "../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../src/store/state-store.js";

/** A client loop stops at this many requests even if time is left: bounded in count and time. */
const MAX_REQUESTS = 2_000_000;
/** Warm-up before each measurement (JIT, sockets), ms. */
const WARM_UP_MS = 300;

export interface StatusRps {
  bareRps: number;
  statusRps: number;
  /** statusRps / bareRps: the share of a bare handler's throughput the real status route keeps. */
  ratio: number;
}

export async function measureStatusRps(opts: { seconds?: number; connections?: number } = {}): Promise<StatusRps> {
  const ms = (opts.seconds ?? 2) * 1000;
  const connections = opts.connections ?? 8;
  const dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-bench-http-"));
  const secret = randomBytes(32).toString("hex");
  const servers: RunningHttpServer[] = [];
  let orchestrator: Orchestrator | null = null;
  try {
    const bare = express();
    bare.post("/webhook/status", (_req, res) => void res.json({ status: "waiting_approval", task: 1, total: 3 }));
    const real = await realApp(dir, secret);
    orchestrator = real.orchestrator;
    servers.push(await startHttpServer(bare, "127.0.0.1", 0), await startHttpServer(real.app, "127.0.0.1", 0));
    const [bareUrl, realUrl] = servers.map((s) => new URL("/webhook/status", s.url)) as [URL, URL];
    const body = JSON.stringify({ secret });
    await drive(bareUrl, body, connections, WARM_UP_MS);
    const bareRps = await drive(bareUrl, body, connections, ms);
    await drive(realUrl, body, connections, WARM_UP_MS);
    const statusRps = await drive(realUrl, body, connections, ms);
    return { bareRps: Math.round(bareRps), statusRps: Math.round(statusRps), ratio: Number((statusRps / bareRps).toFixed(3)) };
  } finally {
    for (const s of servers) await s.close();
    await orchestrator?.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The real app on a real Orchestrator with a 3-task session waiting for approval. */
async function realApp(dir: string, secret: string): Promise<{ app: express.Express; orchestrator: Orchestrator }> {
  const tasksDir = path.join(dir, "orchestrator_tasks");
  const logsDir = path.join(dir, "orchestrator_logs");
  await mkdir(tasksDir, { recursive: true });
  const tasks = [1, 2, 3].map((i) => `## Task ${i}: Bench task ${i}\n**Type:** backend\n**Description:** Do thing ${i}\n`).join("\n---\n\n");
  await writeFile(path.join(tasksDir, `${localDate(systemClock.now())}-tasks.md`), tasks);
  const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
  config.paths.tasks_dir = tasksDir;
  config.paths.logs_dir = logsDir;
  const logger = createSilentLogger();
  const orchestrator = await Orchestrator.open({
    store: new MemoryStateStore(),
    runner: new ScriptedRunner(),
    clock: systemClock,
    policy: config.orchestrator,
    logger,
    logsDir,
    bootId: null,
  });
  const control = new Control({ orchestrator, config, clock: systemClock });
  const started = await control.execute({ command: "start" });
  if (!started.ok) throw new Error(`bench session did not start: ${started.message}`);
  const app = createHttpApp({ control, secret, logger, clock: systemClock, version: "bench", accessLogFile: path.join(logsDir, "webhook-access.log") });
  return { app, orchestrator };
}

/** `connections` keep-alive clients, each sending the next request when the last is answered, for `ms`. */
async function drive(url: URL, body: string, connections: number, ms: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url.href} answered ${res.statusCode}`))));
      });
      req.setTimeout(5000, () => req.destroy(new Error(`${url.href} did not answer in 5 s`)));
      req.on("error", reject);
      req.end(body);
    });
  let count = 0;
  const started = performance.now();
  const deadline = started + ms;
  try {
    const client = async () => {
      while (performance.now() < deadline && count < MAX_REQUESTS) {
        await one();
        count++;
      }
    };
    await Promise.all(Array.from({ length: connections }, client));
    return count / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [seconds, connections] = process.argv.slice(2).map(Number);
  const result = await measureStatusRps({ seconds: seconds || undefined, connections: connections || undefined });
  console.log(JSON.stringify(result));
}
