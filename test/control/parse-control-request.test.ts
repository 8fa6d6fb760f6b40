import { describe, expect, it } from "@jest/globals";
import { ControlError } from "../../src/control/control-error.js";
import { parseCommandText, parseControlBody } from "../../src/control/parse-control-request.js";

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ControlError && error.code === "bad_request") return error.message;
    throw error;
  }
  throw new Error("expected a bad_request");
}

describe("the checkpoint commands as typed", () => {
  it.each([
    ["/diff", { command: "diff", task: null }],
    ["/diff 3", { command: "diff", task: 3 }],
    ["/rollback", { command: "rollback", task: null }],
    ["/rollback@MyBot 2", { command: "rollback", task: 2 }],
    ["cancel", { command: "cancel" }],
  ])("%s", (text, request) => {
    expect(parseCommandText(text)).toEqual(request);
  });

  it("a task that is not a position is refused, saying what to send", () => {
    expect(badRequest(() => parseCommandText("/diff two"))).toMatch(/"task" must be a task's position in the session, a whole number from 1 \(got "two"\)/);
    expect(badRequest(() => parseCommandText("/rollback 0"))).toMatch(/whole number from 1/);
  });
});

describe("the checkpoint commands as JSON bodies", () => {
  it("diff takes the task from the body, as a number or digits", () => {
    expect(parseControlBody({ task: 2 }, "diff")).toEqual({ command: "diff", task: 2 });
    expect(parseControlBody({ task: "4" }, "diff")).toEqual({ command: "diff", task: 4 });
    expect(parseControlBody({}, "diff")).toEqual({ command: "diff", task: null });
    expect(parseControlBody({ command: "/diff 5" })).toEqual({ command: "diff", task: 5 });
  });

  it("rollback confirms only with confirm: true, and records who asked (the HTTP API unless the body says)", () => {
    expect(parseControlBody({ task: 1, confirm: true }, "rollback")).toEqual({ command: "rollback", task: 1, confirm: true, by: "the HTTP API" });
    expect(parseControlBody({ task: 1 }, "rollback")).toMatchObject({ confirm: false });
    expect(parseControlBody({ confirm: true, by: "Telegram @ana" }, "rollback")).toMatchObject({ task: null, by: "Telegram @ana" });
    expect(badRequest(() => parseControlBody({ confirm: "yes" }, "rollback"))).toBe('"confirm" must be true or false.');
    expect(badRequest(() => parseControlBody({ task: 1.5 }, "rollback"))).toMatch(/"task" must be/);
  });

  it("cancel records who asked", () => {
    expect(parseControlBody({}, "cancel")).toEqual({ command: "cancel", by: "the HTTP API" });
    expect(parseControlBody({ by: "Telegram @ana" }, "cancel")).toEqual({ command: "cancel", by: "Telegram @ana" });
    expect(badRequest(() => parseControlBody({ by: 3 }, "cancel"))).toBe('"by" must be a string.');
  });
});
