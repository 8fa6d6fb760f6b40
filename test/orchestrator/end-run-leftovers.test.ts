import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { endRunLeftovers } from "../../src/orchestrator/end-run-leftovers.js";
import { hasExited, liveGroupMembers, readProcStat } from "../../src/process/proc-stat.js";
import { findProcessesWithEnv, newRunMarker, RUN_MARKER_ENV } from "../../src/runner/kill-run-leftovers.js";
import { FAKE_CLAUDE, removeDir, tempDir } from "../runner/runner-test-helpers.js";

const linux = existsSync("/proc/self/stat");
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

/** A live process: exists and is not a zombie. */
const live = (pid: number) => {
  const stat = readProcStat(pid);
  return stat !== null && !hasExited(stat);
};

async function until<T>(check: () => T | undefined, ms: number, what: string | (() => string)): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The fake claude in a group of its own, as the runner starts it, but with nobody reading its
 * output: an orphan like the one a kill -9 of the orchestrator leaves. Returns its pid and
 * the pids of its grandchildren (one in its group, one that left it with setsid).
 */
async function orphanRun(scenario: string, marker: string) {
  const dir = tempDir("leftovers-");
  const child: ChildProcess = spawn(process.execPath, [FAKE_CLAUDE, "-p"], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore"],
    env: { PATH: process.env.PATH, FAKE_CLAUDE_SCENARIO: scenario, FAKE_CLAUDE_RECORD: dir, [RUN_MARKER_ENV]: marker },
  });
  child.unref();
  const pid = child.pid as number;
  const file = path.join(dir, "grandchildren.jsonl");
  const grandchildren = await until(() => {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return lines.length >= 2 ? lines.map((l) => JSON.parse(l) as { grandchild_pid: number; detached: boolean }) : undefined;
  }, 10_000, "two grandchildren");
  const all = [pid, ...grandchildren.map((g) => g.grandchild_pid)];
  // The grandchildren ignore SIGTERM once node has started them: wait for their handlers.
  const ready = path.join(dir, "grandchildren-ready.txt");
  await until(() => (existsSync(ready) && readFileSync(ready, "utf8").trim().split("\n").length >= 2 ? true : undefined), 10_000, "SIGTERM handlers");
  cleanups.push(() => {
    for (const p of all) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // gone: the expected case
      }
    }
    removeDir(dir);
  });
  return { pid, inGroup: grandchildren.find((g) => !g.detached)!.grandchild_pid, escaped: grandchildren.find((g) => g.detached)!.grandchild_pid, all };
}

// Skipped where there is no /proc (not Linux): run markers and process groups are found through it.
(linux ? describe : describe.skip)("endRunLeftovers (Linux /proc)", () => {
  it("ends a child that ignores SIGTERM and its grandchildren in and out of its group, within the grace plus a margin", async () => {
    const marker = newRunMarker();
    const run = await orphanRun("ignore_sigterm_escaped", marker);
    expect(readProcStat(run.escaped)?.pgrp).not.toBe(run.pid); // it really left the group
    expect(run.all.every(live)).toBe(true);
    const started = Date.now();
    const r = await endRunLeftovers({ pgid: run.pid, run_marker: marker }, 500);
    const elapsed = Date.now() - started;
    expect(r.ended).toEqual([...run.all].sort((a, b) => a - b));
    expect(r.forced).toBe(true);
    expect(r.survivors).toEqual([]);
    expect(elapsed).toBeLessThan(500 + 1000);
    expect(run.all.filter(live)).toEqual([]);
    expect(await findProcessesWithEnv(RUN_MARKER_ENV, marker)).toEqual([]);
  });

  it("after a reboot (no pgid) the marker alone finds the whole run", async () => {
    const marker = newRunMarker();
    const run = await orphanRun("escaped_hang", marker);
    const r = await endRunLeftovers({ pgid: null, run_marker: marker }, 5000);
    expect(r.ended).toEqual([...run.all].sort((a, b) => a - b));
    expect(r.forced).toBe(false); // they all end on SIGTERM, without waiting out the grace
    expect(run.all.filter(live)).toEqual([]);
  });

  it("says nothing was ended when the run is already gone, at once", async () => {
    const marker = newRunMarker();
    const run = await orphanRun("escaped_hang", marker);
    for (const p of run.all) process.kill(p, "SIGKILL");
    await until(() => (run.all.some(live) ? undefined : true), 5000, "the run to die");
    const started = Date.now();
    expect(await endRunLeftovers({ pgid: run.pid, run_marker: marker }, 5000)).toEqual({ ended: [], forced: false, survivors: [] });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("counts a group whose only member is a zombie as gone (kill(-pgid, 0) still succeeds on it)", async () => {
    // `setsid sleep` in a shell that then exec's into a sleep that never reaps: after SIGKILL the
    // group's leader stays a zombie.
    const wrapper = spawn("sh", ["-c", "setsid sleep 60 & echo $!; exec sleep 60"], { stdio: ["ignore", "pipe", "ignore"] });
    cleanups.push(() => wrapper.kill("SIGKILL"));
    const leader = await new Promise<number>((resolve) => wrapper.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
    await until(() => (readProcStat(leader)?.pgrp === leader ? true : undefined), 5000, () => `setsid (${JSON.stringify(readProcStat(leader))})`);
    process.kill(leader, "SIGKILL");
    await until(() => (readProcStat(leader)?.state === "Z" ? true : undefined), 5000, () => `a zombie (${JSON.stringify(readProcStat(leader))})`);
    expect(() => process.kill(-leader, 0)).not.toThrow();
    expect(liveGroupMembers(leader)).toEqual([]);
    const started = Date.now();
    expect((await endRunLeftovers({ pgid: leader, run_marker: null }, 5000)).ended).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000); // not the whole grace
  });
});
