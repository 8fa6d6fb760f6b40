import { afterEach, describe, expect, it } from "@jest/globals";
import { ManualClock } from "../../src/core/clock.js";
import { createIdleState, type SessionState } from "../../src/core/state.js";
import { LimitTimer } from "../../src/orchestrator/limit-timer.js";

// The timer behind waiting_limit: armed from state.resume_at (the clock is injected, the delay
// is real), only while waiting_limit with no rollback under way, once per resume_at.

const clock = new ManualClock("2026-08-06T12:00:00.000Z");
const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
const state = (over: Partial<SessionState>): SessionState => ({ ...createIdleState(), ...over });
const timers: LimitTimer[] = [];
afterEach(() => timers.splice(0).forEach((t) => t.stop()));

function timer(): { t: LimitTimer; fired: string[] } {
  const fired: string[] = [];
  const t = new LimitTimer(clock, (r) => fired.push(r));
  timers.push(t);
  return { t, fired };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("LimitTimer", () => {
  it("fires once at resume_at; the same state again does not re-arm it", async () => {
    const { t, fired } = timer();
    const s = state({ status: "waiting_limit", resume_at: at(60) });
    t.sync(s);
    expect(t.armedFor).toBe(s.resume_at);
    await sleep(20);
    expect(fired).toEqual([]);
    await sleep(80);
    expect(fired).toEqual([s.resume_at]);
    t.sync(s); // a transition before the event's own (the queue): not fired twice
    await sleep(30);
    expect(fired).toEqual([s.resume_at]);
  });

  it("a resume_at already past fires at once (a restart after the reset)", async () => {
    const { t, fired } = timer();
    t.sync(state({ status: "waiting_limit", resume_at: at(-3_600_000) }));
    await sleep(10);
    expect(fired).toHaveLength(1);
  });

  it("is not armed while paused, running or during a rollback; a new resume_at replaces the old", async () => {
    const { t, fired } = timer();
    const due = at(30);
    t.sync(state({ status: "paused", resume_at: due }));
    expect(t.armedFor).toBeNull();
    t.sync(state({ status: "waiting_limit", resume_at: due, rollback_pending: 0 }));
    expect(t.armedFor).toBeNull();
    t.sync(state({ status: "waiting_limit", resume_at: due }));
    expect(t.armedFor).toBe(due);
    const later = at(80);
    t.sync(state({ status: "waiting_limit", resume_at: later }));
    expect(t.armedFor).toBe(later);
    await sleep(50);
    expect(fired).toEqual([]);
    t.sync(state({ status: "running", resume_at: null }));
    expect(t.armedFor).toBeNull();
    await sleep(60);
    expect(fired).toEqual([]);
  });

  it("stop() disarms it (shutdown): nothing fires", async () => {
    const { t, fired } = timer();
    t.sync(state({ status: "waiting_limit", resume_at: at(20) }));
    t.stop();
    await sleep(40);
    expect(fired).toEqual([]);
  });
});
