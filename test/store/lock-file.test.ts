import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AlreadyRunningError, StateError } from "../../src/core/errors.js";
import { acquireLock, isProcessAlive } from "../../src/store/lock-file.js";
import { deadPid, repoRoot, runFixture, type RunningChild } from "./child-process.js";

let dir: string;
let stateFile: string;
let lockFile: string;
const children: RunningChild[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "lock-file-"));
  stateFile = path.join(dir, "state.json");
  lockFile = `${stateFile}.lock`;
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.child.kill("SIGKILL");
    await c.closed;
  }
  await rm(dir, { recursive: true, force: true });
});

function holdLock(): RunningChild {
  const c = runFixture("test/fixtures/hold-lock.ts", [stateFile]);
  children.push(c);
  return c;
}

describe("acquireLock", () => {
  it("creates <state>.lock with our pid and release removes it", async () => {
    const lock = await acquireLock(stateFile);
    expect(lock.path).toBe(lockFile);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    await lock.release(); // twice is fine
  });

  it("refuses a second acquire in the same process", async () => {
    const lock = await acquireLock(stateFile);
    await expect(acquireLock(stateFile)).rejects.toBeInstanceOf(StateError);
    await expect(acquireLock(stateFile)).rejects.not.toBeInstanceOf(AlreadyRunningError);
    await lock.release();
    await (await acquireLock(stateFile)).release();
  });

  it("throws AlreadyRunningError with the pid while another live process holds it", async () => {
    const holder = holdLock();
    await holder.waitForLine("locked");
    const err = await acquireLock(stateFile).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyRunningError);
    expect((err as AlreadyRunningError).pid).toBe(holder.pid);
    expect((err as AlreadyRunningError).file).toBe(stateFile);
    expect((err as Error).message).toContain(`pid ${holder.pid}`);
    expect(await readFile(lockFile, "utf8")).toBe(`${holder.pid}\n`);

    // Once it releases (SIGTERM handler), we get the lock.
    holder.child.kill("SIGTERM");
    await holder.closed;
    const lock = await acquireLock(stateFile);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it("takes over the lock of a process that was SIGKILLed", async () => {
    const holder = holdLock();
    await holder.waitForLine("locked");
    holder.child.kill("SIGKILL");
    await holder.closed;
    expect(await readFile(lockFile, "utf8")).toBe(`${holder.pid}\n`);
    expect(isProcessAlive(holder.pid)).toBe(false);
    const lock = await acquireLock(stateFile);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  // Zombies are seen through /proc/<pid>/stat: Linux only.
  // Skipped without /proc (not Linux): zombies are told apart through /proc/<pid>/stat.
  (existsSync("/proc/self/stat") ? it : it.skip)("takes over the lock of a SIGKILLed process that is still a zombie (its parent has not reaped it)", async () => {
    // The holder's parent is a shell that exec's into `sleep`, which never calls wait(): after
    // the SIGKILL the holder stays a zombie, as it does after a kill -9 until its parent reaps it.
    const wrapper = spawn("sh", ["-c", '"$0" "$@" & exec sleep 60', process.execPath, path.join(repoRoot, "bin/run-ts.js"), path.join(repoRoot, "test/fixtures/hold-lock.ts"), stateFile], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const holderPid = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the holder did not take the lock within 20 s")), 20_000);
        let out = "";
        wrapper.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /locked (\d+)/.exec(out);
          if (m) (clearTimeout(timer), resolve(Number(m[1])));
        });
      });
      process.kill(holderPid, "SIGKILL");
      const deadline = Date.now() + 5000;
      while (!/\) Z /.test(await readFile(`/proc/${holderPid}/stat`, "utf8").catch(() => ""))) {
        if (Date.now() > deadline) throw new Error(`pid ${holderPid} did not become a zombie within 5 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await readFile(lockFile, "utf8")).toBe(`${holderPid}\n`);
      expect(isProcessAlive(holderPid)).toBe(false);
      const lock = await acquireLock(stateFile);
      expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
      await lock.release();
    } finally {
      wrapper.kill("SIGKILL"); // init then reaps the zombie
    }
  });

  it.each([
    ["a dead pid", async () => `${await deadPid()}\n`],
    ["garbage", async () => "hello, world"],
    ["an empty file", async () => ""],
    ["our own pid from a previous run", async () => `${process.pid}\n`],
  ])("takes over a lock holding %s", async (_label, content) => {
    await writeFile(lockFile, await content());
    const lock = await acquireLock(stateFile);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("release leaves alone a lock that now holds another pid", async () => {
    const lock = await acquireLock(stateFile);
    await writeFile(lockFile, "1\n");
    await lock.release();
    expect(await readFile(lockFile, "utf8")).toBe("1\n");
  });

  it("lets exactly one of several processes take over a stale lock", async () => {
    await writeFile(lockFile, `${await deadPid()}\n`);
    const racers = Array.from({ length: 4 }, () => holdLock());
    const first = await Promise.all(racers.map((r) => Promise.race([r.waitForLine("locked"), r.waitForLine("busy")])));
    const winners = first.filter((l) => l.startsWith("locked"));
    expect(winners).toHaveLength(1);
    const winnerPid = Number(winners[0]!.split(" ")[1]);
    for (const l of first.filter((x) => x.startsWith("busy"))) expect(l).toBe(`busy ${winnerPid}`);
    expect(await readFile(lockFile, "utf8")).toBe(`${winnerPid}\n`);
    expect(await readdir(dir)).toEqual(["state.json.lock"]); // no .stale-* leftovers
  });
});
