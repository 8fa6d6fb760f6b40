import { afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { diskCheck } from "../../src/doctor/check-disk.js";
import { portCheck } from "../../src/doctor/check-port.js";
import { projectDirCheck } from "../../src/doctor/check-project-dir.js";
import { stateCheck } from "../../src/doctor/check-state.js";
import type { DoctorCheck } from "../../src/doctor/doctor-check.js";
import { runDoctor } from "../../src/doctor/run-doctor.js";
import { loadConfig } from "../../src/config/load-config.js";
import { DEFAULT_TIMEOUTS, MIN_FREE_LOG_BYTES } from "../../src/doctor/doctor-check.js";
import { freePort } from "../support/start-service.js";
import { byId, envWith, runChecks, tempDirs } from "./doctor-support.js";

// The checks that need no network, on real folders, real git, real statfs, real listeners and
// real lock files.

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const gitEnv = { GIT_CEILING_DIRECTORIES: "/tmp" };

/** A pid that was a process and is gone now. */
async function deadPid(): Promise<number> {
  const child = execa("node", ["-e", "0"]);
  const pid = child.pid as number;
  await child;
  return pid;
}

describe("project_dir and git", () => {
  it("warns (not fails) for a folder outside git with git.enabled auto, and names git init", async () => {
    const dir = await dirs.make();
    const r = await runChecks(dir, [projectDirCheck], envWith(gitEnv));
    expect(byId(r, "project_dir").status).toBe("ok");
    expect(byId(r, "git")).toMatchObject({ status: "warn", fix: expect.stringContaining(`git init' in ${dir}`) });
  });

  it("passes in a real git work tree", async () => {
    const dir = await dirs.make();
    await execa("git", ["init", "-q"], { cwd: dir });
    const r = await runChecks(dir, [projectDirCheck], envWith(gitEnv));
    expect(byId(r, "git")).toMatchObject({ status: "ok", message: expect.stringContaining("is in the work tree") });
  });

  it("fails outside git when git.enabled is true", async () => {
    const dir = await dirs.make();
    await writeFile(path.join(dir, "config.yaml"), "git:\n  enabled: true\n");
    const r = await runChecks(dir, [projectDirCheck], envWith(gitEnv));
    expect(byId(r, "git").status).toBe("fail");
  });

  it("fails a project_dir that does not exist, and skips git", async () => {
    const dir = await dirs.make();
    await writeFile(path.join(dir, "config.yaml"), "claude:\n  project_dir: ./nowhere\n");
    const r = await runChecks(dir, [projectDirCheck], envWith(gitEnv));
    expect(byId(r, "project_dir")).toMatchObject({ status: "fail", message: `claude.project_dir ${path.join(dir, "nowhere")} does not exist` });
    expect(byId(r, "git").status).toBe("skip");
  });
});

describe("disk", () => {
  it("reports the free space of the logs folder's file system, and warns under the threshold", async () => {
    const dir = await dirs.make();
    const good = await runChecks(dir, [diskCheck], envWith());
    expect(byId(good, "disk")).toMatchObject({ status: "ok", message: expect.stringMatching(/free in .*orchestrator_logs, not created yet\)$/) });
    const low = await runChecks(dir, [diskCheck], envWith(), { minFreeBytes: Number.MAX_SAFE_INTEGER });
    expect(byId(low, "disk")).toMatchObject({ status: "warn", message: expect.stringContaining("only") });
    expect(byId(low, "disk").fix).toContain("paths.logs_dir");
  });
});

describe("state", () => {
  it("passes with no state yet and no lock", async () => {
    const r = await runChecks(await dirs.make(), [stateCheck], envWith());
    expect(byId(r, "state")).toMatchObject({ status: "ok", message: expect.stringContaining("none yet") });
    expect(byId(r, "state.lock")).toMatchObject({ status: "ok", message: expect.stringContaining("free") });
  });

  it("fails a state file that is not JSON, or is a FIFO (without blocking)", async () => {
    const dir = await dirs.make();
    await writeFile(path.join(dir, "state.json"), "{half");
    expect(byId(await runChecks(dir, [stateCheck], envWith()), "state")).toMatchObject({ status: "fail", message: expect.stringContaining("is not valid JSON") });
    const fifoDir = await dirs.make();
    await execa("mkfifo", [path.join(fifoDir, "state.json")]);
    expect(byId(await runChecks(fifoDir, [stateCheck], envWith()), "state")).toMatchObject({ status: "fail", message: expect.stringContaining("is a FIFO") });
  });

  it("tells a stale lock (a dead pid: a warning) from one a live process holds", async () => {
    const dir = await dirs.make();
    const dead = await deadPid();
    await writeFile(path.join(dir, "state.json.lock"), `${dead}\n`);
    const stale = byId(await runChecks(dir, [stateCheck], envWith()), "state.lock");
    expect(stale).toMatchObject({ status: "warn", message: `state lock: locked by pid ${dead}, which is not running (a stale lock)` });
    expect(stale.fix).toContain("the next start takes it over");

    const sleeper = execa("sleep", ["30"]);
    try {
      await writeFile(path.join(dir, "state.json.lock"), `${sleeper.pid}\n`);
      const live = byId(await runChecks(dir, [stateCheck], envWith()), "state.lock");
      expect(live).toMatchObject({ status: "ok", message: expect.stringContaining(`locked by pid ${sleeper.pid} (alive)`) });
    } finally {
      sleeper.kill();
      await sleeper.catch(() => undefined);
    }
  });
});

describe("port", () => {
  it("passes a free port, and fails one a real listener holds (not our service)", async () => {
    const dir = await dirs.make();
    const port = await freePort();
    const free = await runChecks(dir, [portCheck], envWith({ PORT: String(port) }));
    expect(byId(free, "port")).toMatchObject({ status: "ok", message: `port ${port} on 127.0.0.1 is free` });

    const sockets = new Set<net.Socket>();
    const holder = net.createServer((socket) => {
      sockets.add(socket);
      socket.end("not http\r\n");
    });
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const held = byId(await runChecks(dir, [portCheck], envWith({ PORT: String(port) })), "port");
      expect(held).toMatchObject({ status: "fail", message: expect.stringContaining(`port ${port} on 127.0.0.1 is in use by another program`) });
      expect(held.fix).toContain("PORT / server.port");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

describe("runDoctor", () => {
  it("answers for a check that never does, at its bound, and for one that throws", async () => {
    const dir = await dirs.make();
    const config = await loadConfig({ cwd: dir, env: envWith() });
    const never: DoctorCheck = { id: "never", title: "a stuck check", network: false, limitMs: () => 200, run: () => new Promise(() => undefined) };
    const throws: DoctorCheck = { id: "throws", title: "a broken check", network: false, limitMs: () => 200, run: async () => { throw new Error("boom"); } };
    const started = Date.now();
    const r = await runDoctor({ config, env: envWith(), offline: false, timeouts: DEFAULT_TIMEOUTS, minFreeBytes: MIN_FREE_LOG_BYTES }, [never, throws]);
    expect(r).toEqual([
      { id: "never", status: "fail", message: "a stuck check: no answer within 1.2 s", fix: expect.any(String) },
      { id: "throws", status: "fail", message: "a broken check: boom", fix: "see the message" },
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

