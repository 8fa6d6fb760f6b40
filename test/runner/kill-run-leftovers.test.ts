import { describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { findProcessesWithEnv, killProcessesWithEnv, newRunMarker, RUN_MARKER_ENV } from "../../src/runner/kill-run-leftovers.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { fakeConfig, isAlive, removeDir, tempDir, waitGone } from "./runner-test-helpers.js";

const linux = existsSync("/proc/self/environ");

/** A process in a session of its own (as Claude Code's Bash tool makes them), carrying `env`. */
function detachedSleeper(env: Record<string, string>): number {
  const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH, ...env } });
  child.unref();
  return child.pid as number;
}

(linux ? describe : describe.skip)("kill-run-leftovers (Linux /proc)", () => {
  it("finds and kills processes outside our group that carry the run's marker, and only those", async () => {
    const marker = newRunMarker();
    const ours = detachedSleeper({ [RUN_MARKER_ENV]: marker });
    const similar = detachedSleeper({ [RUN_MARKER_ENV]: `${marker}-other`, [`X${RUN_MARKER_ENV}`]: marker });
    try {
      expect(await findProcessesWithEnv(RUN_MARKER_ENV, marker)).toEqual([ours]);
      expect(await killProcessesWithEnv(RUN_MARKER_ENV, marker)).toEqual([ours]);
      expect(await waitGone(ours)).toBe(true);
      expect(isAlive(similar)).toBe(true);
    } finally {
      process.kill(similar, "SIGKILL");
    }
  });

  it("finds nothing for a marker nobody carries", async () => {
    expect(await killProcessesWithEnv(RUN_MARKER_ENV, newRunMarker())).toEqual([]);
  });

  it("markers differ between runs", () => {
    expect(newRunMarker()).not.toBe(newRunMarker());
  });

  it("a run leaves nothing behind: a setsid'd background process of the child is ended with it", async () => {
    const dir = tempDir();
    try {
      // The runner's child: a shell that leaves a sleeper in a new session and exits at once.
      const script = path.join(dir, "leaves-a-sleeper.sh");
      const pidFile = path.join(dir, "sleeper.pid");
      const { writeFileSync, chmodSync } = await import("node:fs");
      writeFileSync(
        script,
        `#!/bin/sh\nsetsid sleep 30 >/dev/null 2>&1 < /dev/null &\necho $! > "${pidFile}"\necho '{"type":"result","subtype":"success","is_error":false,"result":"ok","session_id":"s"}'\n`,
      );
      chmodSync(script, 0o755);
      const runner = new ClaudeRunner(fakeConfig(dir, { command: [script] }), { env: { PATH: process.env.PATH }, dropEnv: [] });
      const outcome = await runner.run({ prompt: "x", logFile: path.join(dir, "t.log") });
      expect(outcome.ok).toBe(true);
      const sleeper = Number(readFileSync(pidFile, "utf8").trim());
      expect(await waitGone(sleeper)).toBe(true);
    } finally {
      removeDir(dir);
    }
  });
});
