// claude.permission_timeout: the timers of pending requests (a reminder halfway, the expiry at the
// end, from each request's asked_at and the injected clock), alone and inside a real Orchestrator
// whose runner is the real ClaudeRunner with the fake CLI in ask mode (the task is parked, and
// /retry continues the same Claude session).
import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import type { PermissionRecord } from "../../src/core/permission.js";
import { createIdleState, type SessionState } from "../../src/core/state.js";
import { createSilentLogger } from "../../src/logging/create-logger.js";
import { Orchestrator, type Change } from "../../src/orchestrator/orchestrator.js";
import { PermissionTimers } from "../../src/orchestrator/permission-timers.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { def, policies } from "../core/machine-helpers.js";
import { calls, fakeConfig, readJsonl, removeDir, tempDir } from "../runner/runner-test-helpers.js";

function pending(id: string, askedAt: string, over: Partial<PermissionRecord> = {}): PermissionRecord {
  return {
    request_id: `req-${id}`,
    tool: "Bash",
    input: { command: "npm test" },
    description: null,
    suggestion: null,
    blocked_path: null,
    tool_use_id: null,
    id,
    index: 0,
    attempt: 1,
    kind: "tool",
    asked_at: askedAt,
    reminded: false,
    status: "pending",
    answered_by: null,
    answered_at: null,
    message: null,
    answers: null,
    ...over,
  };
}

const stateWith = (...permissions: PermissionRecord[]): SessionState => ({ ...createIdleState(), status: "running", permissions });

describe("PermissionTimers", () => {
  const start = "2026-01-01T09:00:00.000Z";
  let timers: PermissionTimers | null = null;
  afterEach(() => {
    timers?.clear();
    timers = null;
    jest.useRealTimers();
  });

  /** Timers of `timeoutMs` over a clock standing at `now`; each firing is kept with its real time. */
  function make(timeoutMs: number, now = start) {
    const fired: { id: string; kind: string; at: number }[] = [];
    const t0 = Date.now();
    timers = new PermissionTimers(timeoutMs, new ManualClock(now), (id, kind) => fired.push({ id, kind, at: Date.now() - t0 }));
    return { timers, fired };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("reminds at half the timeout and expires at the timeout, counted from asked_at", async () => {
    const { timers, fired } = make(400);
    timers.sync(stateWith(pending("S1-p1", start)));
    await sleep(600);
    expect(fired.map((f) => [f.id, f.kind])).toEqual([["S1-p1", "remind"], ["S1-p1", "expire"]]);
    expect(fired[0]?.at).toBeGreaterThanOrEqual(190);
    expect(fired[0]?.at).toBeLessThan(380);
    expect(fired[1]?.at).toBeGreaterThanOrEqual(390);
  });

  it("a request asked earlier gets only the time it has left (a reminder already due comes at once)", async () => {
    // Asked 300 ms before the clock's now: the reminder is overdue, the expiry 100 ms away.
    const { timers, fired } = make(400, "2026-01-01T09:00:00.300Z");
    timers.sync(stateWith(pending("S1-p1", start)));
    await sleep(250);
    expect(fired.map((f) => f.kind)).toEqual(["remind", "expire"]);
    expect(fired[0]?.at).toBeLessThan(60);
    expect(fired[1]?.at).toBeGreaterThanOrEqual(90);
    expect(fired[1]?.at).toBeLessThan(240);
  });

  it("a request already reminded gets no second reminder", async () => {
    const { timers, fired } = make(200);
    timers.sync(stateWith(pending("S1-p1", start, { reminded: true })));
    await sleep(350);
    expect(fired.map((f) => f.kind)).toEqual(["expire"]);
  });

  it("syncing the same state again arms nothing twice; several requests each get theirs", async () => {
    const { timers, fired } = make(200);
    const s = stateWith(pending("S1-p1", start), pending("S1-p2", start));
    timers.sync(s);
    timers.sync(s);
    timers.sync({ ...s });
    await sleep(350);
    expect(fired.map((f) => `${f.id}:${f.kind}`).sort()).toEqual(["S1-p1:expire", "S1-p1:remind", "S1-p2:expire", "S1-p2:remind"]);
  });

  it("an answered request's timers are cleared at the next sync; clear() drops every timer", async () => {
    const { timers, fired } = make(200);
    timers.sync(stateWith(pending("S1-p1", start), pending("S1-p2", start)));
    timers.sync(stateWith(pending("S1-p1", start, { status: "allowed" }), pending("S1-p2", start)));
    await sleep(50);
    timers.clear();
    await sleep(300);
    expect(fired).toEqual([]);
  });

  it("a timeout longer than setTimeout's limit (24.8 days) still expires the request", () => {
    jest.useFakeTimers();
    const fired: string[] = [];
    const days = 30;
    timers = new PermissionTimers(days * 86_400_000, new ManualClock(start), (_id, kind) => fired.push(kind));
    timers.sync(stateWith(pending("S1-p1", start)));
    jest.advanceTimersByTime(16 * 86_400_000);
    expect(fired).toEqual(["remind"]);
    jest.advanceTimersByTime((days - 16 + 1) * 86_400_000);
    expect(fired).toEqual(["remind", "expire"]);
  });
});

describe("a real orchestrator with permission_timeout 0.4 s and the fake claude in ask mode", () => {
  const dirs: string[] = [];
  const open: Orchestrator[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.shutdown();
    dirs.splice(0).forEach(removeDir);
  });

  async function openOrchestrator() {
    const dir = tempDir("permission-timers-");
    dirs.push(dir);
    const work = path.join(dir, "work");
    mkdirSync(work);
    const runner = new ClaudeRunner(fakeConfig(work, { permissions: "ask" }), { env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir }, dropEnv: [] });
    const o = await Orchestrator.open({
      store: new MemoryStateStore(),
      runner,
      clock: new ManualClock(),
      policy: policies.auto,
      logger: createSilentLogger(),
      logsDir: path.join(dir, "logs"),
      bootId: "boot-1",
      killOrphan: async () => {},
      permissionTimeoutS: 0.4,
    });
    open.push(o);
    const changes: (Change & { ms: number })[] = [];
    const t0 = Date.now();
    o.subscribe((c) => changes.push({ ...c, ms: Date.now() - t0 }));
    return { dir, work, o, changes };
  }

  const permissionNotes = (changes: Change[]) =>
    changes.flatMap((c) => c.effects.flatMap((e) => (e.type === "notify" && e.notification.permission_id ? [{ event: e.notification.event, message: e.notification.message }] : [])));

  it("the reminder then the expiry arrive in order; the task is parked and /retry resumes the same Claude session", async () => {
    const { dir, o, changes } = await openOrchestrator();
    const reply = await o.dispatch({ type: "start", task_file: "/x/tasks.md", tasks: [def(1, { instruction: 'FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}' }), def(2)], session_id: "S1" });
    expect(reply.ok).toBe(true);
    const parked = await o.waitFor((s) => s.tasks[0]?.status === "interrupted", 15_000);

    const notes = permissionNotes(changes);
    expect(notes.map((n) => n.event)).toEqual(["permission_requested", "permission_requested", "permission_expired"]);
    expect(notes[0]?.message).toMatch(/^🔐 Task 1\/2: Task title 1 wants to run Bash: touch made\.txt$/);
    expect(notes[1]?.message).toMatch(/^⏰ Still waiting: Task 1\/2: Task title 1 wants to run Bash: touch made\.txt\./);
    expect(notes[2]?.message).toMatch(/^⌛ Task 1\/2: Task title 1: waited .+ for permission to run Bash: touch made\.txt; it is parked\./);
    // The timers count from the request: the expiry comes about 0.4 s after it was asked.
    const at = (pred: (c: Change) => boolean) => changes.find(pred)?.ms ?? -1;
    const askedMs = at((c) => c.event.type === "permission_requested");
    const remindMs = at((c) => c.event.type === "permission_timer" && c.event.kind === "remind");
    const expireMs = at((c) => c.event.type === "permission_timer" && c.event.kind === "expire");
    expect(remindMs - askedMs).toBeGreaterThanOrEqual(150);
    expect(expireMs - remindMs).toBeGreaterThanOrEqual(150);

    expect(parked.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true, error: expect.stringMatching(/^waited .+ for permission to run Bash: touch made\.txt$/) });
    expect(parked.status).toBe("waiting_approval");
    expect(parked.permissions?.[0]).toMatchObject({ id: "S1-p1", status: "expired" });
    // The fake read the deny with interrupt.
    expect(readJsonl<{ response: { behavior: string; interrupt?: boolean } }>(path.join(dir, "permissions.jsonl"))).toMatchObject([{ response: { behavior: "deny", interrupt: true } }]);
    const claudeSession = parked.tasks[0]?.claude_session_id;
    expect(claudeSession).toEqual(expect.any(String));

    // /retry continues that session: --resume <its id>.
    expect((await o.dispatch({ type: "retry" })).ok).toBe(true);
    const done = await o.waitFor((s) => s.tasks[0]?.status === "completed", 15_000);
    expect(done.tasks[0]?.attempts).toBe(2);
    const second = calls(dir)[1];
    expect(second?.argv.slice(-2)).toEqual(["--resume", claudeSession]);
  }, 30_000);

  it("an answer before the timeout: no reminder, no expiry, the call runs", async () => {
    const { work, o, changes } = await openOrchestrator();
    await o.dispatch({ type: "start", task_file: "/x/tasks.md", tasks: [def(1, { instruction: 'FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}' })], session_id: "S1" });
    const asked = await o.waitFor((s) => (s.permissions ?? []).some((p) => p.status === "pending"), 10_000);
    const id = asked.permissions?.[0]?.id as string;
    expect((await o.dispatch({ type: "answer_permission", id, decision: "allow", by: "test" })).ok).toBe(true);
    const final = await o.waitFor((s) => s.status === "completed", 10_000);
    // Well past the timeout: the answered request's timers were dropped.
    await new Promise((r) => setTimeout(r, 600));
    expect(final.tasks[0]?.status).toBe("completed");
    expect(permissionNotes(changes).map((n) => n.event)).toEqual(["permission_requested", "permission_answered"]);
    expect(changes.some((c) => c.event.type === "permission_timer")).toBe(false);
    expect(existsSync(path.join(work, "made.txt"))).toBe(true);
  }, 30_000);
});
