import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { DailyFileStream, localDate, VANISHED_CHECK_MS } from "../../src/logging/daily-file-stream.js";
import { LogHealth } from "../../src/logging/log-health.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "daily-file-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("localDate", () => {
  it("is YYYY-MM-DD in local time, zero-padded", () => {
    expect(localDate(new Date(2026, 0, 5, 0, 0))).toBe("2026-01-05");
    expect(localDate(new Date(2026, 11, 31, 23, 59, 59, 999))).toBe("2026-12-31");
    expect(localDate(new Date(2027, 0, 1, 0, 0))).toBe("2027-01-01");
  });
});

describe("DailyFileStream", () => {
  it("creates the folder and appends lines to <dir>/YYYY-MM-DD.log", () => {
    const dir = path.join(tempDir(), "nested", "logs");
    const clock = new ManualClock(new Date(2026, 2, 14, 10, 0));
    const s = new DailyFileStream(dir, clock);
    expect(s.currentFile).toBe(path.join(dir, "2026-03-14.log"));
    expect(existsSync(dir)).toBe(false); // nothing happens before the first write
    expect(s.write("one\n")).toBe(true);
    expect(s.write("two\n")).toBe(true);
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("one\ntwo\n");
  });

  it("appends to a file that already exists (a restart the same day)", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "2026-03-14.log"), "earlier\n");
    const s = new DailyFileStream(dir, new ManualClock(new Date(2026, 2, 14, 12, 0)));
    s.write("later\n");
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("earlier\nlater\n");
  });

  it("switches files when the clock crosses local midnight, and not before", () => {
    const dir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 23, 59));
    const s = new DailyFileStream(dir, clock);
    s.write("23:59\n");
    clock.advance(59_000); // 23:59:59, same day
    s.write("23:59:59\n");
    clock.advance(2_000); // 00:00:01 the next day
    expect(s.currentFile).toBe(path.join(dir, "2026-03-15.log"));
    s.write("00:00:01\n");
    s.close();
    expect(readdirSync(dir).sort()).toEqual(["2026-03-14.log", "2026-03-15.log"]);
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("23:59\n23:59:59\n");
    expect(readFileSync(path.join(dir, "2026-03-15.log"), "utf8")).toBe("00:00:01\n");
  });

  it("reopens after close() and close() twice is harmless", () => {
    const dir = tempDir();
    const s = new DailyFileStream(dir, new ManualClock(new Date(2026, 2, 14, 9, 0)));
    s.write("a\n");
    s.close();
    s.close();
    s.write("b\n");
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("a\nb\n");
  });

  it("drops lines instead of throwing when the folder cannot be created (a path under a regular file)", () => {
    const dir = tempDir();
    const blocker = path.join(dir, "a-file");
    writeFileSync(blocker, "x");
    const s = new DailyFileStream(path.join(blocker, "logs"), new ManualClock(new Date(2026, 2, 14, 9, 0)));
    expect(() => s.write("lost\n")).not.toThrow();
    expect(s.write("lost too\n")).toBe(true); // never back-pressure, never an error
    expect(() => s.close()).not.toThrow();
    expect(readFileSync(blocker, "utf8")).toBe("x");
  });

  it("drops lines instead of throwing when the day file is a directory", () => {
    const dir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const s = new DailyFileStream(dir, clock);
    // Today's name is taken by a folder: open fails. Tomorrow's file works again.
    mkdirSync(path.join(dir, "2026-03-14.log"));
    expect(() => s.write("lost\n")).not.toThrow();
    clock.advance(24 * 3600_000);
    s.write("kept\n");
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-15.log"), "utf8")).toBe("kept\n");
  });

  it("tells its health once when writing fails and once when it works again", () => {
    const dir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const health = new LogHealth();
    const fail: string[] = [];
    const ok: string[] = [];
    Object.assign(health, { fail: (src: string, msg: string) => fail.push(`${src}: ${msg}`), ok: (src: string) => ok.push(src) });
    const s = new DailyFileStream(dir, clock, health);
    mkdirSync(path.join(dir, "2026-03-14.log")); // today's name taken: every open fails
    s.write("lost 1\n");
    s.write("lost 2\n");
    expect(fail).toEqual([expect.stringMatching(/^daily_log: EISDIR: illegal operation on a directory, open '.*2026-03-14\.log'$/)]);
    expect(ok).toEqual([]);
    rmSync(path.join(dir, "2026-03-14.log"), { recursive: true });
    s.write("kept\n");
    s.write("kept too\n");
    expect(ok).toEqual(["daily_log"]);
    expect(fail).toHaveLength(1);
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("kept\nkept too\n");
  });

  it("probe() finds a log that cannot be written before any line is", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a-file"), "");
    const health = new LogHealth();
    const s = new DailyFileStream(path.join(dir, "a-file", "logs"), new ManualClock(new Date(2026, 2, 14, 9, 0)), health);
    s.probe();
    expect(health.problem).toMatch(/^ENOTDIR: not a directory, mkdir '.*a-file\/logs'$/);
  });

  it("reopens a file deleted under it (the folder removed), within VANISHED_CHECK_MS", () => {
    const dir = path.join(tempDir(), "logs");
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const s = new DailyFileStream(dir, clock);
    s.write("before\n");
    rmSync(dir, { recursive: true });
    s.write("into the deleted file\n"); // not checked yet: lost, like any write to a deleted file
    clock.advance(VANISHED_CHECK_MS);
    s.write("after\n");
    s.close();
    expect(readFileSync(path.join(dir, "2026-03-14.log"), "utf8")).toBe("after\n");
  });
});
