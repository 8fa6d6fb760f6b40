import { isProcessGroupAlive, killProcessGroup } from "../runner/kill-process-group.js";

/**
 * Ends a whole process group: SIGTERM, then SIGKILL if anything is left after `graceMs`.
 * Resolves when the group is gone (or was already). Used for orphans found at restart.
 */
export async function endProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!killProcessGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!isProcessGroupAlive(pgid)) return;
  }
  killProcessGroup(pgid, "SIGKILL");
}
