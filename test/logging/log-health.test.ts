import { describe, expect, it } from "@jest/globals";
import { LogHealth, logProblemText } from "../../src/logging/log-health.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("LogHealth", () => {
  it("tells only the changes between all written and not, on a later microtask", async () => {
    const h = new LogHealth();
    const heard: (string | null)[] = [];
    h.subscribe((p) => heard.push(p));
    h.fail("daily_log", "EROFS: one");
    expect(heard).toEqual([]); // never inside the failing write
    h.fail("daily_log", "EROFS: two");
    h.fail("task_output", "could not open the output log: EROFS");
    await tick();
    expect(heard).toEqual(["EROFS: one"]);
    expect(h.problem).toBe("EROFS: two");
    h.ok("task_output");
    await tick();
    expect(heard).toEqual(["EROFS: one"]); // the daily log still fails
    h.ok("daily_log");
    await tick();
    expect(heard).toEqual(["EROFS: one", null]);
    expect(h.problem).toBeNull();
  });

  it("clears a task output failure when the daily log recovers from its own, but not when it never failed", async () => {
    const h = new LogHealth();
    h.fail("task_output", "the output log was cut short after 2.0 KB: ENOSPC");
    h.ok("daily_log");
    expect(h.problem).toMatch(/cut short/);
    h.fail("daily_log", "ENOSPC");
    h.ok("daily_log");
    expect(h.problem).toBeNull();
  });

  it("survives a listener that throws", async () => {
    const h = new LogHealth();
    const heard: (string | null)[] = [];
    h.subscribe(() => {
      throw new Error("bug");
    });
    h.subscribe((p) => heard.push(p));
    h.fail("daily_log", "x");
    await tick();
    expect(heard).toEqual(["x"]);
  });

  it("words it the same way everywhere", () => {
    expect(logProblemText("EROFS: read-only file system, open '/x/2026-12-01.log'")).toBe("logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'");
  });
});
