import { describe, expect, it } from "@jest/globals";
import type { Command } from "../../../src/core/events.js";
import type { Transition } from "../../../src/core/machine.js";
import { def, failure, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes } from "./checkpoint-helpers.js";
import { ask, request } from "./permission-helpers.js";

// start with replace: a session left unfinished (waiting, paused, failed, waiting for a limit) is
// left as it is and the new file starts; never while a task runs or a permission waits. Without
// replace, start over an unfinished session is refused as before. max_cost_usd comes with start.

type Start = Extract<Command, { type: "start" }>;
const startOf = (over: Partial<Start> = {}): Start => ({ type: "start", task_file: "/t/today.md", tasks: [def(11), def(12)], session_id: "S2", replace: true, ...over });

const driver = (policy = policies.required) => new CheckpointDriver(checks({ git: false }), policy, { today: "2026-01-01", budget: { dailyUsd: 10, warnRatio: 0.75 } });

function expectReplaced(d: CheckpointDriver, t: Transition): void {
  expect(t.reply.ok).toBe(true);
  expect(t.reply.message).toMatch(/^Session S1 \(\d+ of 2 tasks done\) is left unfinished\. Loaded 2 tasks from \/t\/today\.md:/);
  expect(d.state).toMatchObject({ session_id: "S2", task_file: "/t/today.md", current_task_index: 0, paused_at: null, pause_requested: false });
  expect(d.state.tasks.map((task) => task.id)).toEqual([11, 12]);
  expect(notes(t).find((n) => n.event === "session_started")?.message).toMatch(/^Session S1 .* is left unfinished\. Session S2 started: 2 tasks/);
}

describe("start with replace", () => {
  it("from waiting_approval", () => {
    const d = driver();
    d.start([def(1), def(2)]);
    expect(d.state.status).toBe("waiting_approval");
    expect(d.send(startOf({ replace: false })).reply.ok).toBe(false);
    const t = d.send(startOf());
    expectReplaced(d, t);
    expect(d.state.status).toBe("waiting_approval"); // required mode: the new file's first task waits
  });

  it("from paused", () => {
    const d = driver();
    d.start([def(1), def(2)]);
    d.send({ type: "pause" });
    expect(d.state.status).toBe("paused");
    expectReplaced(d, d.send(startOf()));
  });

  it("from task_failed: the new session's first task runs (auto mode)", () => {
    const d = driver(policies.auto);
    d.start([def(1), def(2)]);
    d.finish(failure());
    expect(d.state.status).toBe("task_failed");
    const t = d.send(startOf());
    expectReplaced(d, t);
    expect(d.state.status).toBe("running");
    expect(effectOf(t, "run_task")?.index).toBe(0);
  });

  it("from waiting_limit: the wait ends with it", () => {
    const d = driver(policies.auto);
    d.start([def(1), def(2)]);
    d.end(outcome({ ok: false, kind: "usage_limit", reason: "usage limit reached", summary: null, limit: { type: "five_hour", resets_at: "2026-01-01T15:00:00.000Z", message: "You've hit your limit" } }));
    expect(d.state.status).toBe("waiting_limit");
    expectReplaced(d, d.send(startOf()));
    expect(d.state.resume_at ?? null).toBeNull();
    expect(d.state.limit ?? null).toBeNull();
  });

  it("refused while a task runs, and while a permission request waits", () => {
    const d = driver(policies.auto);
    d.start([def(1), def(2)]);
    const running = d.send(startOf());
    expect(running.reply.ok).toBe(false);
    expect(running.state.session_id).toBe("S1");
    d.spawn();
    request(d, ask());
    expect(d.send(startOf()).reply.ok).toBe(false);
    expect(d.state.session_id).toBe("S1");
  });

  it("over an idle or completed session it is an ordinary start", () => {
    const d = driver(policies.auto);
    const t = d.send(startOf({ session_id: "S1" }));
    expect(t.reply.message).toMatch(/^Loaded 2 tasks/);
    d.finish();
    d.finish();
    expect(d.state.status).toBe("completed");
    expect(d.send(startOf({ session_id: "S3", replace: false })).reply.ok).toBe(true);
  });
});

describe("start carries the file's max_cost_usd", () => {
  it("the lower of it and the daily budget caps the session; /budget raises it for today", () => {
    const d = driver(policies.auto);
    const t = d.send(startOf({ session_id: "S1", replace: false, max_cost_usd: 0.5 }));
    expect(d.state.max_cost_usd).toBe(0.5);
    expect(effectOf(t, "run_task")?.max_budget_usd).toBe(0.5);
    d.finish(outcome({ cost_usd: 0.5 }));
    expect(d.state).toMatchObject({ status: "waiting_approval", current_task_index: 1, waiting_reason: "Budget reached: $0.50 of $0.50 spent today" });
    expect(noteEvents(d.last)).toContain("budget_reached");
    d.send({ type: "budget", usd: 2, by: "the CLI" });
    const go = d.send({ type: "approve" });
    expect(effectOf(go, "run_task")?.max_budget_usd).toBe(1.5);
  });

  it("a new session without it drops the old file's cap", () => {
    const d = driver(policies.auto);
    d.send(startOf({ session_id: "S1", replace: false, max_cost_usd: 0.5 }));
    d.finish(outcome({ cost_usd: 0.1 }));
    d.finish(outcome({ cost_usd: 0.1 }));
    d.send(startOf({ session_id: "S3", replace: false }));
    expect(d.state.max_cost_usd).toBeNull();
    expect(effectOf(d.last, "run_task")?.max_budget_usd).toBeCloseTo(9.8);
  });
});
