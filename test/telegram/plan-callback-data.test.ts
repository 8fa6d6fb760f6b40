import { describe, expect, it } from "@jest/globals";
import { sessionTag } from "../../src/telegram/callback-data.js";
import {
  decodeDailyLogPress,
  decodePlanAction,
  decodeUnfinishedPress,
  encodeDailyLogPlan,
  encodePlanAction,
  encodeUnfinishedContinue,
  encodeUnfinishedStart,
  fileTag,
} from "../../src/telegram/plan-callback-data.js";
import { continueCommand, renderUnfinishedQuestion } from "../../src/telegram/rendering/render-plan.js";
import { createIdleState } from "../../src/core/state.js";

const ref = { task: { session: sessionTag("20260101-093015"), index: 2, attempt: 1 }, status: "task_failed" };

describe("the morning's callback data", () => {
  it("round-trips within 64 bytes, and forged or foreign data decodes to nothing", () => {
    const start = encodePlanAction("start", "2026-01-01-p12");
    expect(decodePlanAction(start)).toEqual({ action: "start", planId: "2026-01-01-p12" });
    expect(decodePlanAction(encodePlanAction("discard", "2026-01-01-p1"))?.action).toBe("discard");
    expect(decodePlanAction("pl:s:../../etc")).toBeNull();
    expect(decodePlanAction("pl:x:2026-01-01-p1")).toBeNull();
    expect(() => encodePlanAction("show", "not an id")).toThrow();

    expect(decodeDailyLogPress(encodeDailyLogPlan("2026-01-02"))).toEqual({ kind: "plan", date: "2026-01-02" });
    expect(decodeDailyLogPress("dl:f")).toEqual({ kind: "pick" });
    expect(decodeDailyLogPress("dl:p:tomorrow")).toBeNull();

    const c = encodeUnfinishedContinue(ref);
    const s = encodeUnfinishedStart(ref, `${"a-very-long-task-file-name-".repeat(5)}.md`);
    for (const data of [start, c, s]) expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(decodeUnfinishedPress(c)).toEqual({ kind: "continue", ref });
    expect(decodeUnfinishedPress(s)).toEqual({ kind: "start", ref, fileTag: fileTag(`${"a-very-long-task-file-name-".repeat(5)}.md`) });
    expect(decodeUnfinishedPress(`${c}:deadbeef`)).toBeNull();
    expect(decodeUnfinishedPress(c.replace(":f", ":x"))).toBeNull();
    expect(() => encodeUnfinishedContinue({ ...ref, status: "running" })).toThrow();
  });

  it("Continue it is the session's own next step", () => {
    expect(["waiting_approval", "paused", "task_failed", "waiting_limit"].map(continueCommand)).toEqual(["approve", "resume", "retry", "resume"]);
  });

  it("the question names the session, its day and progress, and escapes what it shows", () => {
    const state = { ...createIdleState(), status: "task_failed" as const, session_id: "20260101-093015", task_file: "/x/orchestrator_tasks/a<b>.md" };
    const q = { session_id: "20260101-093015", task_file: state.task_file, started_on: "2026-01-01", status: "task_failed", done: 2, total: 5, today_file: "/x/orchestrator_tasks/2026-01-02-tasks.md" };
    const rendered = renderUnfinishedQuestion(q, { ...state, tasks: [] }, "2026-01-02");
    expect(rendered?.html).toContain("Session 20260101-093015 from 2026-01-01 is unfinished</b> (2 of 5 done, task failed)");
    expect(rendered?.html).toContain("a&lt;b&gt;.md");
    expect(rendered?.keyboard.inline_keyboard.flat().map((b) => b.text)).toEqual(["▶️ Continue it (/retry)", "📋 Start today's file: 2026-01-02-tasks.md"]);
    // A session in no state the question names (running): no question.
    expect(renderUnfinishedQuestion(q, { ...state, status: "running" }, "2026-01-02")).toBeNull();
  });
});
