/**
 * Shared tools of the fault-injection suite: a small full-disk filesystem, a scan of /proc for
 * what a run left behind, and a bounded wait for a process to exit.
 */
import { execa } from "execa";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { ResultPromise } from "execa";
import { tempDir } from "../support/run-orchestrator-bin.js";

export const RUN_MARKER_ENV = "ORCHESTRATOR_RUN_ID";

/**
 * Pids whose environment carries ORCHESTRATOR_RUN_ID with a value starting with `prefix`
 * (a run marker is `<orchestrator pid>-<time>-<random>`, so the orchestrator's pid followed by
 * "-" finds everything any of its runs started). Never includes this test process.
 */
export async function processesWithMarker(prefix: string): Promise<number[]> {
  const needle = Buffer.from(`${RUN_MARKER_ENV}=${prefix}`);
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
    if (!environ) continue;
    const at = environ.indexOf(needle);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) {
      // A zombie is already dead; only its parent's wait() is missing.
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      if (/\) Z /.test(stat)) continue;
      found.push(Number(entry));
    }
  }
  return found;
}

export interface Tmpfs {
  dir: string;
  /** Fills the filesystem to the last byte (a file named `filler`). */
  fill(): Promise<void>;
  /** Removes the filler: space is back. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * A small tmpfs of `sizeKb`, for real ENOSPC. Needs root (mount); otherwise null, and the caller
 * skips with `reason`.
 */
export async function mountTmpfs(sizeKb: number): Promise<{ tmpfs: Tmpfs | null; reason: string }> {
  if (process.getuid?.() !== 0) return { tmpfs: null, reason: "not root: cannot mount a small tmpfs for a real full disk" };
  const base = await tempDir("orch-tmpfs-");
  const dir = path.join(base, "fs");
  await mkdir(dir);
  const r = await execa("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { reject: false });
  if (r.exitCode !== 0) {
    await rm(base, { recursive: true, force: true });
    return { tmpfs: null, reason: `mount -t tmpfs failed: ${r.stderr || r.stdout}` };
  }
  const filler = path.join(dir, "filler");
  return {
    reason: "",
    tmpfs: {
      dir,
      async fill() {
        // dd stops at ENOSPC with a non-zero exit: expected.
        await execa("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k"], { reject: false });
      },
      async free() {
        await rm(filler, { force: true });
      },
      async unmount() {
        await execa("umount", ["-l", dir], { reject: false });
        await rm(base, { recursive: true, force: true });
      },
    },
  };
}

/** Waits for a child to exit, or kills it (SIGKILL) and fails after `ms`. */
export async function exitWithin(child: ResultPromise, ms: number): Promise<{ exitCode: number | undefined; signal: string | undefined; elapsedMs: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  const r = await Promise.race([child, timedOut]);
  clearTimeout(timer);
  if (r === "timeout") {
    child.kill("SIGKILL");
    await child.catch(() => undefined);
    throw new Error(`the process did not exit within ${ms} ms`);
  }
  return { exitCode: r.exitCode, signal: r.signal ?? undefined, elapsedMs: Date.now() - started };
}
