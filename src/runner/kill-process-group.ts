/**
 * Signals to a whole process group (the claude child leads its own group, pgid = pid).
 * Used by the runner to end a run, and at restart to end a group orphaned by a crash.
 */

/**
 * A pgid we may signal. 0 would mean "our own group" and 1 / negative values would mean
 * "every process we may signal": a corrupt state file must never turn into a kill of everything.
 */
function isSafePgid(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * Send `signal` to every process of group `pgid` (`kill(-pgid, signal)`).
 * Returns whether the group existed: false when it is gone (ESRCH) or the pgid is unsafe.
 * EPERM (the group exists but belongs to someone else, e.g. a reused id after a reboot)
 * returns true without killing anything. Never throws for those; other errors are rethrown.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  if (!isSafePgid(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ESRCH") return false;
    if (code === "EPERM") return true;
    throw err;
  }
}

/**
 * Whether any process of group `pgid` still exists (signal 0 probes without delivering).
 * Note: an exited but not yet reaped member (a zombie) still counts as alive.
 */
export function isProcessGroupAlive(pgid: number): boolean {
  return killProcessGroup(pgid, 0);
}
