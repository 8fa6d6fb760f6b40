import { describe, expect, it } from "@jest/globals";
import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import type { Command } from "../../src/core/events.js";
import { transition } from "../../src/core/machine.js";
import type { SessionStatus } from "../../src/core/state.js";
import { def, failure, MachineDriver, outcome, policies } from "./machine-helpers.js";

/** Builds a driver sitting in the given status (two backend tasks, required mode unless said). */
function driverIn(status: SessionStatus | "running_pause_requested", policy = policies.required as ApprovalPolicy): MachineDriver {
  const d = new MachineDriver(policy);
  const tasks = [def(1), def(2)];
  switch (status) {
    case "idle":
      break;
    case "waiting_approval":
      d.start(tasks);
      break;
    case "running":
      d.start(tasks);
      d.send({ type: "approve" });
      break;
    case "running_pause_requested":
      d.start(tasks);
      d.send({ type: "approve" });
      d.send({ type: "pause" });
      break;
    case "paused":
      d.start(tasks);
      d.send({ type: "pause" });
      break;
    case "task_failed":
      d.start(tasks);
      d.send({ type: "approve" });
      d.finish(failure());
      break;
    case "completed":
      d.start([def(1)]);
      d.send({ type: "approve" });
      d.finish();
      break;
  }
  return d;
}

const commands: Record<string, Command> = {
  approve: { type: "approve" },
  pause: { type: "pause" },
  resume: { type: "resume" },
  skip: { type: "skip" },
  retry: { type: "retry" },
  start: { type: "start", task_file: "other.md", tasks: [def(1)], session_id: "S2" },
};

// [status, command, accepted?, status after, current index after]
const table: [SessionStatus | "running_pause_requested", string, boolean, SessionStatus, number][] = [
  ["idle", "approve", false, "idle", 0],
  ["idle", "pause", false, "idle", 0],
  ["idle", "resume", false, "idle", 0],
  ["idle", "skip", false, "idle", 0],
  ["idle", "retry", false, "idle", 0],
  ["idle", "start", true, "waiting_approval", 0],
  ["waiting_approval", "approve", true, "running", 0],
  ["waiting_approval", "pause", true, "paused", 0],
  ["waiting_approval", "resume", false, "waiting_approval", 0],
  ["waiting_approval", "skip", true, "waiting_approval", 1],
  ["waiting_approval", "retry", false, "waiting_approval", 0],
  ["waiting_approval", "start", false, "waiting_approval", 0],
  ["running", "approve", false, "running", 0],
  ["running", "pause", true, "running", 0],
  ["running", "resume", false, "running", 0],
  ["running", "skip", true, "running", 0],
  ["running", "retry", false, "running", 0],
  ["running", "start", false, "running", 0],
  ["running_pause_requested", "pause", false, "running", 0],
  ["running_pause_requested", "resume", true, "running", 0],
  ["paused", "approve", false, "paused", 0],
  ["paused", "pause", false, "paused", 0],
  ["paused", "resume", true, "waiting_approval", 0],
  ["paused", "skip", true, "paused", 1],
  ["paused", "retry", false, "paused", 0],
  ["paused", "start", false, "paused", 0],
  ["task_failed", "approve", false, "task_failed", 0],
  ["task_failed", "pause", false, "task_failed", 0],
  ["task_failed", "resume", false, "task_failed", 0],
  ["task_failed", "skip", true, "waiting_approval", 1],
  ["task_failed", "retry", true, "running", 0],
  ["task_failed", "start", false, "task_failed", 0],
  ["completed", "approve", false, "completed", 0],
  ["completed", "pause", false, "completed", 0],
  ["completed", "resume", false, "completed", 0],
  ["completed", "skip", false, "completed", 0],
  ["completed", "retry", false, "completed", 0],
  ["completed", "start", true, "waiting_approval", 0],
];

describe("transition: commands × statuses", () => {
  it.each(table)("%s + %s -> accepted %s, %s at %i", (status, name, accepted, after, index) => {
    const d = driverIn(status);
    const before = d.state;
    const frozen = JSON.stringify(before);
    const t = d.send(commands[name] as Command);
    expect(t.reply.ok).toBe(accepted);
    expect(t.state.status).toBe(after);
    expect(t.state.current_task_index).toBe(index);
    // Pure: the input state is never mutated, and a refusal returns it unchanged.
    expect(JSON.stringify(before)).toBe(frozen);
    if (!accepted) {
      expect(t.state).toBe(before);
      expect(t.effects).toEqual([]);
      // A refusal says what to send instead.
      expect(t.reply.message).toMatch(/\/(start|approve|resume|retry|skip|status|pause)\b/);
    }
  });

  it("says why approve makes no sense while paused", () => {
    expect(driverIn("paused").send({ type: "approve" }).reply.message).toBe("Nothing to approve: paused. Send /resume first.");
  });

  it("says what to do after a failure", () => {
    expect(driverIn("task_failed").send({ type: "approve" }).reply.message).toMatch(/failed\. Send \/retry .* \/skip/);
  });
});

describe("approval modes", () => {
  /** Runs every task that starts, records the index of each task that had to wait. */
  function waits(policy: ApprovalPolicy, defs: ReturnType<typeof def>[]): number[] {
    const d = new MachineDriver(policy);
    const waited: number[] = [];
    d.start(defs);
    for (let guard = 0; guard < 50 && d.state.status !== "completed"; guard++) {
      if (d.state.status === "waiting_approval") {
        waited.push(d.state.current_task_index);
        expect(d.state.waiting_reason).toBeTruthy();
        d.send({ type: "approve" });
      } else if (d.state.status === "running") {
        d.finish();
      } else {
        throw new Error(`unexpected ${d.state.status}`);
      }
    }
    expect(d.state.status).toBe("completed");
    return waited;
  }
  const mixed = [
    def(1, { type: "backend" }),
    def(2, { type: "documentation" }),
    def(3, { type: "database" }),
    def(4, { type: "backend" }),
    def(5, { type: "documentation", requires_approval: true }),
    def(6, { type: "documentation" }),
  ];
  it.each([
    ["required", [0, 2, 3, 4]],
    ["auto", [3, 4]],
    ["manual", [0, 1, 2, 3, 4, 5]],
  ])("%s mode waits before tasks %j", (mode, expected) => {
    expect(waits(policies[mode] as ApprovalPolicy, mixed)).toEqual(expected);
  });

  it("auto mode starts the first task at once and emits run_task", () => {
    const d = new MachineDriver(policies.auto);
    const t = d.start([def(1)]);
    expect(t.state.status).toBe("running");
    const run = t.effects.find((e) => e.type === "run_task");
    expect(run).toMatchObject({ type: "run_task", index: 0, attempt: 1, session_id: "S1" });
  });
});

describe("running tasks", () => {
  it("records a finished task's result, cost and session", () => {
    const d = driverIn("running");
    const t = d.finish(outcome({ summary: "made it", cost_usd: 0.5, session_id: "abc", num_turns: 4 }));
    const task = t.state.tasks[0];
    expect(task).toMatchObject({ status: "completed", result: "success", summary: "made it", cost_usd: 0.5, claude_session_id: "abc", num_turns: 4, output_log: "log-0" });
    expect(task?.duration_s).toBe(1);
    expect(t.state.status).toBe("waiting_approval");
    expect(t.reply.message).toMatch(/Task 1\/2: Task title 1 complete/);
  });

  it("a pause asked for while running takes effect after the task", () => {
    const d = driverIn("running_pause_requested");
    expect(d.state.status).toBe("running");
    const t = d.finish();
    expect(t.state.status).toBe("paused");
    expect(t.state.current_task_index).toBe(1);
    expect(t.state.tasks[0]?.status).toBe("completed");
  });

  it("a failure beats a pending pause", () => {
    const d = driverIn("running_pause_requested");
    const t = d.finish(failure("timed out after 300 s"));
    expect(t.state.status).toBe("task_failed");
    expect(t.state.pause_requested).toBe(false);
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", error: "timed out after 300 s" });
  });

  it("skip while running cancels the run and marks it skipped", () => {
    const d = driverIn("running");
    const t = d.send({ type: "skip" });
    expect(t.effects).toContainEqual({ type: "cancel_task", index: 0, attempt: 1 });
    const f = d.finish(outcome({ ok: false, kind: "cancelled", reason: "cancelled" }));
    expect(f.state.tasks[0]?.status).toBe("skipped");
    expect(f.state.current_task_index).toBe(1);
  });

  it("skip while running keeps a result that finished anyway", () => {
    const d = driverIn("running");
    d.send({ type: "skip" });
    expect(d.finish().state.tasks[0]?.status).toBe("completed");
  });

  it("a cancelled run (shutdown) is interrupted and waits for a person", () => {
    const d = driverIn("running");
    const t = d.finish(outcome({ ok: false, kind: "cancelled", reason: "cancelled" }));
    expect(t.state.tasks[0]?.status).toBe("interrupted");
    expect(t.state.tasks[0]?.error).toBe("interrupted: the orchestrator stopped while this task ran (shutdown)");
    expect(t.state.status).toBe("waiting_approval");
  });

  it("a shutdown while a pause was requested leaves no pending pause behind (as a crash does not)", () => {
    const d = driverIn("running_pause_requested");
    const t = d.finish(outcome({ ok: false, kind: "cancelled", reason: "cancelled" }));
    expect(t.state).toMatchObject({ status: "waiting_approval", pause_requested: false });
    expect(t.state.tasks[0]?.status).toBe("interrupted");
  });

  it("ignores results of a stale attempt", () => {
    const d = driverIn("running");
    const before = d.state;
    const t = d.send({ type: "task_finished", index: 0, attempt: 7, outcome: outcome(), output_log: null });
    expect(t.state).toBe(before);
    expect(t.reply.ok).toBe(false);
  });

  it("progress changes no state but is passed on", () => {
    const d = driverIn("running");
    const before = d.state;
    const t = d.send({ type: "task_progress", index: 0, attempt: 1, progress: { kind: "tool_use", text: "Bash: ls", tool: "Bash" } });
    expect(t.state).toBe(before);
    expect(d.effectTypes()).toEqual(["notify:task_progress"]);
  });

  it("records the spawned process and the run's marker for crash recovery, and forgets them when it ends", () => {
    const d = driverIn("running");
    const t = d.send({ type: "task_spawned", index: 0, attempt: 1, pid: 4242, pgid: 4242, boot_id: "boot-a", run_marker: "m-1", output_log: "x.log" });
    expect(t.state.tasks[0]).toMatchObject({ pid: 4242, pgid: 4242, boot_id: "boot-a", run_marker: "m-1", output_log: "x.log" });
    expect(d.finish().state.tasks[0]).toMatchObject({ pid: null, pgid: null, run_marker: null });
  });

  it("retry with feedback resumes the failed Claude session", () => {
    const d = driverIn("running");
    d.finish(outcome({ ok: false, kind: "exit_error", reason: "exited 1: x", session_id: "sess-9" }));
    const t = d.send({ type: "retry", feedback: "use the other table" });
    const run = t.effects.find((e) => e.type === "run_task");
    expect(run).toMatchObject({ attempt: 2, feedback: "use the other table", resume_session_id: "sess-9" });
    expect(t.state.tasks[0]?.attempts).toBe(2);
  });

  it("notes permission denials as a warning", () => {
    const d = driverIn("running");
    const t = d.finish(outcome({ permission_denials: ["Bash", "Bash", "Write"] }));
    const note = t.effects.find((e) => e.type === "notify" && e.notification.event === "task_completed");
    expect(note).toMatchObject({ notification: { level: "warning" } });
    expect(JSON.stringify(note)).toContain("Bash, Write");
  });

  it("completes the session after the last task", () => {
    const d = driverIn("running");
    d.finish();
    d.send({ type: "approve" });
    const t = d.finish();
    expect(t.state.status).toBe("completed");
    expect(t.state.completed_at).not.toBeNull();
    expect(d.effectTypes()).toContain("notify:session_completed");
  });
});

describe("recover after a restart", () => {
  const spawned = (over: Partial<{ attempt: number; pgid: number; boot_id: string; run_marker: string | null }> = {}) =>
    ({ type: "task_spawned", index: 0, attempt: 1, pid: 99, pgid: 99, boot_id: "boot-a", run_marker: "m-99", output_log: "x", ...over }) as const;

  it("marks the running task interrupted, ends its group and everything carrying its marker on the same boot, and waits", () => {
    const d = driverIn("running");
    d.send(spawned());
    const t = d.send({ type: "recover", boot_id: "boot-a" });
    expect(t.effects).toContainEqual({ type: "kill_orphan", index: 0, pgid: 99, run_marker: "m-99" });
    expect(t.state.status).toBe("waiting_approval");
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", error: "interrupted: the orchestrator stopped while this task ran (crash or restart)" });
    // The record stays until the leftovers are gone, so a crash meanwhile leaves the work to the next start.
    expect(t.state.tasks[0]).toMatchObject({ pgid: 99, run_marker: "m-99" });
    const forgot = d.send({ type: "orphans_ended", index: 0, run_marker: "m-99" });
    expect(forgot.state.tasks[0]).toMatchObject({ pid: null, pgid: null, run_marker: null, status: "interrupted" });
    // Never re-run by itself: approve or retry is needed.
    expect(t.effects.some((e) => e.type === "run_task")).toBe(false);
    expect(d.send({ type: "retry" }).state.status).toBe("running");
  });

  it("after a reboot ends only what carries the marker: the recorded pgid may be someone else's now", () => {
    const d = driverIn("running");
    d.send(spawned());
    const t = d.send({ type: "recover", boot_id: "boot-b" });
    expect(t.effects.filter((e) => e.type === "kill_orphan")).toEqual([{ type: "kill_orphan", index: 0, pgid: null, run_marker: "m-99" }]);
    expect(t.state.tasks[0]?.status).toBe("interrupted");
  });

  it("signals no group of an earlier boot without a marker (an older state file), forgets it, and still asks for the state-mark sweep", () => {
    const d = driverIn("running");
    d.send(spawned({ run_marker: null }));
    const t = d.send({ type: "recover", boot_id: "boot-b" });
    // The pgid may be another process's now: only what carries the state file's mark is ended.
    expect(t.effects.filter((e) => e.type === "kill_orphan")).toEqual([{ type: "kill_orphan", index: 0, pgid: null, run_marker: null }]);
    expect(t.state.tasks[0]).toMatchObject({ status: "interrupted", pid: null, pgid: null, run_marker: null });
  });

  it("a restart that crashed while ending the leftovers ends them at the next start, changing nothing else", () => {
    const d = driverIn("running");
    d.send(spawned());
    const first = d.send({ type: "recover", boot_id: "boot-a" });
    const again = transition(first.state, { type: "recover", boot_id: "boot-a" }, d.ctx());
    expect(again.state).toBe(first.state);
    expect(again.effects).toEqual([{ type: "kill_orphan", index: 0, pgid: 99, run_marker: "m-99" }]);
  });

  it("ignores orphans_ended for a marker the task no longer carries (it runs again)", () => {
    const d = driverIn("running");
    d.send(spawned());
    d.send({ type: "recover", boot_id: "boot-a" });
    d.send({ type: "retry" });
    d.send(spawned({ attempt: 2, run_marker: "m-new" }));
    const before = d.state;
    expect(d.send({ type: "orphans_ended", index: 0, run_marker: "m-99" }).state).toBe(before);
    expect(d.state.tasks[0]).toMatchObject({ status: "running", run_marker: "m-new" });
  });

  it("words a shutdown and a crash the same way, naming which one it was", () => {
    const shut = driverIn("running");
    const shutError = shut.finish(outcome({ ok: false, kind: "cancelled", reason: "cancelled" })).state.tasks[0]?.error ?? "";
    const crash = driverIn("running");
    const crashError = crash.send({ type: "recover", boot_id: null }).state.tasks[0]?.error ?? "";
    const prefix = "interrupted: the orchestrator stopped while this task ran";
    expect(shutError.startsWith(prefix) && crashError.startsWith(prefix)).toBe(true);
    expect([shutError.slice(prefix.length), crashError.slice(prefix.length)]).toEqual([" (shutdown)", " (crash or restart)"]);
  });

  it("leaves a state that was not running alone", () => {
    const d = driverIn("paused");
    const before = d.state;
    expect(d.send({ type: "recover", boot_id: null }).state).toBe(before);
  });

  it("an interrupted task in auto mode still waits for approval", () => {
    const d = new MachineDriver(policies.auto);
    d.start([def(1)]);
    const t = transition(d.state, { type: "recover", boot_id: null }, d.ctx());
    expect(t.state.status).toBe("waiting_approval");
  });
});

describe("notification outbox", () => {
  it("keeps every n8n-bound notification with a stable id when enabled, and drops delivered ones", () => {
    const d = new MachineDriver(policies.auto);
    d.ctx = ((orig) => () => ({ ...orig(), outbox: true }))(d.ctx.bind(d));
    d.start([def(1), def(2, { type: "database" })]);
    d.send({ type: "task_progress", index: 0, attempt: 1, progress: { kind: "text", text: "hi" } });
    d.finish();
    const events = d.state.outbox.map((n) => n.event);
    expect(events).toEqual(["session_started", "task_started", "task_completed", "task_started"]);
    expect(d.state.outbox.map((n) => n.id)).toEqual(["S1-1", "S1-2", "S1-3", "S1-4"]);
    const done = d.state.outbox[2];
    expect(done).toMatchObject({ type: "success", session_id: "S1", task: { number: 1, total: 2, title: "Task title 1", status: "completed" }, progress: { done: 1, total: 2, percent: 50 } });
    const t = d.send({ type: "notifications_delivered", ids: ["S1-1", "S1-3"] });
    expect(t.state.outbox.map((n) => n.id)).toEqual(["S1-2", "S1-4"]);
    expect(d.send({ type: "notifications_delivered", ids: ["S1-1"] }).reply.ok).toBe(false);
  });

  it("keeps no outbox when n8n is off", () => {
    const d = new MachineDriver(policies.auto);
    d.start([def(1)]);
    d.finish();
    expect(d.state.outbox).toEqual([]);
  });
});

describe("auto-continuation after the turn limit", () => {
  const maxTurns = (over = {}) => outcome({ ok: false, kind: "max_turns", reason: "Claude reached its turn limit (3)", session_id: "claude-1", cost_usd: 0.1, num_turns: 3, ...over });
  function continuing(max: number): MachineDriver {
    const d = new MachineDriver(policies.auto);
    d.ctx = ((orig) => () => ({ ...orig(), maxContinuations: max }))(d.ctx.bind(d));
    d.start([def(1), def(2)]);
    return d;
  }

  it("continues the same Claude session up to max_continuations times, then fails", () => {
    const d = continuing(2);
    let t = d.finish(maxTurns());
    expect(t.state.status).toBe("running");
    expect(t.reply.message).toMatch(/auto-continuing \(1\/2\)/);
    expect(t.effects.find((e) => e.type === "run_task")).toMatchObject({ resume_session_id: "claude-1", continuation: 1, attempt: 1, feedback: null });
    expect(d.effectTypes()).toContain("notify:task_continued");
    t = d.finish(maxTurns());
    expect(t.reply.message).toMatch(/auto-continuing \(2\/2\)/);
    t = d.finish(maxTurns());
    expect(t.state.status).toBe("task_failed");
    // Every run of the attempt is paid for: costs and turns add up.
    expect(t.state.tasks[0]).toMatchObject({ status: "failed", continuations: 2, num_turns: 9 });
    expect(t.state.tasks[0]?.cost_usd).toBeCloseTo(0.3);
    expect(t.state.tasks[0]?.error).toMatch(/turn limit/);
  });

  it("a continuation that succeeds completes the task", () => {
    const d = continuing(2);
    d.finish(maxTurns());
    const t = d.finish(outcome({ cost_usd: 0.05, num_turns: 2 }));
    expect(t.state.tasks[0]).toMatchObject({ status: "completed", continuations: 1, num_turns: 5 });
    expect(t.state.tasks[0]?.cost_usd).toBeCloseTo(0.15);
    expect(t.state.status).toBe("running"); // task 2 started (auto mode)
  });

  it("does not continue when max_continuations is 0, or without a session to resume", () => {
    expect(continuing(0).finish(maxTurns()).state.status).toBe("task_failed");
    expect(continuing(2).finish(maxTurns({ session_id: null })).state.status).toBe("task_failed");
  });

  it("a retry starts a fresh count", () => {
    const d = continuing(1);
    d.finish(maxTurns());
    d.finish(maxTurns());
    expect(d.state.status).toBe("task_failed");
    const t = d.send({ type: "retry" });
    expect(t.state.tasks[0]).toMatchObject({ continuations: 0, attempts: 2 });
    expect(d.finish(maxTurns()).state.status).toBe("running");
  });
});
