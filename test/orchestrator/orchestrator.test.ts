import { describe, expect, it } from "@jest/globals";
import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import { CONTINUE_PROMPT } from "../../src/core/build-prompt.js";
import { ManualClock } from "../../src/core/clock.js";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { Orchestrator, type Change } from "../../src/orchestrator/orchestrator.js";
import type { LeftoversEnded, RunLeftovers } from "../../src/orchestrator/end-run-leftovers.js";
import type { Runner } from "../../src/runner/runner.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { def, policies } from "../core/machine-helpers.js";

class FlakyStore extends MemoryStateStore {
  failNext = 0;
  saved: SessionState[] = [];
  override async save(state: SessionState): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("ENOSPC: no space left on device");
    }
    await super.save(state);
    this.saved.push(structuredClone(state));
  }
}

interface OpenOptions {
  policy?: ApprovalPolicy;
  scripts?: Script[];
  initial?: SessionState;
  bootId?: string | null;
  killed?: RunLeftovers[];
  killOrphan?: (orphan: RunLeftovers) => Promise<LeftoversEnded | void>;
  maxContinuations?: number;
  runner?: Runner;
}

async function open(opts: OpenOptions = {}) {
  const store = new FlakyStore(opts.initial);
  const runner = new ScriptedRunner(...(opts.scripts ?? []));
  const orchestrator = await openWith(store, opts.runner ?? runner, opts);
  const changes: Change[] = [];
  orchestrator.subscribe((c) => changes.push(c));
  return { store, runner, orchestrator, changes };
}

function openWith(store: FlakyStore, runner: Runner, opts: OpenOptions): Promise<Orchestrator> {
  return Orchestrator.open({
    store,
    runner,
    clock: new ManualClock(),
    policy: opts.policy ?? (policies.required as ApprovalPolicy),
    logger: createSilentLogger(),
    logsDir: "/tmp/orchestrator-test-logs",
    bootId: opts.bootId ?? "boot-1",
    killOrphan: opts.killOrphan ?? (async (orphan) => void opts.killed?.push(orphan)),
    saveRetryMs: 5,
    maxContinuations: opts.maxContinuations,
  });
}

/** Resolves once the state satisfies `pred` (checked after every transition). */
function until(o: Orchestrator, pred: (s: SessionState) => boolean): Promise<SessionState> {
  return o.waitFor(pred);
}

const start = (n = 3) => ({ type: "start" as const, task_file: "/x/tasks.md", tasks: Array.from({ length: n }, (_, i) => def(i + 1)), session_id: "S1" });

describe("Orchestrator", () => {
  it("runs every task in auto mode and persists each step before acknowledging it", async () => {
    const { orchestrator, store, runner } = await open({ policy: policies.auto });
    const reply = await orchestrator.dispatch(start(3));
    expect(reply.ok).toBe(true);
    // Acknowledged only after the new state was written.
    expect(store.lastSaved?.session_id).toBe("S1");
    const final = await until(orchestrator, (s) => s.status === "completed");
    expect(final.tasks.map((t) => t.status)).toEqual(["completed", "completed", "completed"]);
    expect(runner.calls).toHaveLength(3);
    expect(store.lastSaved?.status).toBe("completed");
    // The prompt carries the task's instruction; each task logs to its own file.
    expect(runner.calls[1]?.prompt).toContain("Instruction 2");
    expect(runner.calls[1]?.logFile).toBe("/tmp/orchestrator-test-logs/S1/task-2-output.log");
    expect(final.tasks[0]?.output_log).toBe("/tmp/orchestrator-test-logs/S1/task-1-output.log");
  });

  it("runs a task exactly once when two approvals arrive at the same moment", async () => {
    const { orchestrator, runner } = await open({ scripts: [{ hold: true }] });
    await orchestrator.dispatch(start(2));
    const replies = await Promise.all([orchestrator.dispatch({ type: "approve" }), orchestrator.dispatch({ type: "approve" })]);
    expect(replies.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(replies.find((r) => !r.ok)?.message).toMatch(/already running/);
    expect(runner.calls).toHaveLength(1);
    runner.release();
    await until(orchestrator, (s) => s.status === "waiting_approval" && s.current_task_index === 1);
  });

  it("refuses a command whose state cannot be saved, and changes nothing", async () => {
    const { orchestrator, store, runner } = await open();
    await orchestrator.dispatch(start(1));
    store.failNext = 1;
    const reply = await orchestrator.dispatch({ type: "approve" });
    expect(reply.ok).toBe(false);
    expect(reply.message).toMatch(/Could not save the state.*ENOSPC/);
    expect(orchestrator.state.status).toBe("waiting_approval");
    expect(runner.calls).toHaveLength(0);
    // The background re-save works at once here (orchestrator-degraded.test.ts has the rest).
    for (let i = 0; i < 100 && orchestrator.problems.length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect((await orchestrator.dispatch({ type: "approve" })).ok).toBe(true);
  });

  it("keeps retrying the save of a finished task's result until the disk takes it", async () => {
    const { orchestrator, store } = await open({ policy: policies.auto, scripts: [{ hold: true }] });
    await orchestrator.dispatch(start(1));
    await until(orchestrator, (s) => s.tasks[0]?.pid !== null);
    store.failNext = 3;
    (orchestrator as unknown as { options: { runner: ScriptedRunner } }).options.runner.release();
    const final = await until(orchestrator, (s) => s.status === "completed");
    expect(final.tasks[0]?.result).toBe("success");
    expect(store.failNext).toBe(0);
    expect(store.lastSaved?.tasks[0]?.status).toBe("completed");
  });

  it("passes progress on without writing it, and coalesces a flood", async () => {
    const progress = Array.from({ length: 5000 }, (_, i) => ({ kind: "text" as const, text: `line ${i}` }));
    const { orchestrator, store, changes } = await open({ policy: policies.auto, scripts: [{ progress }] });
    await orchestrator.dispatch(start(1));
    await until(orchestrator, (s) => s.status === "completed");
    const seen = changes.filter((c) => c.event.type === "task_progress");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(10);
    expect(seen.at(-1)?.effects[0]).toMatchObject({ notification: { message: "line 4999" } });
    // start, spawned, finished: progress is never written.
    expect(store.saved.length).toBe(3);
  });

  it("on shutdown ends the running task, marks it interrupted and saves that", async () => {
    const { orchestrator, store } = await open({ policy: policies.auto, scripts: [{ hold: true }] });
    await orchestrator.dispatch(start(2));
    await until(orchestrator, (s) => s.tasks[0]?.pid !== null);
    await orchestrator.shutdown();
    expect(store.lastSaved?.tasks[0]?.status).toBe("interrupted");
    expect(store.lastSaved?.status).toBe("waiting_approval");
    expect((await orchestrator.dispatch({ type: "approve" })).message).toMatch(/shutting down/);
  });

  it("after a crash, marks the running task interrupted, ends its orphaned group, and waits", async () => {
    const crashed = createIdleState();
    const task = { ...createTaskRecord(def(1)), status: "running" as const, attempts: 1, pid: 4321, pgid: 4321, boot_id: "boot-1" };
    Object.assign(crashed, { session_id: "S0", task_file: "/x/t.md", status: "running", tasks: [task, createTaskRecord(def(2))] });
    const killed: RunLeftovers[] = [];
    const { orchestrator, store, runner } = await open({ initial: crashed, killed, policy: policies.auto });
    expect(orchestrator.state.status).toBe("waiting_approval");
    expect(orchestrator.state.tasks[0]?.status).toBe("interrupted");
    expect(store.lastSaved?.tasks[0]?.status).toBe("interrupted");
    await orchestrator.shutdown(); // waits for the orphan kill
    expect(killed).toEqual([{ pgid: 4321, run_marker: null, state_marker: null }]);
    expect(runner.calls).toHaveLength(0);
  });

  it("records the run's marker the runner reports at spawn", async () => {
    const runner: Runner = {
      run: (_req, hooks) =>
        new Promise(() => hooks?.onSpawn?.({ pid: 777, pgid: 777, run_marker: "777-abc-def" })), // never ends: the run is "in flight"
    };
    const { orchestrator, store } = await open({ policy: policies.auto, runner });
    await orchestrator.dispatch(start(1));
    await until(orchestrator, (s) => s.tasks[0]?.pid === 777);
    expect(store.lastSaved?.tasks[0]).toMatchObject({ pid: 777, pgid: 777, run_marker: "777-abc-def", boot_id: "boot-1" });
  });

  it("after a crash, ends everything carrying the run's marker and its group before it takes any command, then forgets them", async () => {
    const crashed = createIdleState();
    const task = { ...createTaskRecord(def(1)), status: "running" as const, attempts: 1, pid: 4321, pgid: 4321, boot_id: "boot-1", run_marker: "4000-x-y" };
    Object.assign(crashed, { session_id: "S0", task_file: "/x/t.md", status: "running", tasks: [task, createTaskRecord(def(2))] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const asked: RunLeftovers[] = [];
    const store = new FlakyStore(crashed);
    const opening = openWith(store, new ScriptedRunner(), {
      policy: policies.auto,
      killOrphan: async (orphan) => {
        asked.push(orphan);
        await gate;
        return { ended: [4321, 4400], forced: false, survivors: [] };
      },
    });
    let opened = false;
    void opening.then(() => (opened = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked).toEqual([{ pgid: 4321, run_marker: "4000-x-y", state_marker: null }]);
    expect(opened).toBe(false); // no command can come in while the leftovers may still run
    // The record is kept on disk until they are gone: a crash now leaves the work to the next start.
    expect(store.lastSaved?.tasks[0]).toMatchObject({ status: "interrupted", pgid: 4321, run_marker: "4000-x-y" });
    release();
    const orchestrator = await opening;
    const state = await orchestrator.waitFor((s) => s.tasks[0]?.run_marker === null, 2000);
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", pid: null, pgid: null });
    expect(store.lastSaved?.tasks[0]).toMatchObject({ pid: null, pgid: null, run_marker: null });
    await orchestrator.shutdown();
  });

  it("retry with feedback resumes the failed Claude session with the feedback as the prompt", async () => {
    const { orchestrator, runner } = await open({
      policy: policies.auto,
      scripts: [{ outcome: { ok: false, kind: "exit_error", reason: "exited 1: no", session_id: "claude-7" } }, {}],
    });
    await orchestrator.dispatch(start(1));
    await until(orchestrator, (s) => s.status === "task_failed");
    await orchestrator.dispatch({ type: "retry", feedback: "Use the weddings table as the pattern" });
    await until(orchestrator, (s) => s.status === "completed");
    expect(runner.calls[1]).toMatchObject({ resumeSessionId: "claude-7", prompt: "Use the weddings table as the pattern" });
  });

  it("auto-continues a run that hit the turn limit by resuming its Claude session", async () => {
    const { orchestrator, runner } = await open({
      policy: policies.auto,
      maxContinuations: 2,
      scripts: [{ outcome: { ok: false, kind: "max_turns", reason: "Claude reached its turn limit (3)", session_id: "claude-3" } }, {}],
    });
    await orchestrator.dispatch(start(1));
    const final = await until(orchestrator, (s) => s.status === "completed");
    expect(runner.calls).toHaveLength(2);
    expect(runner.calls[1]).toMatchObject({ resumeSessionId: "claude-3", prompt: CONTINUE_PROMPT });
    expect(final.tasks[0]).toMatchObject({ status: "completed", continuations: 1, attempts: 1 });
  });

  it("waitFor rejects after its timeout, naming the status it was stuck in", async () => {
    const { orchestrator } = await open();
    await orchestrator.dispatch(start(1));
    await expect(orchestrator.waitFor((s) => s.status === "completed", 20)).rejects.toThrow(/within 20 ms \(status waiting_approval\)/);
  });

  it("skip while running aborts the run", async () => {
    const { orchestrator, runner } = await open({ policy: policies.auto, scripts: [{ hold: true }, {}] });
    await orchestrator.dispatch(start(2));
    await until(orchestrator, (s) => s.tasks[0]?.pid !== null);
    expect((await orchestrator.dispatch({ type: "skip" })).ok).toBe(true);
    const final = await until(orchestrator, (s) => s.status === "completed");
    expect(final.tasks.map((t) => t.status)).toEqual(["skipped", "completed"]);
    expect(runner.calls[0]?.signal?.aborted).toBe(true);
  });
});
