import { describe, expect, it } from "@jest/globals";
import { ManualClock } from "../../src/core/clock.js";
import { FailedSecretStore } from "../../src/http/failed-secret-store.js";
import { SecretCheck } from "../../src/http/secret-check.js";

describe("FailedSecretStore (the failed-secret limiter's counts)", () => {
  it("blocks at the max-th failure within the window, per address", () => {
    const clock = new ManualClock();
    const l = new FailedSecretStore({ max: 2, windowMs: 1000, blockMs: 5000 }, clock);
    expect(l.recordFailure("a")).toBe(false);
    expect(l.blockedFor("a")).toBe(0);
    expect(l.recordFailure("a")).toBe(true);
    expect(l.blockedFor("a")).toBe(5000);
    expect(l.blockedFor("b")).toBe(0);
    clock.advance(5000);
    expect(l.blockedFor("a")).toBe(0);
    expect(l.trackedCount).toBe(0);
  });

  it("keeps memory bounded under a flood of addresses", () => {
    const clock = new ManualClock();
    const l = new FailedSecretStore({ max: 5, windowMs: 60_000, blockMs: 60_000 }, clock);
    for (let i = 0; i < 25_000; i++) l.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(l.trackedCount).toBeLessThanOrEqual(10_001);
  });
});

describe("SecretCheck", () => {
  it("tells missing, wrong and ok apart, whatever the lengths", () => {
    const s = new SecretCheck("correct horse battery staple");
    expect(s.check(undefined)).toBe("missing");
    expect(s.check("")).toBe("missing");
    expect(s.check(null)).toBe("missing");
    expect(s.check(42)).toBe("wrong");
    expect(s.check("c")).toBe("wrong");
    expect(s.check("correct horse battery staple!")).toBe("wrong");
    expect(s.check("correct horse battery staple")).toBe("ok");
  });

  it("refuses to be built on an empty secret", () => {
    expect(() => new SecretCheck("")).toThrow(/empty/);
  });
});
