// The Orchestrator when the disk or the logs fail: it comes up anyway, says what is wrong
// (problems), refuses commands with the reason while the state cannot be saved, recovers by
// itself, and tells of log problems once each way.
import { afterEach, describe, expect, it } from "@jest/globals";
import { pino } from "pino";
import { ManualClock } from "../../src/core/clock.js";
import type { Effect } from "../../src/core/effects.js";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { LogHealth } from "../../src/logging/log-health.js";
import { Orchestrator, type Change } from "../../src/orchestrator/orchestrator.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { def, policies } from "../core/machine-helpers.js";

// Every orchestrator is shut down, also after a failed test: a save retrying on a "full disk"
// keeps its timer (on purpose: a result must not be lost), which would keep jest from exiting.
const opened: Orchestrator[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.shutdown();
});

/** A store whose disk is full while `full` is true. */
class DiskStore extends MemoryStateStore {
  full = false;
  failures = 0;
  override async save(state: SessionState): Promise<void> {
    if (this.full) {
      this.failures++;
      throw new Error("could not save /x/state.json: ENOSPC: no space left on device, write. Disk full? Free space and retry.");
    }
    await super.save(state);
  }
}

async function open(opts: { store?: DiskStore; scripts?: Script[]; initial?: SessionState; logHealth?: LogHealth; outbox?: boolean } = {}) {
  const store = opts.store ?? new DiskStore(opts.initial);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const killed: unknown[] = [];
  const orchestrator = await Orchestrator.open({
    store,
    runner: new ScriptedRunner(...(opts.scripts ?? [])),
    clock: new ManualClock(),
    policy: policies.required!,
    logger,
    logsDir: "/tmp/orchestrator-test-logs",
    bootId: "boot-1",
    killOrphan: async (o) => void killed.push(o),
    saveRetryMs: 5,
    logHealth: opts.logHealth,
    outbox: opts.outbox,
  });
  opened.push(orchestrator);
  const changes: Change[] = [];
  orchestrator.subscribe((c) => changes.push(c));
  return { store, orchestrator, lines, killed, changes };
}

/** Polls `check` every 5 ms for up to `ms`. */
async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const start = { type: "start" as const, task_file: "/x/tasks.md", tasks: [def(1), def(2)], session_id: "S1" };

function crashedMidTask(): SessionState {
  const s = createIdleState();
  const task = { ...createTaskRecord(def(1)), status: "running" as const, attempts: 1, pid: 4321, pgid: 4321, boot_id: "boot-1" };
  Object.assign(s, { session_id: "S0", task_file: "/x/t.md", status: "running", tasks: [task, createTaskRecord(def(2))] });
  return s;
}

const notices = (changes: Change[]) =>
  changes.flatMap((c) => c.effects).flatMap((e: Effect) => (e.type === "notify" && e.notification.event.startsWith("logs_") ? [e.notification] : []));

describe("Orchestrator on a full disk", () => {
  it("opens at once when the recovered state cannot be saved, refuses commands with the reason, and recovers by itself", async () => {
    const store = new DiskStore(crashedMidTask());
    store.full = true;
    const { orchestrator, killed, lines } = await open({ store });
    // Up, degraded: the problem is named, nothing pretends to have been saved.
    expect(orchestrator.problems).toEqual([expect.stringMatching(/^cannot save the state: could not save \/x\/state\.json: ENOSPC/)]);
    expect(store.lastSaved?.status).toBe("running");
    const refused = await orchestrator.dispatch({ type: "skip" });
    expect(refused).toEqual({ ok: false, message: expect.stringMatching(/^Could not save the state, so no command is taken until it can be: .*ENOSPC.*retried in the background/) });
    expect(killed).toEqual([]); // effects wait for the save: nothing acts on an unsaved recovery
    // Space returns: the retry saves the recovery, ends the orphan, and commands are taken.
    store.full = false;
    await eventually(() => orchestrator.problems.length === 0 && orchestrator.unavailable === null);
    expect(store.lastSaved?.tasks[0]?.status).toBe("interrupted");
    expect(killed).toHaveLength(1);
    expect((await orchestrator.dispatch({ type: "skip" })).ok).toBe(true);
    // One line per try, with backoff; then one saying it works again.
    const saveLines = lines.filter((l) => /save the state/.test(String(l.msg)));
    expect(saveLines.length).toBe(store.failures);
    expect(lines.some((l) => l.msg === "the state is saved again; commands are taken again")).toBe(true);
    await orchestrator.shutdown();
  });

  it("backs off between tries of a result's save (5, 10, 20 ms ...), logging one line per try", async () => {
    const { orchestrator, store, lines } = await open({ scripts: [{ hold: true }] });
    await orchestrator.dispatch(start);
    await orchestrator.dispatch({ type: "approve" });
    await orchestrator.waitFor((s) => s.tasks[0]?.pid !== null);
    store.full = true;
    (orchestrator.options.runner as ScriptedRunner).release();
    await eventually(() => store.failures >= 4);
    const tries = lines.filter((l) => /save the state/.test(String(l.msg))).map((l) => l.retry_in_s);
    expect(tries.slice(0, 4)).toEqual([0.005, 0.01, 0.02, 0.04]);
    expect((await orchestrator.dispatch({ type: "pause" })).message).toMatch(/^Could not save the state/);
    store.full = false;
    const done = await orchestrator.waitFor((s) => s.tasks[0]?.status === "completed", 3000);
    expect(done.tasks[0]?.result).toBe("success"); // the result was kept in memory, not lost
    expect(store.lastSaved?.tasks[0]?.status).toBe("completed");
    await orchestrator.shutdown();
  });

  it("answers a command queued behind a result whose save starts failing at once, not when space returns", async () => {
    const { orchestrator, store } = await open({ scripts: [{ hold: true }] });
    await orchestrator.dispatch(start);
    await orchestrator.dispatch({ type: "approve" });
    await orchestrator.waitFor((s) => s.tasks[0]?.pid !== null);
    // The failing save takes 50 ms: the command arrives while it is under way.
    const save = store.save.bind(store);
    store.save = async (state) => {
      if (store.full) await new Promise((r) => setTimeout(r, 50));
      return save(state);
    };
    store.full = true;
    (orchestrator.options.runner as ScriptedRunner).release();
    await new Promise((r) => setTimeout(r, 10));
    expect(orchestrator.unavailable).toBeNull(); // no save has failed yet: the command is queued
    const t0 = Date.now();
    const reply = await orchestrator.dispatch({ type: "pause" });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(reply).toEqual({ ok: false, message: expect.stringMatching(/^Could not save the state, so no command is taken/) });
    store.full = false;
    await orchestrator.waitFor((s) => s.tasks[0]?.status === "completed", 3000);
    expect(store.lastSaved?.pause_requested).toBe(false); // the refused pause changed nothing
    await orchestrator.shutdown();
  });

  it("after a command's failed save, re-saves in the background so the problem clears without a command", async () => {
    const { orchestrator, store } = await open();
    store.full = true;
    const reply = await orchestrator.dispatch(start);
    expect(reply.message).toMatch(/^Could not save the state, so nothing changed: .*ENOSPC/);
    expect(orchestrator.problems).toHaveLength(1);
    store.full = false;
    await eventually(() => orchestrator.problems.length === 0);
    expect((await orchestrator.dispatch(start)).ok).toBe(true);
    await orchestrator.shutdown();
  });

  it("shutdown does not wait out a long backoff", async () => {
    const { orchestrator, store } = await open({ scripts: [{ hold: true }] });
    await orchestrator.dispatch(start);
    await orchestrator.dispatch({ type: "approve" });
    await orchestrator.waitFor((s) => s.tasks[0]?.pid !== null);
    (orchestrator.options as { saveRetryMs?: number }).saveRetryMs = 60_000;
    store.full = true;
    (orchestrator.options.runner as ScriptedRunner).release();
    await eventually(() => store.failures >= 1);
    const t0 = Date.now();
    await orchestrator.shutdown();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("Orchestrator and the logs", () => {
  it("tells once when logs stop being written and once when they work again, and lists it in problems", async () => {
    const health = new LogHealth();
    const { orchestrator, changes } = await open({ logHealth: health });
    health.fail("daily_log", "EROFS: read-only file system, open '/x/2026-12-01.log'");
    health.fail("task_output", "could not open the output log: EROFS: read-only file system, open '/x/S1/task-1-output.log'");
    health.fail("daily_log", "EROFS again");
    await eventually(() => notices(changes).length === 1);
    expect(orchestrator.problems).toEqual(["logs are not being written: EROFS again"]);
    health.ok("daily_log"); // clears the task output failure too: the folder works again
    await eventually(() => notices(changes).length === 2);
    expect(notices(changes)).toEqual([
      { event: "logs_failing", level: "error", task_index: null, message: expect.stringMatching(/^Logs are not being written: EROFS: read-only file system, open '\/x\/2026-12-01\.log'\. Tasks still run/) },
      { event: "logs_recovered", level: "success", task_index: null, message: "Logs are being written again." },
    ]);
    expect(orchestrator.problems).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(notices(changes)).toHaveLength(2);
    await orchestrator.shutdown();
  });

  it("tells of a problem found before it listened (a read-only logs folder at start), into the n8n outbox too", async () => {
    const health = new LogHealth();
    health.fail("daily_log", "EROFS: read-only file system, open '/x/2026-12-01.log'");
    const { orchestrator, store } = await open({ logHealth: health, outbox: true });
    await eventually(() => (store.lastSaved?.outbox.length ?? 0) === 1);
    expect(store.lastSaved?.outbox[0]).toMatchObject({ event: "logs_failing", type: "error", message: expect.stringContaining("EROFS") });
    await orchestrator.shutdown();
  });
});
