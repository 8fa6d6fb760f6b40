import { readdirSync, readFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";

/**
 * Processes a run leaves behind outside its process group. Claude Code starts each Bash tool
 * command in a new session (its own process group), so a command that backgrounds something
 * (`nohup server &`) leaves a process that kill(-pgid) of the claude child never reaches, and
 * that outlives claude (re-parented to init, so no process tree leads to it either).
 *
 * What still ties it to the run is its environment: every descendant inherits the claude
 * child's variables. The runner puts a unique RUN_MARKER_ENV=<id> there, and after the run
 * ends it kills every process whose environment carries that marker (Linux: /proc/<pid>/environ;
 * elsewhere nothing is found). A process that cleared its environment escapes; that is rare.
 */
export const RUN_MARKER_ENV = "ORCHESTRATOR_RUN_ID";

/**
 * A second mark every run carries: which state file its orchestrator serves (a hash of its path,
 * the same across restarts). The run marker is recorded in the state only once the child is
 * spawned; a crash before that save (or while a full disk keeps it from landing) would leave a
 * run nobody knows of. Whoever holds the state file's lock has no live run of its own at start,
 * so at recovery everything carrying this mark is a leftover and is ended.
 */
export const STATE_MARKER_ENV = "ORCHESTRATOR_STATE_ID";

/** The state mark for a state file: the first 16 hex digits of sha256 of its absolute path. */
export function stateMarkerFor(stateFile: string): string {
  return createHash("sha256").update(path.resolve(stateFile)).digest("hex").slice(0, 16);
}

/** A marker value unique to one run. */
export function newRunMarker(): string {
  return `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/**
 * Pids (never our own) whose environment holds `name=value`. Empty where there is no /proc.
 * Synchronous on purpose: a few dozen tiny reads take under a millisecond this way, three times
 * less than through the thread pool, and this runs after every task.
 */
export async function findProcessesWithEnv(name: string, value: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      const at = environ.indexOf(needle);
      // Whole variable only: at the start, or right after the NUL that ends the previous one.
      if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read (another user's process): not ours to kill either
    }
  }
  return found.sort((a, b) => a - b);
}

/** Sends `signal` to every process carrying the marker. Returns the pids signalled. Never throws. */
export async function killProcessesWithEnv(name: string, value: string, signal: NodeJS.Signals = "SIGKILL"): Promise<number[]> {
  const pids = await findProcessesWithEnv(name, value);
  const killed: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  return killed;
}
