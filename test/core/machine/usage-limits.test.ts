import { describe, expect, it } from "@jest/globals";
import type { OrchestratorEvent } from "../../../src/core/events.js";
import type { MachineContext, Transition } from "../../../src/core/machine.js";
import type { RunOutcome, UsageLimit } from "../../../src/core/run-outcome.js";
import { LIMIT_NOW_PROMPT, LIMIT_PROMPT, heldAtLimit, limitBackoffS } from "../../../src/core/machine/usage-limits.js";
import { def, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes, verdict } from "./checkpoint-helpers.js";

// A run stopped by a usage limit is not a failure: waiting_limit until the reset (resume_at),
// then the same Claude session continues by itself; /approve tries now, /pause holds, /skip skips.

const T0 = Date.parse("2026-08-06T12:46:00Z");

/** The checkpoint driver on a clock the test sets (UTC wording); each event still moves it 1 s. */
class LimitDriver extends CheckpointDriver {
  clock = T0;
  override ctx(): MachineContext {
    this.clock += 1000;
    return { ...super.ctx(), now: new Date(this.clock).toISOString(), timeZone: "UTC" };
  }
  at(iso: string): this {
    this.clock = Date.parse(iso) - 1000;
    return this;
  }
  /** The current task's run ends at a usage limit. */
  limit(limit: Partial<UsageLimit> = {}, over: Partial<RunOutcome> = {}): Transition {
    const l: UsageLimit = { type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", message: "You've hit your 5-hour limit · resets 3pm (UTC)", ...limit };
    return this.end(outcome({ ok: false, kind: "usage_limit", reason: `usage limit reached: ${l.message}`, summary: null, cost_usd: 0.02, session_id: "sess-1", limit: l, ...over }));
  }
  timer(resume_at = this.state.resume_at ?? ""): Transition {
    return this.send({ type: "limit_timer", resume_at });
  }
  cmd(event: OrchestratorEvent): Transition {
    return this.send(event);
  }
}

/** Two tasks, auto mode (no approvals), the first running. */
function running(extra: Partial<MachineContext> = {}, settings = checks({ git: false })): LimitDriver {
  const d = new LimitDriver(settings, policies.auto, extra);
  d.start([def(1), def(2)]);
  d.spawn();
  return d;
}

describe("a run stopped by a usage limit", () => {
  it("waits for the reset the CLI reported: waiting_limit, resume_at, the task resumable, the phone told once", () => {
    const d = running();
    const t = d.limit();
    expect(d.state).toMatchObject({ status: "waiting_limit", resume_at: "2026-08-06T15:00:00.000Z", waiting_reason: "the usage limit (5-hour window) resets at 15:00" });
    expect(d.state.limit).toEqual({ type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", message: "You've hit your 5-hour limit · resets 3pm (UTC)", index: 0, since: "2026-08-06T12:46:03.000Z", hits: 1 });
    expect(d.state.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true, claude_session_id: "sess-1", cost_usd: 0.02, error: "stopped by the usage limit (5-hour window); continues by itself at 15:00" });
    // Not a failure: no task_failed, no task_interrupted (a person's wait), one notice.
    expect(noteEvents(t)).toEqual(["usage_limit_reached"]);
    expect(notes(t)[0]?.message).toBe("⏳ Usage limit reached (5-hour window). Resuming at 15:00 (in 2 h 14 min).\nTask 1/2: Task title 1 continues then in the same Claude session; /approve tries now, /pause holds it, /skip skips it.");
    expect(t.effects.filter((e) => e.type !== "notify")).toEqual([]);
  });

  it.each([
    ["the reset from the CLI (event or text)", { resets_at: "2026-08-06T15:00:00.000Z" }, "2026-08-06T15:00:00.000Z", "Resuming at 15:00 (in 2 h 14 min)."],
    ["no reset given: 5 min", { resets_at: null, type: null, message: "API Error: Request rejected (429) · this may be a temporary capacity issue." }, "2026-08-06T12:51:03.000Z", "⏳ Usage limit reached, with no reset time given. Trying again at 12:51 (in 5 min)."],
    ["a reset already past: as if none", { resets_at: "2026-08-06T12:00:00.000Z" }, "2026-08-06T12:51:03.000Z", "with no reset time given. Trying again at 12:51 (in 5 min)."],
    ["a weekly reset days away", { type: "seven_day", resets_at: "2026-08-08T09:00:00.000Z" }, "2026-08-08T09:00:00.000Z", "⏳ Usage limit reached (weekly window). Resuming at Aug 8 09:00 (in 1 d 20 h)."],
  ])("resume_at: %s", (_what, limit, resumeAt, words) => {
    const d = running();
    const t = d.limit(limit);
    expect(d.state.resume_at).toBe(resumeAt);
    expect(notes(t)[0]?.message).toContain(words);
  });

  it("without reset times, consecutive limits wait 5, 10, 20, 40 min, then 1 h; a run that ends otherwise starts the count again", () => {
    expect([1, 2, 3, 4, 5, 6].map(limitBackoffS)).toEqual([300, 600, 1200, 2400, 3600, 3600]);
    const d = running();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      d.limit({ resets_at: null });
      waits.push((Date.parse(d.state.resume_at ?? "") - d.clock) / 1000);
      d.at(d.state.resume_at ?? "").timer();
    }
    expect(waits).toEqual([300, 600, 1200, 2400, 3600, 3600]);
    expect(d.state.limit?.hits).toBe(6);
    d.end(outcome({ ok: false, kind: "exit_error", reason: "boom", summary: null }));
    expect(d.state.limit).toBeNull();
  });

  it("at resume_at the same Claude session continues by itself (--resume, the same attempt), and its costs add up", () => {
    const d = running();
    d.limit();
    const t = d.at("2026-08-06T15:00:00Z").timer("2026-08-06T15:00:00.000Z");
    const run = effectOf(t, "run_task");
    expect(run).toMatchObject({ index: 0, attempt: 1, resume_session_id: "sess-1", feedback: LIMIT_PROMPT, continuation: 0, fix_round: 0, after_limit: 1 });
    expect(noteEvents(t)).toEqual(["usage_limit_resumed", "task_started"]);
    expect(notes(t)[0]?.message).toBe("▶️ Usage limit reset: Task 1/2: Task title 1 continues where it stopped (the same Claude session).");
    expect(d.state).toMatchObject({ status: "running", resume_at: null, current_task_index: 0 });
    expect(d.state.tasks[0]).toMatchObject({ status: "running", attempts: 1, phase: "claude", error: null, resume_on_retry: false, limit_resumes: 1, limit_wait_s: 8037 });
    d.end(outcome({ cost_usd: 0.03 }));
    expect(d.state.tasks[0]).toMatchObject({ status: "completed", attempts: 1 });
    expect(d.state.tasks[0]?.cost_usd).toBeCloseTo(0.05);
    expect(d.state.tasks[0]?.num_turns).toBe(4);
    expect(d.state.limit).toBeNull();
    expect(d.state.current_task_index).toBe(1); // auto mode: task 2 runs
  });

  it("a stale timer is ignored: another resume_at, no longer waiting, a rollback under way", () => {
    const d = running();
    d.limit();
    const before = d.state;
    expect(d.timer("2026-08-06T14:00:00.000Z").state).toBe(before);
    expect(d.timer("2026-08-06T14:00:00.000Z").reply.ok).toBe(false);
    expect(d.send({ type: "limit_timer", resume_at: "2026-08-06T15:00:00.000Z" }).reply.ok).toBe(true); // the live one
    expect(d.timer("2026-08-06T15:00:00.000Z").state.status).toBe("running"); // again: stale (running)
    expect(effectOf(d.last, "run_task")).toBeUndefined();
    const r = running({}, checks({ git: true }));
    r.limit();
    const during = { ...r.state, rollback_pending: 0 };
    r.state = during;
    expect(r.timer().state).toBe(during);
  });

  it.each([
    ["approve", { type: "approve" } as const, LIMIT_NOW_PROMPT],
    ["resume", { type: "resume" } as const, LIMIT_NOW_PROMPT],
    ["retry with a note", { type: "retry", feedback: "  Use the smaller model's plan.  " } as const, "Use the smaller model's plan."],
  ])("/%s tries now, in the same session", (_what, command, prompt) => {
    const d = running();
    d.limit();
    const t = d.cmd(command);
    expect(t.reply).toEqual({ ok: true, message: `Trying again now (/${command.type}), before the reset at 15:00: continuing Task 1/2: Task title 1.` });
    expect(effectOf(t, "run_task")).toMatchObject({ attempt: 1, resume_session_id: "sess-1", feedback: prompt, after_limit: 1 });
    // It hits the limit again: the count goes on, and the wait is the new reset.
    d.limit({ resets_at: "2026-08-06T15:30:00.000Z" });
    expect(d.state).toMatchObject({ status: "waiting_limit", resume_at: "2026-08-06T15:30:00.000Z" });
    expect(d.state.limit?.hits).toBe(2);
  });

  it("/pause holds it: paused with resume_at kept, nothing by itself; /resume before the reset waits again, after it goes on", () => {
    const d = running();
    d.limit();
    const paused = d.cmd({ type: "pause" });
    expect(paused.reply.message).toBe("Paused at Task 1/2: it does not continue by itself at 15:00 while paused. Send /resume to wait for the reset again (or go on at once if it has passed), /skip to skip it.");
    expect(d.state).toMatchObject({ status: "paused", resume_at: "2026-08-06T15:00:00.000Z" });
    expect(heldAtLimit(d.state)).toBe(true);
    expect(noteEvents(paused)).toEqual(["session_paused"]);
    expect(d.timer("2026-08-06T15:00:00.000Z").reply.ok).toBe(false); // a timer while held does nothing
    expect(d.cmd({ type: "approve" }).reply).toEqual({ ok: false, message: "Nothing to approve: paused. Send /resume first." });
    const back = d.cmd({ type: "resume" });
    expect(back.reply.message).toBe("Resumed: Task 1/2: Task title 1 waits for the usage limit to reset at 15:00 (in 2 h 14 min), then continues by itself (/approve tries now).");
    expect(d.state).toMatchObject({ status: "waiting_limit", resume_at: "2026-08-06T15:00:00.000Z", paused_at: null });
    expect(effectOf(back, "run_task")).toBeUndefined();
    d.cmd({ type: "pause" });
    d.at("2026-08-06T16:00:00Z");
    const late = d.cmd({ type: "resume" });
    expect(effectOf(late, "run_task")).toMatchObject({ resume_session_id: "sess-1", feedback: LIMIT_PROMPT });
    expect(d.state.status).toBe("running");
  });

  it("a pause asked for while the task ran holds it at the limit", () => {
    const d = running();
    d.cmd({ type: "pause" });
    const t = d.limit();
    expect(d.state).toMatchObject({ status: "paused", resume_at: "2026-08-06T15:00:00.000Z", pause_requested: false });
    expect(noteEvents(t)).toEqual(["usage_limit_reached", "session_paused"]);
  });

  it("/skip works as usual: skipped, the wait ends, the session moves on", () => {
    const d = running();
    d.limit();
    const t = d.cmd({ type: "skip" });
    expect(d.state.tasks.map((x) => x.status)).toEqual(["skipped", "running"]);
    expect(d.state).toMatchObject({ status: "running", current_task_index: 1, resume_at: null, limit: null });
    expect(noteEvents(t)).toEqual(["task_skipped", "task_started"]);
    // Paused there: skipped, still paused at the next.
    const p = running();
    p.limit();
    p.cmd({ type: "pause" });
    p.cmd({ type: "skip" });
    expect(p.state).toMatchObject({ status: "paused", current_task_index: 1, resume_at: null, limit: null });
  });

  it("/cancel has nothing to cancel; /start and /tell are refused with what to send", () => {
    const d = running();
    d.limit();
    expect(d.cmd({ type: "cancel", by: "Telegram @ana" }).reply).toEqual({ ok: false, message: "Nothing to cancel: no task is running (Task 1/2 waits for the usage limit to reset at 15:00). Send /skip to skip it, /pause to hold it, or /approve to try it now." });
    expect(d.cmd({ type: "start", task_file: "b.md", tasks: [def(1)], session_id: "S2" }).reply).toEqual({ ok: false, message: "A session is active (Task 1/2 waits for the usage limit to reset). Finish or /skip its tasks, or leave it unfinished with /start --replace (HTTP: \"replace\": true)." });
    expect(d.cmd({ type: "tell", text: "hi" }).reply.ok).toBe(false);
    expect(d.state.status).toBe("waiting_limit");
  });

  it("a person's skip or cancel during the run wins over the limit", () => {
    const d = running();
    d.cmd({ type: "skip" });
    d.limit();
    expect(d.state.tasks[0]?.status).toBe("skipped");
    expect(d.state.status).not.toBe("waiting_limit");
  });

  it("the day's budget spent by the time of the reset: it waits for a person instead", () => {
    const d = running({ today: "2026-08-06", budget: { dailyUsd: 0.05, warnRatio: 0.75 } });
    d.limit({}, { cost_usd: 0.06 });
    expect(d.state.status).toBe("waiting_limit");
    expect(d.cmd({ type: "approve" }).reply).toEqual({ ok: false, message: "Budget reached: $0.06 of $0.05 spent today. Send /budget <dollars> to raise today's budget, or wait for tomorrow." });
    const t = d.at("2026-08-06T15:00:00Z").timer("2026-08-06T15:00:00.000Z");
    expect(effectOf(t, "run_task")).toBeUndefined();
    expect(d.state).toMatchObject({ status: "waiting_approval", waiting_reason: "Budget reached: $0.06 of $0.05 spent today", resume_at: null, limit: null });
  });

  it("a fix run cut short by a limit goes on as that fix after the reset, then is verified", () => {
    const d = new LimitDriver(checks({ git: false, verify: ["npm test"] }), policies.auto);
    d.start([def(1)]);
    d.spawn();
    d.end();
    d.verified(verdict(false));
    expect(effectOf(d.last, "run_task")?.fix_round).toBe(1);
    d.limit();
    const t = d.at("2026-08-06T15:00:00Z").timer();
    expect(effectOf(t, "run_task")).toMatchObject({ fix_round: 1, after_limit: 1, resume_session_id: "sess-1" });
    d.end();
    expect(effectOf(d.last, "verify_task")).toMatchObject({ round: 2 });
  });

  it("the restart's recovery leaves the wait as it is (the orchestrator re-arms its timer)", () => {
    const d = running();
    d.limit();
    const before = d.state;
    const t = d.send({ type: "recover", boot_id: "boot-b" });
    expect(t.state).toBe(before);
  });
});

describe("rate_limit reports: the usage warning", () => {
  const info = (over: Partial<{ status: string; utilization: number | null; resets_at: string | null; type: string | null }> = {}) => ({ status: "allowed_warning", type: "five_hour", resets_at: "2026-08-06T15:00:00.000Z", utilization: 0.82, ...over });
  const report = (d: LimitDriver, i: ReturnType<typeof info>) => d.send({ type: "rate_limit", index: 0, attempt: 1, info: i });

  it("is kept and sent once per window; allowed clears it; a rejected one changes nothing", () => {
    const d = running();
    const first = report(d, info());
    expect(d.state.usage_warning).toEqual({ type: "five_hour", utilization: 0.82, resets_at: "2026-08-06T15:00:00.000Z", at: "2026-08-06T12:46:03.000Z" });
    expect(notes(first).map((n) => n.message)).toEqual(["⚠️ 5-hour window 82 % used · resets 15:00. Past the limit the session waits for the reset and goes on by itself."]);
    const again = report(d, info({ utilization: 0.91 }));
    expect(noteEvents(again)).toEqual([]);
    expect(d.state.usage_warning?.utilization).toBe(0.91);
    const same = d.state;
    expect(report(d, info({ utilization: 0.91 })).state).toBe(same); // nothing new: nothing to save
    expect(report(d, info({ status: "rejected" })).state).toBe(same);
    report(d, info({ status: "allowed" }));
    expect(d.state.usage_warning).toBeNull();
    expect(noteEvents(report(d, info({ utilization: 0.8 })))).toEqual([]); // the same window: told already
    expect(noteEvents(report(d, info({ resets_at: "2026-08-06T20:00:00.000Z" })))).toEqual(["usage_warning"]); // the next window
    expect(d.state.usage_warned).toEqual(["five_hour@2026-08-06T15:00:00.000Z", "five_hour@2026-08-06T20:00:00.000Z"]);
  });
});
