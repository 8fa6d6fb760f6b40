import { describe, expect, it } from "@jest/globals";
import { ControlError } from "../../src/control/control-error.js";
import { parseCommandText } from "../../src/control/parse-control-request.js";

// `/feedback …` as people type it (Telegram, the CLI's words, HTTP's command line).

describe("/feedback words", () => {
  it.each([
    ["/feedback up", { task: null, rating: "up", note: null }],
    ["/feedback 👎 wrong table", { task: null, rating: "down", note: "wrong table" }],
    ["/feedback 3 up", { task: 3, rating: "up", note: null }],
    ["/feedback 2 4 solid, but slow", { task: 2, rating: 4, note: "solid, but slow" }],
    ["/feedback 4", { task: null, rating: 4, note: null }],
    ["/feedback 4/5 good", { task: null, rating: 4, note: "good" }],
    ["/feedback 4 good work", { task: null, rating: 4, note: "good work" }],
    ["/feedback 7 forgot the tests", { task: 7, rating: null, note: "forgot the tests" }],
    ["/feedback #3 forgot the tests", { task: 3, rating: null, note: "forgot the tests" }],
    ["/feedback task 3 down", { task: 3, rating: "down", note: null }],
    ["/feedback task-2 5", { task: 2, rating: 5, note: null }],
    ["/feedback Forgot the tests again", { task: null, rating: null, note: "Forgot the tests again" }],
    ["/feedback@OrchBot 1 up", { task: 1, rating: "up", note: null }],
    ["/feedback", { task: null, rating: null, note: null }],
  ])("%s", (text, expected) => {
    expect(parseCommandText(text)).toEqual({ command: "feedback", ...expected });
  });

  it("a task with nothing to record: bad_request with the usage", () => {
    const error = (() => {
      try {
        parseCommandText("/feedback #2");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).message).toBe('Send a rating, a note, or both: /feedback [task] up|down|1-5 [note] (a rating is up, down, or a score from 1 to 5 (👍, 👎 and "4/5" work too)).');
  });

  it("/learn <text>", () => {
    expect(parseCommandText("/learn Use plural table names")).toEqual({ command: "learn", text: "Use plural table names" });
    expect(parseCommandText("/learn")).toEqual({ command: "learn", text: "" });
  });
});
