// Shared by the verify tests: temp dirs, fixture paths, a request with short limits, process checks.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { VerificationRequest } from "../../src/verify/run-verification.js";

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/verify/${name}`, import.meta.url));

/** A node command line: the fixture or script quoted so toArgv keeps each path one word. */
export const node = (...args: string[]) => [process.execPath, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");

const dirs: string[] = [];

export function tempDir(prefix = "verify-test-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** For afterAll: every temp dir made by tempDir() is removed. */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A request in a fresh project folder: nested log folder, 10 s timeout, short grace, only PATH. */
export function request(over: Partial<VerificationRequest> = {}): VerificationRequest & { logFile: string } {
  const projectDir = over.projectDir ?? tempDir();
  return {
    commands: [],
    deliverables: [],
    projectDir,
    logFile: path.join(projectDir, "logs", "nested", "verify.log"),
    timeoutMs: 10_000,
    killGraceMs: 300,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ...over,
  };
}

export const readLog = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");

/**
 * Gone = kill(pid, 0) fails with ESRCH, or only a zombie is left: a process re-parented to a
 * PID 1 that reaps late (this machine's init does) stays a zombie for a while, and kill(pid, 0)
 * still succeeds on it; /proc/<pid>/stat tells it apart.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
  let stat = "";
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** SIGKILL is delivered at once, but the exit can take a few ms to show. */
export async function waitGone(pid: number, ms = 1000): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (isGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return isGone(pid);
}

/** Waits until `file` exists (a fixture wrote its pids), at most `ms`. */
export async function waitForFile(file: string, ms = 5000): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (existsSync(file)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return existsSync(file);
}

export const readPids = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { pid: number; grandchild_pid: number };

/** Kills what a failed test may have left, so no process outlives the suite. */
export function killQuietly(...pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
