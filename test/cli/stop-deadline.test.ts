import { describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { pino } from "pino";
import { REPO } from "../support/run-orchestrator-bin.js";
import { armStopDeadline, STOP_DEADLINE_EXIT, stopDeadlineMs } from "../../src/cli/stop-deadline.js";

describe("the stop deadline of serve", () => {
  it("is claude.kill_grace + 10 s: always longer than ending the running task", () => {
    expect(stopDeadlineMs(5)).toBe(15_000);
    expect(stopDeadlineMs(0)).toBe(10_000);
    expect(stopDeadlineMs(120)).toBe(130_000);
  });

  it("when a stop is stuck: logs what was still pending and what Node holds open, then exits 1", async () => {
    const lines: { level: number; msg: string; pending: string[]; active_resources: string[] }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const exits: number[] = [];
    const stuck = ["Telegram bot: last messages, then cancelling its requests"];
    // Something the stop waits for and that never comes: a ref'd timer, as a stuck peer's would be.
    const peer = setTimeout(() => undefined, 60_000);
    const t0 = performance.now();
    armStopDeadline({ ms: 100, pending: () => stuck, log, exit: (code) => void exits.push(code) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearTimeout(peer);
    expect(exits).toEqual([STOP_DEADLINE_EXIT]);
    expect(STOP_DEADLINE_EXIT).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(50);
    expect(lines[0]?.msg).toBe("stop did not finish within 0.1 s (still pending: Telegram bot: last messages, then cancelling its requests); exiting now with code 1");
    expect(lines[0]?.active_resources).toContain("Timeout");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
  });

  it("says so when stop() finished but something kept the process alive", async () => {
    const lines: { msg: string }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const exits: number[] = [];
    armStopDeadline({ ms: 20, pending: () => [], log, exit: (code) => void exits.push(code) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exits).toEqual([1]);
    expect(lines[0]?.msg).toBe("stop did not finish within 0.02 s (stop() had finished, but something kept the process alive); exiting now with code 1");
  });

  it("never holds the process itself: a process whose stop finished exits at once, deadline armed or not", async () => {
    const script = `const { armStopDeadline } = await import(${JSON.stringify(new URL("../../src/cli/stop-deadline.ts", import.meta.url).pathname)});
const { pino } = await import("pino");
armStopDeadline({ ms: 30000, pending: () => [], log: pino({ level: "silent" }) });`;
    const t0 = performance.now();
    const r = await execa("node", ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO, reject: false });
    expect(r.exitCode).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("can be disarmed", async () => {
    const exits: number[] = [];
    const disarm = armStopDeadline({ ms: 50, pending: () => [], log: pino({ level: "silent" }), exit: (code) => void exits.push(code) });
    disarm();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exits).toEqual([]);
  });
});
