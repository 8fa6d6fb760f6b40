import { describe, expect, it } from "@jest/globals";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { formatStatus } from "../../src/render/format-status.js";
import { statusData } from "../../src/control/status-data.js";
import { def } from "../core/machine-helpers.js";

const now = new Date("2026-01-01T10:00:00Z");

function failedSession(): SessionState {
  const s = createIdleState();
  const task = { ...createTaskRecord(def(1)), status: "failed" as const, attempts: 1, error: "exited 3: fatal", output_log_error: "could not open the output log: EROFS: read-only file system, open '/x/S1/task-1-output.log'", stderr_tail: "fatal" };
  Object.assign(s, { session_id: "S1", task_file: "/x/t.md", status: "task_failed", started_at: "2026-01-01T09:00:00Z", tasks: [task] });
  return s;
}

describe("formatStatus and statusData with the service's problems", () => {
  it("puts each problem first, idle or not", () => {
    const problems = ["logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'"];
    expect(formatStatus(createIdleState(), now, problems)).toBe(
      "📊 Orchestrator Status\n\n⚠️ logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'\n\nStatus: 💤 Idle (no session). Start one with a task file.",
    );
    expect(formatStatus(failedSession(), now, problems).split("\n").slice(0, 4)).toEqual(["📊 Orchestrator Status", "", `⚠️ ${problems[0]}`, ""]);
    expect(formatStatus(createIdleState(), now)).toBe("📊 Orchestrator Status\n\nStatus: 💤 Idle (no session). Start one with a task file.");
  });

  it("says when the current task's output log is missing or cut short", () => {
    expect(formatStatus(failedSession(), now)).toContain("Error: exited 3: fatal\nOutput log: could not open the output log: EROFS");
  });

  it("carries the problems as data (a copy)", () => {
    const problems = ["cannot save the state: ENOSPC"];
    const data = statusData(failedSession(), now, problems);
    expect(data.problems).toEqual(problems);
    expect(data.problems).not.toBe(problems);
    expect(statusData(createIdleState(), now).problems).toEqual([]);
  });
});
