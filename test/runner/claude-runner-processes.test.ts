// Watchdogs, kills and memory: the runner must leave no process behind and not buffer output.
import { describe, it, expect, afterAll } from "@jest/globals";
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { isProcessGroupAlive, killProcessGroup } from "../../src/runner/kill-process-group.js";
import { calls, fakeConfig, grandchildren, isAlive, removeDir, runScenario, tempDir, waitGone } from "./runner-test-helpers.js";
import path from "node:path";

const dirs: string[] = [];
const run = async (...args: Parameters<typeof runScenario>) => {
  const r = await runScenario(...args);
  dirs.push(r.dir);
  return r;
};
afterAll(() => dirs.forEach(removeDir));

/** Every process the fake recorded (itself and its grandchildren) must be gone. */
async function expectNoneLeft(dir: string, expectedGrandchildren = 0) {
  const pids = [...calls(dir).map((c) => c.pid), ...grandchildren(dir).map((g) => g.grandchild_pid)];
  expect(pids).toHaveLength(1 + expectedGrandchildren);
  for (const pid of pids) expect(await waitGone(pid)).toBe(true);
}

describe("ClaudeRunner watchdogs and process cleanup", () => {
  it("wall-clock timeout", async () => {
    const t0 = Date.now();
    const r = await run("hang", { timeout: 0.5, idle_timeout: 10 });
    expect(r.outcome).toMatchObject({ ok: false, kind: "timeout", reason: "timed out after 0.5 s" });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.outcome.session_id).not.toBeNull(); // from init
    await expectNoneLeft(r.dir);
  });

  it("idle timeout", async () => {
    const r = await run("hang", { timeout: 10, idle_timeout: 0.5 });
    expect(r.outcome).toMatchObject({ kind: "idle_timeout", reason: "no output for 0.5 s (idle timeout)" });
    await expectNoneLeft(r.dir);
  });

  it("a child lingering after a successful result is ended and still counts as success", async () => {
    const t0 = Date.now();
    const r = await run("hang_after_result", { result_grace: 0.5 });
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", summary: "Done. All tests pass." });
    expect(Date.now() - t0).toBeLessThan(3000);
    await expectNoneLeft(r.dir);
  });

  it("a child ignoring SIGTERM gets SIGKILL after kill_grace, with its grandchild", async () => {
    const t0 = Date.now();
    const r = await run("ignore_sigterm", { timeout: 0.5, kill_grace: 0.5 });
    expect(r.outcome).toMatchObject({ kind: "timeout", signal: "SIGKILL" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(4000);
    await expectNoneLeft(r.dir, 1);
  });

  it("a grandchild left behind by a successful run is killed", async () => {
    const r = await run("orphan");
    expect(r.outcome.kind).toBe("success");
    await expectNoneLeft(r.dir, 1);
  });

  it("a grandchild that left the group and holds the pipe does not stall the run", async () => {
    const t0 = Date.now();
    const r = await run("escaped_grandchild");
    const [{ grandchild_pid }] = grandchildren(r.dir);
    try {
      expect(r.outcome.kind).toBe("success");
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      process.kill(grandchild_pid, "SIGKILL"); // outside our reach by design; the test cleans up
    }
  });

  it("abort signal ends the run as cancelled", async () => {
    const ac = new AbortController();
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir }, dropEnv: [] });
    const outcome = await runner.run(
      { prompt: "FAKE_CLAUDE: hang", logFile: path.join(dir, "t.log"), signal: ac.signal },
      { onProgress: (p) => p.kind === "init" && ac.abort() },
    );
    expect(outcome).toMatchObject({ ok: false, kind: "cancelled", reason: "cancelled" });
    await expectNoneLeft(dir);
  });

  it("an already aborted signal starts nothing", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { FAKE_CLAUDE_RECORD: dir }, dropEnv: [] });
    const outcome = await runner.run({ prompt: "x", logFile: path.join(dir, "t.log"), signal: AbortSignal.abort() });
    expect(outcome.kind).toBe("cancelled");
    expect(calls(dir)).toHaveLength(0);
  });

  it("flood: the whole stream reaches the log while memory stays flat", async () => {
    const mb = 20;
    const mem = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = mem();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, mem())), 10);
    let progress = 0;
    const dir = tempDir();
    dirs.push(dir);
    const runner = new ClaudeRunner(fakeConfig(dir), { env: { PATH: process.env.PATH, FAKE_CLAUDE_FLOOD_MB: String(mb) }, dropEnv: [] });
    const logFile = path.join(dir, "flood.log");
    const outcome = await runner.run({ prompt: "FAKE_CLAUDE: flood", logFile }, { onProgress: () => progress++ });
    clearInterval(sampler);
    expect(outcome.kind).toBe("success");
    expect(outcome.summary).toMatch(/^Printed \d+ lines\.$/);
    const lines = Number(/Printed (\d+)/.exec(outcome.summary ?? "")?.[1]);
    expect(progress).toBe(lines + 1); // every text block, plus init
    expect(statSync(logFile).size).toBeGreaterThan(mb * 1024 * 1024);
    expect((peak - base) / 1024 / 1024).toBeLessThan(30); // measured about 3 MB; buffering the stream would add 20+
  });
});

describe("killProcessGroup / isProcessGroupAlive", () => {
  it("signals a whole group and reports whether it existed", async () => {
    const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    const pgid = child.pid!;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    expect(isProcessGroupAlive(pgid)).toBe(true);
    expect(killProcessGroup(pgid, "SIGKILL")).toBe(true);
    await exited;
    expect(isAlive(pgid)).toBe(false);
    expect(isProcessGroupAlive(pgid)).toBe(false);
    expect(killProcessGroup(pgid, "SIGTERM")).toBe(false);
  });

  it("refuses pgids that would mean 'our group' or 'everything'", () => {
    for (const bad of [0, 1, -1, -5, 1.5, Number.NaN]) {
      expect(killProcessGroup(bad, 0)).toBe(false);
      expect(isProcessGroupAlive(bad)).toBe(false);
    }
  });
});
