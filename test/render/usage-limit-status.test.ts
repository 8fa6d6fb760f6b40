import { describe, expect, it } from "@jest/globals";
import { transition, type MachineContext } from "../../src/core/machine.js";
import type { SessionState } from "../../src/core/state.js";
import { createIdleState } from "../../src/core/state.js";
import { commandsFor, formatStatus, STATUS_TEXT } from "../../src/render/format-status.js";
import { statusData } from "../../src/control/status-data.js";
import { renderStatus } from "../../src/telegram/rendering/render-status.js";
import { commandsHint } from "../../src/telegram/rendering/render-parts.js";
import { renderChange } from "../../src/telegram/rendering/render-change.js";
import { describeStateProblem } from "../../src/core/state.js";
import { def, outcome, policies } from "../core/machine-helpers.js";

// waiting_limit on every surface that lists statuses: the CLI's status, the status data (HTTP,
// n8n), the bot's /status and its hints; and the usage warning line.

const ctx = (now: string): MachineContext => ({ now, policy: policies.auto as never, timeZone: "UTC" });

/** A two-task session whose first task hit the 5-hour limit at 12:46 UTC, resetting at 15:00. */
function waitingAtLimit(): SessionState {
  let s = createIdleState();
  s = transition(s, { type: "start", task_file: "/x/t.md", tasks: [def(1), def(2)], session_id: "S1" }, ctx("2026-08-06T12:40:00Z")).state;
  s = transition(s, { type: "rate_limit", index: 0, attempt: 1, info: { status: "allowed_warning", type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", utilization: 0.82 } }, ctx("2026-08-06T12:41:00Z")).state;
  const limit = { type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", message: "You've hit your 5-hour limit · resets 3pm (UTC)" };
  return transition(s, { type: "task_finished", index: 0, attempt: 1, outcome: outcome({ ok: false, kind: "usage_limit", reason: `usage limit reached: ${limit.message}`, limit }), output_log: null }, ctx("2026-08-06T12:46:00Z")).state;
}
const NOW = new Date("2026-08-06T12:46:00Z");

describe("waiting_limit as every surface shows it", () => {
  it("is a valid saved status", () => {
    expect(describeStateProblem(waitingAtLimit())).toBeNull();
    expect(STATUS_TEXT.waiting_limit).toBe("⏳ Waiting for the usage limit");
  });

  it("orchestrator status: when it goes on, the window's use, no error line, the commands", () => {
    const text = formatStatus(waitingAtLimit(), NOW);
    expect(text).toContain("Status: ⏳ Waiting for the usage limit\nWaiting because the usage limit (5-hour window) resets at ");
    expect(text).toMatch(/\nContinues by itself at \d\d:\d\d \(in 2 h 14 min\): the usage limit \(5-hour window\)\.\nUsage: 5-hour window 82 % used · resets \d\d:\d\d\n/);
    expect(text).not.toContain("Error:");
    expect(text.trimEnd().split("\n").at(-1)).toBe("/status /approve /pause /skip");
    expect(commandsFor(waitingAtLimit())).toEqual(["/status", "/approve", "/pause", "/skip"]);
  });

  it("status data: the limit and the usage as data; the waiting task is not counted as failed", () => {
    const data = statusData(waitingAtLimit(), NOW);
    expect(data).toMatchObject({
      status: "waiting_limit",
      limit: { type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", resume_at: "2026-08-06T15:00:00.000Z", held: false, message: "You've hit your 5-hour limit · resets 3pm (UTC)" },
      usage: { type: "five_hour", utilization: 0.82, resets_at: "2026-08-06T15:00:00.000Z" },
      commands: ["/status", "/approve", "/pause", "/skip"],
    });
    expect(data.progress.failed).toBe(0);
    // Past the window's reset the warning is out of date: not shown.
    expect(statusData(waitingAtLimit(), new Date("2026-08-06T15:00:01Z")).usage).toBeNull();
  });

  it("paused there (/pause holds it): the status says so and /resume waits for the reset", () => {
    const held = transition(waitingAtLimit(), { type: "pause" }, ctx("2026-08-06T12:47:00Z")).state;
    expect(statusData(held, NOW).limit).toMatchObject({ held: true, resume_at: "2026-08-06T15:00:00.000Z" });
    expect(formatStatus(held, NOW)).toMatch(/Held by \/pause: the usage limit \(5-hour window\) resets at \d\d:\d\d \(in 2 h 14 min\); \/resume waits for it/);
    expect(statusData(held, NOW).progress.failed).toBe(0);
  });

  it("the bot's /status and hints", () => {
    const s = waitingAtLimit();
    const html = renderStatus(statusData(s, NOW), s);
    expect(html).toContain("Status: ⏳ Waiting for the usage limit");
    expect(html).toMatch(/⏳ Continues by itself at \d\d:\d\d \(in 2 h 14 min\)/);
    expect(html).toContain("📈 5-hour window 82 % used");
    expect(html).not.toContain("Error:");
    expect(html).not.toContain("❌ Failed");
    expect(commandsHint(s)).toBe("It continues by itself when the usage limit resets: /approve to try now, /pause to hold it, /skip to skip the task, /status for details");
  });

  it("the bot's messages: the wait once, with what to send; the resumption, then the progress message", () => {
    const before = waitingAtLimit();
    const limit = { type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", message: "x" };
    const running = transition(before, { type: "approve" }, ctx("2026-08-06T12:47:00Z")).state;
    const t = transition(running, { type: "task_finished", index: 0, attempt: 1, outcome: outcome({ ok: false, kind: "usage_limit", reason: "usage limit reached: x", limit }), output_log: null }, ctx("2026-08-06T12:48:00Z"));
    const notes = t.effects.flatMap((e) => (e.type === "notify" ? [e.notification] : []));
    const [msg, ...more] = renderChange(t.state, notes, NOW);
    expect(more).toEqual([]);
    expect(msg?.html).toMatch(/^⏳ Usage limit reached \(5-hour window\)\. Resuming at \d\d:\d\d \(in 2 h 12 min\)\.\nTask 1\/2: Task title 1 continues then/);
    expect(msg?.html).toContain("/approve to try now, /pause to hold it");
    const resumed = transition(t.state, { type: "limit_timer", resume_at: "2026-08-06T15:00:00.000Z" }, ctx("2026-08-06T15:00:00Z"));
    const out = renderChange(resumed.state, resumed.effects.flatMap((e) => (e.type === "notify" ? [e.notification] : [])), new Date("2026-08-06T15:00:00Z"));
    expect(out.map((m) => m.run !== null)).toEqual([false, true]);
    expect(out[0]?.html).toContain("▶️ Usage limit reset: Task 1/2: Task title 1 continues where it stopped (the same Claude session).");
  });
});
