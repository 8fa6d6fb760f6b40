// The snapshots around a task (task_spawned's `before`, task_finished's `changes`) and the
// changes line its completion, failure and interruption messages carry.
import { describe, expect, it } from "@jest/globals";
import { def, outcome, policies } from "../machine-helpers.js";
import { changes, CheckpointDriver, checks, notes, snap } from "./checkpoint-helpers.js";

function runningTask(): CheckpointDriver {
  const d = new CheckpointDriver(checks(), policies.required);
  d.start([def(1), def(2)]);
  d.send({ type: "approve" });
  return d;
}

describe("task_spawned: the task's base snapshot", () => {
  it("records the first attempt's before-snapshot as the base", () => {
    const d = runningTask();
    const t = d.spawn(snap(1, "commit-h1"));
    expect(t.state.tasks[0]?.git).toEqual({ base: "tree-1", base_commit: "snapc-1", head_before: "commit-h1", head: null, head_commit: null });
  });

  it("a repository with no commits yet records head_before null", () => {
    const d = runningTask();
    expect(d.spawn(snap(1, null)).state.tasks[0]?.git?.head_before).toBeNull();
  });

  it("the before-snapshot of a retry does not replace the base: a rollback goes back to before the first attempt", () => {
    const d = runningTask();
    d.spawn(snap(1));
    d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1", summary: null }), changes("after-1", ["a.ts"]));
    d.send({ type: "retry" });
    const t = d.spawn(snap(2));
    expect(t.state.tasks[0]).toMatchObject({ attempts: 2, git: { base: "tree-1", base_commit: "snapc-1", head_before: "head-1" } });
    // The retry's changes are counted from that same base.
    const f = d.end(outcome(), changes("after-2", ["a.ts", "b.ts"]));
    expect(f.state.tasks[0]?.git).toEqual({ base: "tree-1", base_commit: "snapc-1", head_before: "head-1", head: "tree-after-2", head_commit: "snapc-after-2" });
  });

  it("no before-snapshot (git off, or a continuation) leaves the task without git record", () => {
    const d = runningTask();
    expect(d.spawn(null).state.tasks[0]?.git ?? null).toBeNull();
  });
});

describe("task_finished: what the attempt changed", () => {
  it("records the head snapshot and the change from the base", () => {
    const d = runningTask();
    d.spawn(snap(1));
    const t = d.end(outcome(), changes("after-1", ["src/a.ts", "src/b.ts", "test/a.test.ts"], 120, 4));
    expect(t.state.tasks[0]).toMatchObject({
      git: { base: "tree-1", head: "tree-after-1", head_commit: "snapc-after-1" },
      files_changed: [{ path: "src/a.ts" }, { path: "src/b.ts" }, { path: "test/a.test.ts" }],
      insertions: 120,
      deletions: 4,
    });
    expect(notes(t).find((n) => n.event === "task_completed")?.message).toBe("Task 1/2: Task title 1 complete. Progress: 1/2 (50%)\n3 files changed (+120 −4): src/a.ts, src/b.ts, test/a.test.ts");
  });

  it("equal snapshots say no files changed", () => {
    const d = runningTask();
    d.spawn(snap(1));
    const t = d.end(outcome(), changes("after-1", [], 0, 0));
    expect(notes(t).find((n) => n.event === "task_completed")?.message).toMatch(/\nno files changed$/);
  });

  it("changes without a base (no before-snapshot) are not recorded and not described", () => {
    const d = runningTask();
    d.spawn(null);
    const t = d.end(outcome(), changes("after-1", ["a.ts"]));
    const task = t.state.tasks[0];
    expect([task?.git ?? null, task?.files_changed ?? [], task?.insertions ?? null, task?.deletions ?? null]).toEqual([null, [], null, null]);
    expect(notes(t).find((n) => n.event === "task_completed")?.message).toBe("Task 1/2: Task title 1 complete. Progress: 1/2 (50%)");
  });

  it("a snapshot that failed after the run (changes null) keeps the base and says plainly that the changes are not known", () => {
    const d = runningTask();
    d.spawn(snap(1));
    const t = d.send({ type: "task_finished", index: 0, attempt: 1, outcome: outcome(), output_log: "log-0", changes: null, git_error: "git write-tree failed" });
    expect(t.state.tasks[0]).toMatchObject({ status: "completed", git: { base: "tree-1", head: null }, changes_error: "git write-tree failed" });
    const done = notes(t).find((n) => n.event === "task_completed");
    expect(done?.message).toBe("Task 1/2: Task title 1 complete. Progress: 1/2 (50%)\n⚠️ What it changed could not be recorded: git write-tree failed");
    expect(done?.level).toBe("warning");
  });

  it("a failure names what the attempt changed", () => {
    const d = runningTask();
    d.spawn(snap(1));
    const t = d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1: boom", summary: null }), changes("after-1", ["a.ts"], 2, 0));
    expect(notes(t)).toEqual([{ event: "task_failed", level: "error", task_index: 0, message: "Task 1/2: Task title 1 failed: exited 1: boom\n1 file changed (+2 −0): a.ts" }]);
  });

  it("more than 10 files: the message names 10 and counts the rest", () => {
    const d = runningTask();
    d.spawn(snap(1));
    const paths = Array.from({ length: 14 }, (_, i) => `f${i + 1}.ts`);
    const t = d.end(outcome(), changes("after-1", paths));
    const line = notes(t).find((n) => n.event === "task_completed")?.message.split("\n")[1];
    expect(line).toBe(`14 files changed (+14 −0): ${paths.slice(0, 10).join(", ")} and 4 more`);
    // The state keeps every file (n8n gets them all in the payload).
    expect(t.state.tasks[0]?.files_changed).toHaveLength(14);
  });

  it("the n8n payload carries the changes, the verification and the commit", () => {
    const d = new CheckpointDriver(checks({ commit: "task" }), policies.required, { outbox: true });
    d.start([def(1), def(2)]);
    d.send({ type: "approve" });
    d.spawn(snap(1));
    d.end(outcome(), changes("after-1", ["a.ts"], 5, 1));
    d.committed("abcdef1234");
    const done = d.state.outbox.find((n) => n.event === "task_completed");
    expect(done?.task).toMatchObject({ number: 1, status: "completed", files_changed: [{ path: "a.ts" }], insertions: 5, deletions: 1, verification: null, commit: "abcdef1234" });
    expect(done?.message).toMatch(/\nCommitted abcdef1\.$/);
  });
});
