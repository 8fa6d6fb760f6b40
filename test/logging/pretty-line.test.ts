import { describe, expect, it } from "@jest/globals";
import { prettyLine } from "../../src/logging/pretty-line.js";

/** A pino-shaped JSON line, time in local 09:05:07 so the expected text does not depend on the timezone. */
const line = (rec: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: new Date(2026, 2, 14, 9, 5, 7).getTime(), pid: 4242, hostname: "box", ...rec }) + "\n";

describe("prettyLine", () => {
  it("formats `[HH:MM:SS] LEVEL module: message key=value`, local time, one line", () => {
    expect(prettyLine(line({ module: "runner", msg: "Task 1/3 started", task: 1, type: "backend" }))).toBe(
      "[09:05:07] INFO  runner: Task 1/3 started task=1 type=backend\n",
    );
  });

  it("pads the level name to 5 so messages line up", () => {
    const levels: [number, string][] = [[10, "TRACE m"], [20, "DEBUG m"], [30, "INFO  m"], [40, "WARN  m"], [50, "ERROR m"], [60, "FATAL m"]];
    for (const [level, shown] of levels) expect(prettyLine(line({ level, msg: "m" }))).toBe(`[09:05:07] ${shown}\n`);
    expect(prettyLine(line({ level: 35, msg: "m" }))).toBe("[09:05:07] 35    m\n"); // a custom level shows its number
  });

  it("leaves out pino's own fields (level, time, pid, hostname, v) and the module from the extras", () => {
    const out = prettyLine(line({ v: 1, module: "store", msg: "saved" }));
    expect(out).toBe("[09:05:07] INFO  store: saved\n");
  });

  it("writes non-string extras as JSON (objects, numbers, booleans, null)", () => {
    expect(prettyLine(line({ msg: "done", cost: 0.0123, ok: true, none: null, tokens: { out: 340 } }))).toBe(
      '[09:05:07] INFO  done cost=0.0123 ok=true none=null tokens={"out":340}\n',
    );
  });

  it("shows --:--:-- without a time and an empty message without msg", () => {
    expect(prettyLine(JSON.stringify({ level: 40, module: "run" }))).toBe("[--:--:--] WARN  run: \n");
  });

  it("passes a line that is not JSON through unchanged", () => {
    expect(prettyLine("plain text\n")).toBe("plain text\n");
    expect(prettyLine('{"level":30,"msg":"cut off')).toBe('{"level":30,"msg":"cut off');
    expect(prettyLine("")).toBe("");
  });

  it("passes JSON that is not an object (null, a number, an array) through unchanged instead of throwing", () => {
    expect(prettyLine("null\n")).toBe("null\n");
    expect(prettyLine("42\n")).toBe("42\n");
    expect(prettyLine('"text"\n')).toBe('"text"\n');
    expect(prettyLine("[1,2]\n")).toBe("[1,2]\n");
  });
});
