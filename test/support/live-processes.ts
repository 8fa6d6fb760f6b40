import { readdir, readFile } from "node:fs/promises";

/**
 * Live processes among `pids`, or in process group `pgid` (pass -1 for none). Zombies are dead
 * and left out: a process re-parented to a PID 1 that reaps late (some container and VM inits)
 * stays a zombie for a while, and kill(pid, 0) / kill(-pgid, 0) still succeed on it, so
 * /proc/<pid>/stat decides. Never includes this test process.
 */
export async function liveProcesses({ pids = [], pgid = -1 }: { pids?: number[]; pgid?: number }): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // "<pid> (<comm>) <state> <ppid> <pgrp> ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === undefined || fields[0] === "" || fields[0] === "Z") continue;
    if (pids.includes(Number(entry)) || Number(fields[2]) === pgid) found.push(Number(entry));
  }
  return found;
}
