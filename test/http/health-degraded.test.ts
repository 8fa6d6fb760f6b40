// /health, /status and commands when the service is degraded: a state that cannot be saved
// (503 for /health and for commands, with the reason) and logs that are not being written.
import { afterEach, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import { createHttpApp } from "../../src/http/create-http-app.js";
import { startHttpServer } from "../../src/http/start-http-server.js";
import { LogHealth } from "../../src/logging/log-health.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ScriptedRunner } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { def, policies } from "../core/machine-helpers.js";

class DiskStore extends MemoryStateStore {
  full = false;
  override async save(state: SessionState): Promise<void> {
    if (this.full) throw new Error("could not save /x/state.json: ENOSPC: no space left on device, write. Disk full? Free space and retry.");
    await super.save(state);
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function serve() {
  const clock = new ManualClock();
  const store = new DiskStore();
  const logHealth = new LogHealth();
  const orchestrator = await Orchestrator.open({ store, runner: new ScriptedRunner(), clock, policy: policies.required!, logger: createSilentLogger(), logsDir: "/tmp/x-logs", bootId: null, saveRetryMs: 5, logHealth });
  const config = await loadConfig({ configPath: null, cwd: "/tmp", env: {} });
  const control = new Control({ orchestrator, config, clock });
  const secret = randomBytes(16).toString("hex");
  const server = await startHttpServer(createHttpApp({ control, secret, logger: createSilentLogger(), clock, version: "9.9.9", accessLogFile: null }), "127.0.0.1", 0);
  closers.push(async () => {
    await orchestrator.shutdown();
    await server.close();
  });
  const get = async (p: string) => {
    const r = await fetch(`${server.url}${p}`);
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const post = async (p: string, body: Record<string, unknown> = {}) => {
    const r = await fetch(`${server.url}${p}`, { method: "POST", headers: { "content-type": "application/json", "x-webhook-secret": secret }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  return { store, logHealth, orchestrator, control, get, post };
}

async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("a degraded service over HTTP", () => {
  it("answers /health 503 degraded naming the problem while the state cannot be saved, refuses commands with 503, and is ok again by itself", async () => {
    const s = await serve();
    expect(await s.get("/health")).toEqual({ status: 200, json: { status: "ok", version: "9.9.9", uptime: 0 } });
    s.store.full = true;
    // A command whose save fails: refused, nothing changed, and the service is degraded from then on.
    const reply = await s.orchestrator.dispatch({ type: "start", task_file: "/x/t.md", tasks: [def(1)], session_id: "S1" });
    expect(reply.ok).toBe(false);
    const health = await s.get("/health");
    expect(health.status).toBe(503);
    expect(health.json).toEqual({ status: "degraded", problems: [expect.stringMatching(/^cannot save the state: could not save \/x\/state\.json: ENOSPC/)], version: "9.9.9", uptime: 0 });
    const refused = await s.post("/webhook/approve");
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ status: "error", error: "unavailable", message: expect.stringMatching(/^Could not save the state, so no command is taken until it can be: .*ENOSPC/) });
    const status = await s.post("/webhook/status");
    expect(status.status).toBe(200);
    expect(status.json.problems).toEqual([expect.stringMatching(/^cannot save the state: .*ENOSPC/)]);
    expect(status.json.message).toMatch(/^📊 Orchestrator Status\n\n⚠️ cannot save the state: .*ENOSPC/);
    s.store.full = false;
    await eventually(async () => (await s.get("/health")).status === 200);
    expect((await s.post("/webhook/command", { command: "pause" })).status).toBe(409); // taken (and refused by the session: idle)
  });

  it("lists logs that are not being written in /health and /status", async () => {
    const s = await serve();
    s.logHealth.fail("daily_log", "EROFS: read-only file system, open '/x/2026-12-01.log'");
    const health = await s.get("/health");
    expect(health).toEqual({ status: 503, json: expect.objectContaining({ status: "degraded", problems: ["logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'"] }) });
    const status = await s.post("/webhook/status");
    expect(status.json.problems).toEqual(["logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'"]);
    expect(status.json.message).toContain("⚠️ logs are not being written: EROFS");
    s.logHealth.ok("daily_log");
    expect((await s.get("/health")).status).toBe(200);
  });
});
