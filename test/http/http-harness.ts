/**
 * A real orchestrator behind the real HTTP app on 127.0.0.1 (random port), for the HTTP tests:
 * MemoryStateStore + ScriptedRunner, a Config from loadConfig with a temp tasks folder holding
 * today's task file, a ManualClock, and a logger that keeps its lines for inspection.
 */
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { createHttpApp, type HttpAppOptions } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { openTestControl } from "../support/open-test-control.js";

export function taskFileText(count: number, type = "backend"): string {
  return Array.from(
    { length: count },
    (_, i) => `## Task ${i + 1}: Task number ${i + 1}\n**Type:** ${type}\n**Description:** Do thing ${i + 1}\n**Claude Instruction:**\nInstruction ${i + 1}\n`,
  ).join("\n---\n\n");
}

export interface HarnessOptions {
  scripts?: Script[];
  /** Write `<today>-tasks.md` (3 tasks) into the tasks folder (default true). */
  todayFile?: boolean;
  app?: Partial<Pick<HttpAppOptions, "bodyLimit" | "authFailureLimit" | "mount">>;
}

export type Answer = { status: number; headers: Headers; json: Record<string, unknown> };

export async function startHarness(opts: HarnessOptions = {}) {
  const clock = new ManualClock();
  const runner = new ScriptedRunner(...(opts.scripts ?? []));
  const { dir, tasksDir, logsDir, config, logLines, logger, orchestrator, control } = await openTestControl({ prefix: "orchestrator-http-", clock, runner });
  const today = localDate(clock.now());
  if (opts.todayFile !== false) await writeFile(path.join(tasksDir, `${today}-tasks.md`), taskFileText(3));
  const secret = randomBytes(32).toString("hex");
  const accessLogFile = path.join(logsDir, "webhook-access.log");
  const app = createHttpApp({ control, secret, logger, clock, version: "1.2.3", accessLogFile, ...opts.app });
  const server = await startHttpServer(app, "127.0.0.1", 0);

  async function request(method: string, urlPath: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const res = await fetch(`${server.url}${urlPath}`, { method, body: init.body, headers: init.headers });
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`not JSON (${res.status}): ${text.slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, json };
  }

  /**
   * One request over a fresh connection from `from`, a loopback address of its own (127.0.0.2...):
   * the failed-secret limit is per address. Bounded to 5 s.
   */
  function requestFrom(from: string, method: string, urlPath: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${server.url}${urlPath}`, { method, localAddress: from, agent: false, headers: init.headers, timeout: 5_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
          try {
            resolve({ status: res.statusCode ?? 0, headers, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} from ${from} got no answer within 5 s`)));
      req.on("error", reject);
      req.end(init.body);
    });
  }

  /** POST a JSON body carrying the right secret (unless `secret` is given, or null for none). */
  function post(urlPath: string, body: Record<string, unknown> = {}, secretInBody: string | null = secret): Promise<Answer> {
    const payload = secretInBody === null ? body : { ...body, secret: secretInBody };
    return request("POST", urlPath, { body: JSON.stringify(payload), headers: { "content-type": "application/json" } });
  }

  /** Resolves once the session state satisfies `pred`. */
  function until(pred: (s: SessionState) => boolean): Promise<SessionState> {
    return orchestrator.waitFor(pred);
  }

  async function accessLines(): Promise<Record<string, unknown>[]> {
    const text = await readFile(accessLogFile, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async function close(): Promise<void> {
    runner.release();
    await orchestrator.shutdown();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }

  return { dir, tasksDir, logsDir, clock, today, config, runner, orchestrator, control, secret, accessLogFile, logLines, server, request, requestFrom, post, until, accessLines, close };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
