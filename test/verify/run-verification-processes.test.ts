// Timeouts, aborts, leftovers and floods: verification must leave no process behind and hold no output in memory.
import { describe, it, expect, afterAll } from "@jest/globals";
import { statSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { performance } from "node:perf_hooks";
import { runVerification } from "../../src/verify/run-verification.js";
import { OUTPUT_TAIL_BYTES } from "../../src/verify/output-tail.js";
import { fixture, killQuietly, node, readLog, readPids, removeTempDirs, request, waitForFile, waitGone } from "./verify-test-helpers.js";

afterAll(removeTempDirs);

describe("runVerification: process groups", () => {
  it("a timeout ends a command and its grandchild that both ignore SIGTERM (SIGKILL after the grace)", async () => {
    const req = request({ timeoutMs: 1500, killGraceMs: 300 });
    const pidFile = path.join(req.projectDir, "pids.json");
    req.commands = [node(fixture("stubborn.mjs"), pidFile), "node --version"];
    const t0 = performance.now();
    const result = await runVerification(req);
    const elapsed = performance.now() - t0;
    const { pid, grandchild_pid } = readPids(pidFile); // both were running and ignoring SIGTERM in time
    try {
      expect(result).toMatchObject({ passed: false, cancelled: false, failure_kind: "timeout", output_tail: "waiting" });
      expect(result.failure).toBe(`${req.commands[0]} timed out after 1.5 s`);
      expect(result.commands).toHaveLength(1);
      expect(result.commands[0]).toMatchObject({ exit_code: null, signal: "SIGKILL", timed_out: true, error: "timed out after 1.5 s" });
      expect(result.commands[0]?.duration_s).toBeGreaterThanOrEqual(1.7);
      expect(elapsed).toBeGreaterThanOrEqual(1750);
      expect(elapsed).toBeLessThan(5000);
      expect(await waitGone(pid)).toBe(true);
      expect(await waitGone(grandchild_pid)).toBe(true);
      expect(readLog(req.logFile)).toMatch(/\nwaiting\n\[timed out after 1\.5 s; ended by SIGKILL after \d+\.\d s\]\n$/);
    } finally {
      killQuietly(pid, grandchild_pid);
    }
  });

  it("an abort mid-command ends its whole group at once and the result is cancelled", async () => {
    const ac = new AbortController();
    const req = request({ killGraceMs: 300, signal: ac.signal });
    const pidFile = path.join(req.projectDir, "pids.json");
    req.commands = [node(fixture("stubborn.mjs"), pidFile), "node --version"];
    const running = runVerification(req);
    expect(await waitForFile(pidFile)).toBe(true);
    const { pid, grandchild_pid } = readPids(pidFile);
    try {
      const t0 = performance.now();
      ac.abort();
      const result = await running;
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(result).toMatchObject({ passed: false, cancelled: true, failure_kind: "cancelled", failure: `verification cancelled during ${req.commands[0]}` });
      expect(result.commands).toHaveLength(1);
      expect(result.commands[0]).toMatchObject({ exit_code: null, signal: "SIGKILL", timed_out: false, cancelled: true, error: "cancelled" });
      expect(await waitGone(pid)).toBe(true);
      expect(await waitGone(grandchild_pid)).toBe(true);
      expect(readLog(req.logFile)).toMatch(/\[cancelled; ended by SIGKILL after \d+\.\d s\]\n$/);
    } finally {
      killQuietly(pid, grandchild_pid);
    }
  });

  it("an already aborted signal runs nothing", async () => {
    const req = request({ signal: AbortSignal.abort(), deliverables: ["x"] });
    req.commands = [node("-e", "require('fs').writeFileSync('ran', '')")];
    const result = await runVerification(req);
    expect(result).toMatchObject({ passed: false, cancelled: true, commands: [], failure: "verification cancelled", failure_kind: "cancelled" });
    expect(readLog(req.logFile)).toBe("");
  });

  it("a grandchild left running by a passing command is ended, and its open pipe does not hold things up", async () => {
    const req = request();
    const pidFile = path.join(req.projectDir, "pids.json");
    req.commands = [node(fixture("leave-grandchild.mjs"), pidFile)];
    const t0 = performance.now();
    const result = await runVerification(req);
    const { grandchild_pid } = readPids(pidFile);
    try {
      expect(result.passed).toBe(true);
      expect(performance.now() - t0).toBeLessThan(900); // not the 1 s wait for a pipe held outside the group
      expect(await waitGone(grandchild_pid)).toBe(true);
    } finally {
      killQuietly(grandchild_pid);
    }
  });
});

describe("runVerification: output volume", () => {
  it("20 MB of output: all of it in the log, a bounded tail in the result, memory flat", async () => {
    const mb = 20;
    // Each pipe read is a fresh buffer, garbage at once, but V8 collects it only every few tens
    // of MB; sampling after a GC measures what is really held, the thing under test. A minor GC
    // (young generation, where those buffers die) is enough, and cheap enough not to slow the flood.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;
    const held = () => {
      gc({ type: "minor" });
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    gc({ type: "major" });
    const base = held();
    let peak = base;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, held());
      samples += 1;
    }, 10);
    const req = request({ commands: [node(fixture("flood.mjs"), String(mb))] });
    const result = await runVerification(req);
    clearInterval(sampler);
    expect(result.commands[0]?.exit_code).toBe(2);
    expect(result.failure).toMatch(/ exited 2: flood done$/);
    expect(Buffer.byteLength(result.output_tail)).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES);
    expect(Buffer.byteLength(result.output_tail)).toBeGreaterThan(OUTPUT_TAIL_BYTES - 200);
    expect(result.output_tail).toMatch(/^line \d{9} x+\n/); // cut at a line start
    expect(result.output_tail.endsWith("\nflood done")).toBe(true);
    expect(statSync(req.logFile).size).toBeGreaterThan(mb * 1024 * 1024);
    expect(samples).toBeGreaterThanOrEqual(2); // it sampled while the output flowed
    expect((peak - base) / 1024 / 1024).toBeLessThan(12); // measured 2-7 MB (GC timing, a second jest worker); holding the output would add 20+
  });
});
