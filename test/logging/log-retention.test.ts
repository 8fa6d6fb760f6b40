// logging.retention_days at work: the key's validation, LogRetention's sweep at start and on its
// timer, stop(), what the state keeps, and openApp's wiring (old logs gone at start, the state kept).
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openApp, type App } from "../../src/app/open-app.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ManualClock } from "../../src/core/clock.js";
import { createIdleState, type SessionState } from "../../src/core/state.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { LogRetention, logsToKeep } from "../../src/logging/log-retention.js";
import { DAY_MS } from "../../src/logging/prune-old-logs.js";
import { errorIn, loadIn, removeTempDirs } from "../config/load-config-fixtures.js";

const dirs: string[] = [];
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});
afterAll(async () => {
  await removeTempDirs();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "log-retention-"));
  dirs.push(dir);
  return dir;
}

async function put(file: string, at: Date): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, "x\n");
  await utimes(file, at, at);
  return file;
}

const daysBefore = (clock: ManualClock, days: number) => new Date(clock.now().getTime() - days * DAY_MS);

function quietLogger(clock: ManualClock) {
  const lines: { msg: string }[] = [];
  const console = { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) } as unknown as NodeJS.WritableStream;
  return { logger: createLogger({ level: "info", logsDir: null, clock, console }).logger, lines };
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = performance.now() + ms; performance.now() < end; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

describe("logging.retention_days", () => {
  it("defaults to 30, takes null (keep forever) and text from ${VAR}, and refuses 0, 1.5 and words", async () => {
    expect((await loadIn({})).config.logging.retention_days).toBe(30);
    expect((await loadIn({ "config.yaml": "logging:\n  retention_days: ~\n" })).config.logging.retention_days).toBeNull();
    expect((await loadIn({ "config.yaml": "logging:\n  retention_days: ${DAYS}\n" }, { DAYS: "7" })).config.logging.retention_days).toBe(7);
    for (const [value, got] of [["0", "0"], ["1.5", "1.5"], ["a month", '"a month"']]) {
      const error = await errorIn({ "config.yaml": `logging:\n  retention_days: ${value}\n` });
      expect({ key: error.key, message: error.message }).toEqual({
        key: "logging.retention_days",
        message: `config.yaml: logging.retention_days must be a whole number >= 1, or null (got ${got})`,
      });
    }
  });
});

describe("LogRetention", () => {
  it("sweeps at start and again on its timer, by the clock; stop() ends the timer", async () => {
    const logs = path.join(await temp(), "logs");
    const clock = new ManualClock("2026-03-31T12:00:00.000Z");
    const { logger, lines } = quietLogger(clock);
    const first = await put(path.join(logs, "s1", "task-1-output.log"), daysBefore(clock, 31));
    const second = await put(path.join(logs, "s2", "task-1-output.log"), daysBefore(clock, 20));
    const retention = new LogRetention({ logsDir: logs, retentionDays: 30, clock, logger, keep: () => ({ sessionId: null, planId: null }), everyMs: 50 });

    retention.start();
    const atStart = await retention.sweep(); // the one start() began
    expect(atStart.removed).toEqual([first, path.dirname(first)]);
    expect(existsSync(second)).toBe(true);
    expect(lines.map((l) => l.msg)).toContain("log retention: removed 2 log file(s) and folder(s) older than 30 day(s)");

    clock.advance(15 * DAY_MS); // second is 35 days old now: the next tick takes it
    expect(await until(() => !existsSync(second), 5000)).toBe(true);

    await retention.stop();
    const third = await put(path.join(logs, "s3", "task-1-output.log"), daysBefore(clock, 60));
    await new Promise((r) => setTimeout(r, 200)); // four ticks' worth
    expect(existsSync(third)).toBe(true);
  });

  it("reads what to keep from the state at each sweep: its session's folder, its plan, its tasks' logs", async () => {
    const logs = path.join(await temp(), "logs");
    const clock = new ManualClock("2026-03-31T12:00:00.000Z");
    const { logger } = quietLogger(clock);
    const old = daysBefore(clock, 90);
    const sessionLog = await put(path.join(logs, "s-now", "task-1-output.log"), old);
    const planLog = await put(path.join(logs, "plans", "2026-03-31-p1-round0.log"), old);
    const named = await put(path.join(logs, "s-old", "task-7-output.log"), old);
    const other = await put(path.join(logs, "s-old", "task-8-output.log"), old);
    const state: SessionState = { ...createIdleState(), session_id: "s-now", plan: { id: "2026-03-31-p1" } as SessionState["plan"] };
    state.tasks = [{ output_log: named } as SessionState["tasks"][number], { output_log: null } as SessionState["tasks"][number]];
    expect(logsToKeep(state)).toEqual({ sessionId: "s-now", planId: "2026-03-31-p1", files: [named] });

    const retention = new LogRetention({ logsDir: logs, retentionDays: 30, clock, logger, keep: () => logsToKeep(state) });
    const result = await retention.sweep();
    expect(result.removed).toEqual([other]);
    expect([sessionLog, planLog, named].map(existsSync)).toEqual([true, true, true]);
    await retention.stop();
  });
});

describe("openApp: log retention", () => {
  it("removes old logs at start and keeps new ones and the reports; close() stops it", async () => {
    const dir = await temp();
    const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
    const clock = new ManualClock("2026-03-31T12:00:00.000Z");
    const old = daysBefore(clock, 45);
    const taskLog = await put(path.join(config.paths.logs_dir, "20260101-s", "task-1-verify.log"), old);
    const daily = await put(path.join(config.paths.logs_dir, "2026-02-01.log"), old);
    const recent = await put(path.join(config.paths.logs_dir, "2026-03-30.log"), daysBefore(clock, 1));
    const report = await put(path.join(config.paths.results_dir, "2026-02-01-report.md"), old);

    app = await openApp({ ...config, logging: { ...config.logging, retention_days: 30 } }, { env: {}, clock, console: null, problemStream: null, workTree: null });
    expect(await until(() => !existsSync(taskLog) && !existsSync(daily), 5000)).toBe(true);
    expect([recent, report].map(existsSync)).toEqual([true, true]);
    await app.close();
    app = null;
  });

  it("retention_days: null removes nothing", async () => {
    const dir = await temp();
    const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
    const clock = new ManualClock("2026-03-31T12:00:00.000Z");
    const daily = await put(path.join(config.paths.logs_dir, "2026-01-01.log"), daysBefore(clock, 400));
    app = await openApp({ ...config, logging: { ...config.logging, retention_days: null } }, { env: {}, clock, console: null, problemStream: null, workTree: null });
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(daily)).toBe(true);
  });
});
