/**
 * What Linux says about a process in /proc/<pid>/stat: its state letter, parent and process
 * group. Used to tell a zombie (exited, only its parent's wait() missing) from a live process:
 * kill(pid, 0) and kill(-pgid, 0) succeed on zombies, and after a kill -9 a process stays one
 * until its parent reaps it (an init that reaps slowly, a wrapper that never waits).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, D disk wait, T stopped, Z zombie, X dead, ... */
  state: string;
  ppid: number;
  pgrp: number;
}

/** The process's stat, or null when it is gone (or /proc cannot be read). Never throws. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "<pid> (<comm>) <state> <ppid> <pgrp> ...": comm may hold spaces and ")", so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, ppid, pgrp] = [fields[0] ?? "", Number(fields[1]), Number(fields[2])];
  return { pid, state, ppid, pgrp };
}

/** An exited process whose entry only waits to be reaped. */
export function hasExited(stat: ProcStat): boolean {
  return stat.state === "Z" || stat.state === "X";
}

/**
 * Pids of live (not exited) members of process group `pgid`, never our own pid; null when /proc
 * cannot be read. Synchronous: a few hundred tiny reads, well under a few milliseconds.
 */
export function liveGroupMembers(pgid: number): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && !hasExited(stat)) found.push(pid);
  }
  return found;
}
