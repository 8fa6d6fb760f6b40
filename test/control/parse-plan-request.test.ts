import { describe, expect, it } from "@jest/globals";
import { ControlError } from "../../src/control/control-error.js";
import { parseCommandText, parseControlBody } from "../../src/control/parse-control-request.js";

// The plan commands and start's replace, typed and as JSON (src/control/parse-plan-request.ts
// through parse-control-request.ts, as every surface calls it).

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ControlError && error.code === "bad_request") return error.message;
    throw error;
  }
  throw new Error("expected a bad_request");
}

describe("typed", () => {
  it.each([
    ["/plan", { command: "plan", daily_log: null }],
    ["/plan 2026-01-02.md", { command: "plan", daily_log: "2026-01-02.md" }],
    ["/plan daily_logs/my notes.md", { command: "plan", daily_log: "daily_logs/my notes.md" }],
    ["/plan show", { command: "plan_show" }],
    ["/plan SHOW", { command: "plan_show" }],
    ["/plan start", { command: "plan_start", id: null }],
    ["/plan start 2026-01-01-p2", { command: "plan_start", id: "2026-01-01-p2" }],
    ["/plan start --replace", { command: "plan_start", id: null, replace: true }],
    ["/plan start 2026-01-01-p2 --replace", { command: "plan_start", id: "2026-01-01-p2", replace: true }],
    ["/plan discard", { command: "plan_discard", id: null }],
    ["/plan@MyBot discard 2026-01-01-p1", { command: "plan_discard", id: "2026-01-01-p1" }],
    ["/plan_start 2026-01-01-p1", { command: "plan_start", id: "2026-01-01-p1" }],
    ["/plan_show", { command: "plan_show" }],
    ["/start", { command: "start", task_file: null }],
    ["/start day.md", { command: "start", task_file: "day.md" }],
    ["/start --replace", { command: "start", task_file: null, replace: true }],
    ["/start day.md --replace", { command: "start", task_file: "day.md", replace: true }],
    ["/start --replace day.md", { command: "start", task_file: "day.md", replace: true }],
    // Only the whole word: a file whose name merely contains it is a file.
    ["/start x--replace.md", { command: "start", task_file: "x--replace.md" }],
  ])("%s", (text, request) => {
    expect(parseCommandText(text)).toEqual(request);
  });

  it("--replace with /plan <daily log> is refused, saying where it goes", () => {
    expect(badRequest(() => parseCommandText("/plan --replace"))).toBe("--replace goes with /plan start (or /start), not with /plan <daily log>.");
  });
});

describe("JSON bodies", () => {
  it("plan: daily_log, from the body or the command line", () => {
    expect(parseControlBody({}, "plan")).toEqual({ command: "plan", daily_log: null });
    expect(parseControlBody({ daily_log: " 2026-01-02.md " }, "plan")).toEqual({ command: "plan", daily_log: "2026-01-02.md" });
    expect(parseControlBody({ command: "/plan x.md" })).toEqual({ command: "plan", daily_log: "x.md" });
    expect(parseControlBody({ command: "plan", daily_log: "y.md" })).toEqual({ command: "plan", daily_log: "y.md" });
    expect(badRequest(() => parseControlBody({ daily_log: {} }, "plan"))).toMatch(/^"daily_log" must be a string: .* \(got an object\)\.$/);
  });

  it("plan_start: id and replace; plan_discard: id; plan_show: nothing", () => {
    expect(parseControlBody({ id: "2026-01-01-p1", replace: true }, "plan_start")).toEqual({ command: "plan_start", id: "2026-01-01-p1", replace: true });
    expect(parseControlBody({ replace: false }, "plan_start")).toEqual({ command: "plan_start", id: null });
    expect(parseControlBody({ command: "/plan start p3 --replace" })).toEqual({ command: "plan_start", id: "p3", replace: true });
    expect(parseControlBody({ id: "p2" }, "plan_discard")).toEqual({ command: "plan_discard", id: "p2" });
    expect(parseControlBody({ command: "/plan discard" })).toEqual({ command: "plan_discard", id: null });
    expect(parseControlBody({ anything: 1 }, "plan_show")).toEqual({ command: "plan_show" });
    expect(badRequest(() => parseControlBody({ replace: "true" }, "plan_start"))).toMatch(/^"replace" must be true or false \(got "true"\)/);
  });

  it("start: replace must be a boolean; true is kept, false is as if absent", () => {
    expect(parseControlBody({ replace: true }, "start")).toEqual({ command: "start", task_file: null, replace: true });
    expect(parseControlBody({ task_file: "a.md", replace: false }, "start")).toEqual({ command: "start", task_file: "a.md" });
    expect(parseControlBody({ command: "/start a.md --replace" })).toEqual({ command: "start", task_file: "a.md", replace: true });
    expect(badRequest(() => parseControlBody({ replace: "yes" }, "start"))).toBe('"replace" must be true or false (got "yes"): true starts even though a session is unfinished (it is left as it is).');
  });
});
