import { execa, type ResultPromise } from "execa";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = path.join(REPO, "bin/orchestrator.js");
export const FAKE_CLAUDE = path.join(REPO, "test/fixtures/fake-claude.mjs");

export async function tempDir(prefix = "orch-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * Starts the real `orchestrator` bin as a child process (no stdin, like CI and cron), with the fake
 * claude as CLAUDE_CLI_PATH unless env says otherwise.
 */
export function orchestratorBin(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): ResultPromise<{ reject: false; stdin: "ignore"; env: Record<string, string | undefined>; cwd: string }> {
  return execa("node", [BIN, ...args], {
    cwd: opts.cwd,
    reject: false,
    stdin: "ignore",
    env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, ...opts.env },
  });
}

export async function readState(dir: string, file = "state.json"): Promise<import("../../src/core/state.js").SessionState> {
  return JSON.parse(await readFile(path.join(dir, file), "utf8"));
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, ms = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether any process is left in a process group. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
