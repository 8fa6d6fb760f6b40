// The machine's side of logs that cannot be written: the log_problem report becomes one
// notification, and a task's record says what its log could not keep.
import { describe, expect, it } from "@jest/globals";
import { transition } from "../../src/core/machine.js";
import { createIdleState } from "../../src/core/state.js";
import { def, failure, MachineDriver, outcome, policies } from "./machine-helpers.js";

const ctx = (outbox = false) => ({ now: "2026-01-01T09:00:00.000Z", policy: policies.auto!, outbox });

describe("log_problem", () => {
  it("is a notification only: the state is not changed, so nothing is written", () => {
    const state = createIdleState();
    const t = transition(state, { type: "log_problem", problem: "EROFS: read-only file system, open '/x/2026-12-01.log'" }, ctx());
    expect(t.state).toBe(state);
    expect(t.effects).toEqual([
      {
        type: "notify",
        notification: {
          event: "logs_failing",
          level: "error",
          task_index: null,
          message: "Logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'. Tasks still run; what a task's log cannot keep (the end of stderr) is kept in the state.",
        },
      },
    ]);
    const back = transition(state, { type: "log_problem", problem: null }, ctx());
    expect(back.effects).toEqual([{ type: "notify", notification: { event: "logs_recovered", level: "success", task_index: null, message: "Logs are being written again." } }]);
  });

  it("goes into the n8n outbox when there is one", () => {
    const t = transition(createIdleState(), { type: "log_problem", problem: "ENOSPC: no space left on device, write" }, ctx(true));
    expect(t.state.outbox).toEqual([expect.objectContaining({ event: "logs_failing", type: "error", task: null })]);
  });
});

describe("a task's output log in the state", () => {
  it("keeps why the log is missing or cut short, and the stderr tail, and never a path that was not written", () => {
    const d = new MachineDriver(policies.auto);
    d.start([def(1), def(2)]);
    d.send({ type: "task_spawned", index: 0, attempt: 1, pid: 7, pgid: 7, boot_id: "b", run_marker: null, output_log: null });
    expect(d.state.tasks[0]?.output_log).toBeNull();
    const index = 0;
    d.send({
      type: "task_finished",
      index,
      attempt: 1,
      output_log: null,
      outcome: { ...failure("exited 3: fatal (…stderr_tail)"), output_log: { created: false, error: "could not open the output log: EROFS: read-only file system, open '/x/S1/task-1-output.log'" }, stderr_tail: "fatal" },
    });
    expect(d.state.tasks[0]).toMatchObject({
      status: "failed",
      output_log: null,
      output_log_error: "could not open the output log: EROFS: read-only file system, open '/x/S1/task-1-output.log'",
      stderr_tail: "fatal",
    });
    // A retry that writes its log in full clears both.
    d.send({ type: "retry" });
    d.send({ type: "task_spawned", index: 0, attempt: 2, pid: 8, pgid: 8, boot_id: "b", run_marker: null, output_log: "/x/S1/task-1-output.log" });
    expect(d.state.tasks[0]).toMatchObject({ output_log: "/x/S1/task-1-output.log", output_log_error: null, stderr_tail: null });
    d.send({ type: "task_finished", index, attempt: 2, output_log: "/x/S1/task-1-output.log", outcome: { ...outcome(), output_log: { created: true, error: "the output log was cut short after 1.2 MB: ENOSPC: no space left on device, write" } } });
    expect(d.state.tasks[0]).toMatchObject({ status: "completed", output_log: "/x/S1/task-1-output.log", output_log_error: "the output log was cut short after 1.2 MB: ENOSPC: no space left on device, write", stderr_tail: null });
  });
});
