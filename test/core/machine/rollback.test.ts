// /rollback: the work tree goes back to a task's before-snapshot (the edge does it and reports
// rollback_done); that task and every later one that ran are undone, and the session waits there.
import { describe, expect, it } from "@jest/globals";
import type { Command } from "../../../src/core/events.js";
import type { CheckpointSettings } from "../../../src/core/draft.js";
import { def, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes, snap } from "./checkpoint-helpers.js";

/** Required mode, three tasks; the first `n` ran to completion with before-snapshots 1..n (committed as commit-i with git.commit task). */
function ran(n: number, settings: CheckpointSettings = checks()): CheckpointDriver {
  const d = new CheckpointDriver(settings, policies.required);
  d.start([def(1), def(2), def(3)]);
  for (let i = 1; i <= n; i++) {
    d.send({ type: "approve" });
    d.runWithSnapshot(i);
    if (settings.commit === "task") d.committed(`commit-${i}`);
  }
  return d;
}

const failed = outcome({ ok: false, kind: "exit_error", reason: "exited 1: boom", summary: null });

/** The safety ref the machine names for a rollback at the transition's time. */
const safetyRefAt = (attempts: number, now: string | null) => `rollback-${attempts}-${Date.parse(now ?? "")}`;

describe("rollback refused", () => {
  const table: [string, () => CheckpointDriver, Command, string][] = [
    ["no session", () => new CheckpointDriver(checks()), { type: "rollback" }, "Nothing to roll back: no session has started."],
    [
      "a task is running",
      () => {
        const d = ran(1);
        d.send({ type: "approve" });
        return d;
      },
      { type: "rollback", index: 0 },
      "Task 2/3 is running: send /cancel first, then /rollback.",
    ],
    ["git off", () => ran(1, checks({ git: false })), { type: "rollback" }, "Rollback needs git: claude.project_dir is not inside a git work tree, or git.enabled is false."],
    [
      "no checkpoint settings at all",
      () => {
        const d = ran(1);
        d.settings = undefined;
        return d;
      },
      { type: "rollback" },
      "Rollback needs git: claude.project_dir is not inside a git work tree, or git.enabled is false.",
    ],
    ["nothing ran yet", () => ran(0), { type: "rollback" }, "Nothing to roll back: no task of this session has run with a snapshot yet."],
    [
      "what ran has no snapshot",
      () => {
        const d = ran(0);
        d.send({ type: "approve" });
        d.spawn(null);
        d.end();
        return d;
      },
      { type: "rollback" },
      "Nothing to roll back: no task of this session has run with a snapshot yet.",
    ],
    ["no such task", () => ran(1), { type: "rollback", index: 5 }, "There is no task 6: the session has 3. Send /status to see them."],
    ["the task never ran", () => ran(1), { type: "rollback", index: 2 }, "Task 3/3: Task title 3 has no snapshot to go back to (it has not run with git on)."],
  ];
  it.each(table)("%s", (_name, setup, cmd, message) => {
    const d = setup();
    const before = d.state;
    const t = d.send(cmd);
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message } });
    expect(t.state).toBe(before);
  });
});

describe("rollback: the target", () => {
  // [case, setup, expected default target]
  const table: [string, () => CheckpointDriver, number][] = [
    ["two completed tasks: the last", () => ran(2), 1],
    [
      "a failed task counts",
      () => {
        const d = ran(1);
        d.send({ type: "approve" });
        d.runWithSnapshot(2, ["x.ts"], failed);
        return d;
      },
      1,
    ],
    [
      "an interrupted (cancelled) task counts",
      () => {
        const d = ran(1);
        d.send({ type: "approve" });
        d.spawn(snap(2));
        d.send({ type: "cancel", by: "CLI" });
        d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null }));
        return d;
      },
      1,
    ],
    [
      "a task skipped while it ran does not",
      () => {
        const d = ran(1);
        d.send({ type: "approve" });
        d.spawn(snap(2));
        d.send({ type: "skip" });
        d.end(outcome({ ok: false, kind: "cancelled", reason: "cancelled", summary: null }));
        return d;
      },
      0,
    ],
    ["the whole session completed", () => ran(3), 2],
  ];
  it.each(table)("default: %s", (_name, setup, index) => {
    const d = setup();
    const before = d.state;
    const t = d.send({ type: "rollback", by: "CLI" });
    const target = before.tasks[index];
    expect(t.reply.ok).toBe(true);
    expect(t.effects).toEqual([{ type: "rollback_tree", index, tree: `tree-${index + 1}`, reset_to: null, safety_ref: safetyRefAt(target?.attempts ?? 0, t.state.last_activity) }]);
    // Only the pending rollback is recorded: the tasks change when the edge reports it done.
    expect(t.state).toMatchObject({ rollback_pending: index, status: before.status, current_task_index: before.current_task_index });
    expect(t.state.tasks).toEqual(before.tasks);
    expect(t.reply.message).toMatch(new RegExp(`^Rolling back Task ${index + 1}/3: Task title ${index + 1}: putting the work tree back to how it was before it ran\\.`));
  });

  it("an earlier target names the later tasks it also undoes", () => {
    const d = ran(2);
    const t = d.send({ type: "rollback", index: 0 });
    expect(effectOf(t, "rollback_tree")).toMatchObject({ index: 0, tree: "tree-1" });
    expect(t.reply.message).toBe("Rolling back Task 1/3: Task title 1: putting the work tree back to how it was before it ran. This also undoes Task 2.");
  });

  it("after a rollback the undone tasks are no default target any more", () => {
    const d = ran(2);
    d.send({ type: "rollback", index: 1 });
    d.send({ type: "rollback_done", index: 1, restored: ["a"], removed: [], error: null });
    expect(effectOf(d.send({ type: "rollback" }), "rollback_tree")).toMatchObject({ index: 0 });
  });
});

describe("rollback_done", () => {
  it("rolling back task 1 when tasks 1 and 2 ran undoes both, and the session waits at task 1", () => {
    const d = ran(2);
    d.send({ type: "rollback", index: 0, by: "CLI" });
    const before = d.state;
    const t = d.send({ type: "rollback_done", index: 0, restored: ["a.ts", "b.ts", "c.ts"], removed: ["new.ts"], error: null });
    const [one, two, three] = t.state.tasks;
    const undone = { status: "rolled_back", result: "rolled_back", commit: null, commit_error: null, files_changed: [], insertions: null, deletions: null, verification: null, phase: null };
    expect(one).toMatchObject(undone);
    expect(two).toMatchObject(undone);
    // The target keeps its base (the tree equals it now); a later task's base went with the undo.
    expect(one?.git).toEqual({ base: "tree-1", base_commit: "snapc-1", head_before: "head-1", head: null, head_commit: null });
    expect(two?.git).toBeNull();
    expect(three).toBe(before.tasks[2]);
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, rollback_pending: null, waiting_reason: "it was rolled back", completed_at: null, pause_requested: false });
    expect(noteEvents(t)).toEqual(["task_rolled_back", "approval_needed"]);
    const message = "↩️ Task 1/3: Task title 1 rolled back: 3 files restored, 1 removed. Also undone: Task 2. Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.";
    expect(notes(t)[0]).toEqual({ event: "task_rolled_back", level: "warning", task_index: 0, message });
    expect(t.reply).toEqual({ ok: true, message });
  });

  it("one file restored and nothing removed, nothing later undone", () => {
    const d = ran(1);
    d.send({ type: "rollback" });
    const t = d.send({ type: "rollback_done", index: 0, restored: ["a.ts"], removed: [], error: null });
    expect(notes(t)[0]?.message).toBe("↩️ Task 1/3: Task title 1 rolled back: 1 file restored, 0 removed. Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.");
  });

  it("a completed session is open again after a rollback", () => {
    const d = ran(3);
    expect(d.state.status).toBe("completed");
    d.send({ type: "rollback" });
    const t = d.send({ type: "rollback_done", index: 2, restored: [], removed: ["x"], error: null });
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 2, completed_at: null });
  });

  it("a paused session may be rolled back; it then waits at the target", () => {
    const d = ran(1);
    d.send({ type: "pause" });
    expect(d.send({ type: "rollback" }).reply.ok).toBe(true);
    const t = d.send({ type: "rollback_done", index: 0, restored: ["a"], removed: [], error: null });
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, pause_requested: false });
  });

  it("a failed rollback leaves the tasks as they were and says why", () => {
    const d = ran(2);
    d.send({ type: "rollback" });
    const before = d.state;
    const t = d.send({ type: "rollback_done", index: 1, restored: [], removed: [], error: "git read-tree failed: bad tree" });
    expect(t.state.tasks).toEqual(before.tasks);
    expect(t.state).toMatchObject({ rollback_pending: null, status: "waiting_approval", current_task_index: 2 });
    expect(notes(t)).toEqual([{ event: "task_rolled_back", level: "error", task_index: 1, message: "Could not roll back Task 2/3: Task title 2: git read-tree failed: bad tree" }]);
    expect(t.reply).toEqual({ ok: false, message: "Could not roll back Task 2/3: Task title 2: git read-tree failed: bad tree" });
    // Commands are taken again.
    expect(d.send({ type: "approve" }).reply.ok).toBe(true);
  });

  it.each([
    ["no rollback pending", null, 0],
    ["another task's rollback pending", 1, 0],
  ] as const)("a stale report is ignored: %s", (_name, pending, index) => {
    const d = ran(2);
    if (pending !== null) d.send({ type: "rollback", index: pending });
    const before = d.state;
    const t = d.send({ type: "rollback_done", index, restored: [], removed: [], error: null });
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: `Ignored a stale rollback_done for task index ${index}.` } });
  });
});

describe("after a rollback", () => {
  function rolledBack(): CheckpointDriver {
    const d = ran(2);
    d.send({ type: "rollback", index: 0 });
    d.send({ type: "rollback_done", index: 0, restored: ["a"], removed: [], error: null });
    return d;
  }

  it("/approve runs the task afresh; its base stays, a later task gets a new one", () => {
    const d = rolledBack();
    const a = d.send({ type: "approve" });
    expect(effectOf(a, "run_task")).toMatchObject({ index: 0, attempt: 2, resume_session_id: null });
    expect(d.spawn(snap(9)).state.tasks[0]?.git).toMatchObject({ base: "tree-1", head_before: "head-1" });
    d.end();
    // Task 2 was undone too: it waits, whatever the approval mode says.
    expect(d.state).toMatchObject({ status: "waiting_approval", current_task_index: 1, waiting_reason: "it was rolled back" });
    d.send({ type: "approve" });
    expect(d.spawn(snap(10)).state.tasks[1]?.git).toMatchObject({ base: "tree-10", head_before: "head-10" });
  });

  it("/retry with feedback is allowed, and starts a new Claude session (the old one remembers undone changes)", () => {
    const d = rolledBack();
    const t = d.send({ type: "retry", feedback: "smaller steps" });
    expect(t.reply.ok).toBe(true);
    expect(effectOf(t, "run_task")).toMatchObject({ index: 0, attempt: 2, feedback: "smaller steps", resume_session_id: null });
  });

  it("/retry is allowed from paused too", () => {
    const d = rolledBack();
    d.send({ type: "pause" });
    expect(d.send({ type: "retry" }).state.status).toBe("running");
  });

  it("a task skipped before it ran stays skipped: re-running the target moves on past it", () => {
    // The person skipped task 2 and the rollback did not touch it: after task 1 runs again, task 2
    // stays skipped and the session goes on to task 3 (rolled back, so it waits).
    const d = ran(1);
    d.send({ type: "skip" }); // task 2, from waiting: it never ran
    d.send({ type: "approve" });
    d.runWithSnapshot(3);
    expect(d.state.status).toBe("completed");
    d.send({ type: "rollback", index: 0 });
    const done = d.send({ type: "rollback_done", index: 0, restored: [], removed: [], error: null });
    expect(done.state.tasks.map((t) => t.status)).toEqual(["rolled_back", "skipped", "rolled_back"]);
    d.send({ type: "approve" });
    const t = d.end();
    expect(t.state.tasks[1]?.status).toBe("skipped");
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 2, waiting_reason: "it was rolled back" });
  });

  it("/skip moves past the rolled-back task", () => {
    const d = rolledBack();
    const t = d.send({ type: "skip" });
    expect(t.state.tasks[0]?.status).toBe("skipped");
    expect(t.state).toMatchObject({ status: "waiting_approval", current_task_index: 1 });
  });
});

describe("rollback with git.commit task: the branch goes back too", () => {
  // [case, setup, target, expected reset_to]
  const table: [string, () => CheckpointDriver, number, string | null][] = [
    ["the target was committed", () => ran(2, checks({ commit: "task" })), 0, "head-1"],
    ["the last task was committed", () => ran(2, checks({ commit: "task" })), 1, "head-2"],
    [
      "only a later task was committed",
      () => {
        const d = ran(0, checks({ commit: "task" }));
        d.send({ type: "approve" });
        d.runWithSnapshot(1);
        d.committed(null); // nothing was due
        d.send({ type: "approve" });
        d.runWithSnapshot(2);
        d.committed("commit-2");
        return d;
      },
      0,
      "head-1",
    ],
    [
      "a commit only before the target",
      () => {
        const d = ran(1, checks({ commit: "task" }));
        d.send({ type: "approve" });
        d.runWithSnapshot(2, ["x.ts"], failed);
        return d;
      },
      1,
      null,
    ],
    ["git.commit none", () => ran(2), 0, null],
  ];
  it.each(table)("%s", (_name, setup, index, resetTo) => {
    const d = setup();
    const t = d.send({ type: "rollback", index });
    expect(effectOf(t, "rollback_tree")).toMatchObject({ index, tree: `tree-${index + 1}`, reset_to: resetTo });
  });

  it("the undone tasks forget their commits", () => {
    const d = ran(2, checks({ commit: "task" }));
    expect(d.state.tasks.map((t) => t.commit)).toEqual(["commit-1", "commit-2", undefined]);
    d.send({ type: "rollback", index: 0 });
    const t = d.send({ type: "rollback_done", index: 0, restored: [], removed: [], error: null });
    expect(t.state.tasks.slice(0, 2).map((x) => [x.commit, x.commit_error])).toEqual([
      [null, null],
      [null, null],
    ]);
  });
});

describe("while a rollback is under way", () => {
  const all: [string, Command][] = [
    ["approve", { type: "approve" }],
    ["pause", { type: "pause" }],
    ["resume", { type: "resume" }],
    ["skip", { type: "skip" }],
    ["retry", { type: "retry" }],
    ["retry with feedback", { type: "retry", feedback: "x" }],
    ["cancel", { type: "cancel", by: "CLI" }],
    ["rollback", { type: "rollback" }],
    ["rollback 1", { type: "rollback", index: 0 }],
    ["start", { type: "start", task_file: "other.md", tasks: [def(1)], session_id: "S2" }],
  ];
  it.each(all)("%s is refused until it is done", (_name, cmd) => {
    const d = ran(2);
    d.send({ type: "rollback" });
    const before = d.state;
    const t = d.send(cmd);
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: "A rollback of Task 2/3 is under way; send the command again in a moment." } });
  });

  it("the same command is taken once the rollback is done", () => {
    const d = ran(2);
    d.send({ type: "rollback" });
    d.send({ type: "rollback_done", index: 1, restored: [], removed: [], error: null });
    expect(d.send({ type: "approve" }).state).toMatchObject({ status: "running", current_task_index: 1 });
  });
});

describe("a restart during a rollback", () => {
  it("does the rollback again (restoring the same snapshot twice is safe), changing nothing else", () => {
    const d = ran(2);
    d.send({ type: "rollback", index: 0 });
    const before = d.state;
    const t = d.send({ type: "recover", boot_id: "boot-a" });
    expect(t.state).toBe(before);
    expect(t.effects).toEqual([{ type: "rollback_tree", index: 0, tree: "tree-1", reset_to: null, safety_ref: expect.stringMatching(/^rollback-1-\d+$/) }]);
    expect(t.reply).toEqual({ ok: true, message: "finishing the rollback of Task 1/3" });
    // Commands still wait; the edge's report then finishes it.
    expect(d.send({ type: "approve" }).reply.ok).toBe(false);
    expect(d.send({ type: "rollback_done", index: 0, restored: ["a"], removed: [], error: null }).state).toMatchObject({ rollback_pending: null, status: "waiting_approval", current_task_index: 0 });
  });

  it("resets the branch again with git.commit task", () => {
    const d = ran(2, checks({ commit: "task" }));
    d.send({ type: "rollback", index: 1 });
    expect(effectOf(d.send({ type: "recover", boot_id: null }), "rollback_tree")).toMatchObject({ index: 1, tree: "tree-2", reset_to: "head-2" });
  });

  it("also ends what an interrupted run left running, first", () => {
    const d = ran(1);
    d.send({ type: "approve" });
    d.spawn(snap(2));
    d.send({ type: "recover", boot_id: "boot-a" }); // task 2 interrupted; its leftovers are still recorded
    d.send({ type: "rollback" });
    expect(d.state.rollback_pending).toBe(1);
    const t = d.send({ type: "recover", boot_id: "boot-a" });
    expect(t.effects).toEqual([
      { type: "kill_orphan", index: 1, pgid: 100, run_marker: "m-1-1" },
      { type: "rollback_tree", index: 1, tree: "tree-2", reset_to: null, safety_ref: expect.stringMatching(/^rollback-1-\d+$/) },
    ]);
  });

  it("drops a pending rollback whose task has no snapshot (a hand-edited or foreign state file)", () => {
    const d = ran(1);
    d.state = { ...d.state, rollback_pending: 2 };
    const before = d.state;
    const t = d.send({ type: "recover", boot_id: null });
    expect(t.state).toEqual({ ...before, rollback_pending: null });
    expect(t.effects).toEqual([]);
    expect(t.reply).toEqual({ ok: true, message: "dropped a rollback with no snapshot" });
  });
});
