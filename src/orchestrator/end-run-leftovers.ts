import { hasExited, liveGroupMembers, readProcStat } from "../process/proc-stat.js";
import { isProcessGroupAlive, killProcessGroup } from "../runner/kill-process-group.js";
import { findProcessesWithEnv, RUN_MARKER_ENV, STATE_MARKER_ENV } from "../runner/kill-run-leftovers.js";

/** What a run left behind, as the state recorded it (see TaskRecord.pgid / run_marker). */
export interface RunLeftovers {
  /** The claude child's process group; null when not known or recorded on an earlier boot. */
  pgid: number | null;
  /** The run's ORCHESTRATOR_RUN_ID value; null when not recorded (older state files). */
  run_marker: string | null;
  /**
   * The state file's ORCHESTRATOR_STATE_ID: every process carrying it is a leftover at restart
   * (its orchestrator is gone: we hold the lock). Finds a run crashed before its marker was saved.
   */
  state_marker?: string | null;
}

export interface LeftoversEnded {
  /** Live processes that were found and signalled; empty when everything was already gone. */
  ended: number[];
  /** Some outlived SIGTERM by the grace period and got SIGKILL. */
  forced: boolean;
  /** Still alive after SIGKILL and a short wait (stuck in the kernel, or not ours): normally empty. */
  survivors: number[];
}

/** After SIGKILL, how long to wait for the kernel to end the processes (it is normally instant). */
const AFTER_KILL_WAIT_MS = 1000;
const POLL_MS = 50;

/**
 * Ends what a run left running, typically found at restart after a crash: every live member of its
 * process group and every process carrying its marker (those left the group: Claude Code's Bash
 * tool runs commands in sessions of their own). SIGTERM first, SIGKILL to whatever is still alive
 * after `graceMs`. Zombies count as gone (they have exited; only their parent's wait() is
 * missing). Resolves when nothing is left, or after graceMs + 1 s at most. Never throws for
 * processes that vanish meanwhile.
 */
export async function endRunLeftovers(target: RunLeftovers, graceMs: number): Promise<LeftoversEnded> {
  const first = await alive(target);
  if (first.length === 0) return { ended: [], forced: false, survivors: [] };
  signal(target, first, "SIGTERM");
  const ended = new Set(first);
  let left = await waitUntilGone(target, graceMs, ended);
  let forced = false;
  if (left.length > 0) {
    forced = true;
    signal(target, left, "SIGKILL");
    left = await waitUntilGone(target, AFTER_KILL_WAIT_MS, ended);
    if (left.length > 0) signal(target, left, "SIGKILL"); // started during the wait: one last round
  }
  return { ended: [...ended].sort((a, b) => a - b), forced, survivors: left };
}

/** Polls until nothing is alive or `ms` passed; returns what is still alive. New pids join `seen`. */
async function waitUntilGone(target: RunLeftovers, ms: number, seen: Set<number>): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await alive(target);
    now.forEach((pid) => seen.add(pid));
    if (now.length === 0 || Date.now() >= deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Live pids of the run. Without /proc (not Linux) markers cannot be found and group members not
 * listed: the group counts as one entry, its pgid, while kill(-pgid, 0) finds it.
 */
async function alive(target: RunLeftovers): Promise<number[]> {
  const pids = new Set<number>();
  if (target.pgid !== null) {
    const members = liveGroupMembers(target.pgid);
    if (members) members.forEach((pid) => pids.add(pid));
    else if (isProcessGroupAlive(target.pgid)) pids.add(target.pgid);
  }
  const marks: Array<[string, string | null | undefined]> = [
    [RUN_MARKER_ENV, target.run_marker],
    [STATE_MARKER_ENV, target.state_marker],
  ];
  for (const [name, value] of marks) {
    if (!value) continue;
    for (const pid of await findProcessesWithEnv(name, value)) {
      const stat = readProcStat(pid);
      if (stat && !hasExited(stat)) pids.add(pid);
    }
  }
  return [...pids];
}

function signal(target: RunLeftovers, pids: number[], sig: NodeJS.Signals): void {
  if (target.pgid !== null) killProcessGroup(target.pgid, sig);
  for (const pid of pids) {
    if (target.pgid !== null && (pid === target.pgid || readProcStat(pid)?.pgrp === target.pgid)) continue; // the group signal reached it
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}
