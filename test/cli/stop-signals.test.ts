import { afterEach, describe, expect, it } from "@jest/globals";
import { watchStopSignals, type StopSignals } from "../../src/cli/stop-signals.js";

// process.emit runs the handlers without raising a real signal in the test process.
let watching: StopSignals | null = null;
afterEach(() => watching?.dispose());

describe("watchStopSignals", () => {
  it("aborts on the first signal, and keeps answering later ones instead of leaving them to Node's default (dying at once)", () => {
    const seen: [string, boolean][] = [];
    watching = watchStopSignals((name, first) => seen.push([name, first]));
    expect(watching.signal.aborted).toBe(false);
    process.emit("SIGTERM", "SIGTERM");
    expect(watching.signal.aborted).toBe(true);
    expect(watching.signal.reason).toBe("SIGTERM");
    expect(watching.received).toBe("SIGTERM");
    process.emit("SIGINT", "SIGINT");
    expect(process.listenerCount("SIGINT")).toBeGreaterThan(0);
    expect(seen).toEqual([["SIGTERM", true], ["SIGINT", false]]);
    expect(watching.received).toBe("SIGTERM");
  });

  it("trigger() (Ctrl-C at a prompt) stops the same way, and a throwing callback still aborts", () => {
    watching = watchStopSignals(() => {
      throw new Error("boom");
    });
    expect(() => watching?.trigger("SIGINT")).toThrow("boom");
    expect(watching.signal.aborted).toBe(true);
    expect(watching.received).toBe("SIGINT");
  });

  it("dispose() removes its handlers, twice is fine", () => {
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const w = watchStopSignals(() => undefined);
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual([before[0]! + 1, before[1]! + 1]);
    w.dispose();
    w.dispose();
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  });
});
