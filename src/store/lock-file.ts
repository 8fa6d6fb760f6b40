/**
 * One orchestrator per state file: `<stateFile>.lock` holds the owner's pid.
 *
 * Created with O_EXCL ('wx') so two processes can never both create it. A lock left by a
 * process that died (crash, SIGKILL, reboot) is taken over instead of blocking forever.
 * Nothing is registered globally (no exit handlers): the caller releases the handle.
 */
import { open, readFile, rename, unlink, link } from "node:fs/promises";
import path from "node:path";
import { AlreadyRunningError, StateError } from "../core/errors.js";
import { errorCode } from "./durable-json-file.js";
import { hasExited, readProcStat } from "../process/proc-stat.js";

export interface LockHandle {
  /** Absolute path of the lock file. */
  path: string;
  /** Removes the lock file if it still holds our pid. Safe to call twice. */
  release(): Promise<void>;
}

/** Locks held by this process, so a second acquire here fails instead of "taking over" from ourselves. */
const heldHere = new Set<string>();

/** An empty lock may be one another process has just created and not yet written: wait this long. */
const EMPTY_LOCK_GRACE_MS = 500;
/** Takeover attempts before giving up (each one only loses to another process's fresh lock). */
const MAX_ATTEMPTS = 5;

/**
 * Takes `<stateFile>.lock`. Throws AlreadyRunningError(pid) when a live process other than us
 * holds it; a lock of a dead pid, a garbage lock, or one with our own pid from a previous run
 * (pids repeat after a reboot or in containers) is taken over. Other failures: StateError.
 */
export async function acquireLock(stateFile: string): Promise<LockHandle> {
  const lockPath = path.resolve(`${stateFile}.lock`);
  if (heldHere.has(lockPath)) {
    throw new StateError(`${lockPath} is already held by this process: release it before locking again.`, stateFile);
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (await tryCreate(lockPath, stateFile)) {
      heldHere.add(lockPath);
      return makeHandle(lockPath);
    }
    const owner = await readOwner(lockPath, stateFile);
    if (owner === null) continue; // released meanwhile: try to create again
    if (owner.pid !== null && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
      throw new AlreadyRunningError(owner.pid, stateFile);
    }
    // Dead, garbage, or a stale copy of our own pid: take it over.
    await takeOver(lockPath, owner.raw, stateFile);
  }
  throw new StateError(
    `could not take ${lockPath}: other processes kept replacing it. Stop the other orchestrators and retry.`,
    stateFile,
  );
}

/**
 * true when a process with this pid exists and has not exited (EPERM: it exists but belongs to
 * someone else). A zombie (exited, only its parent's wait() missing: right after a kill -9 until
 * the parent reaps it) is dead, though kill(pid, 0) still succeeds on it: /proc/<pid>/stat says
 * so. Also used for the temp files of dead writers (state-store.ts).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errorCode(err) !== "EPERM") return false;
  }
  // Only a positive "Z" counts: no /proc (not Linux) or an entry hidden from us (hidepid)
  // leaves kill(pid, 0) to decide, so another user's live process is never taken for dead.
  const stat = readProcStat(pid);
  return stat === null || !hasExited(stat);
}

async function tryCreate(lockPath: string, stateFile: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockPath, "wx");
  } catch (err) {
    if (errorCode(err) === "EEXIST") return false;
    throw new StateError(
      `could not create ${lockPath}: ${(err as Error).message}. Check that the state file's directory exists and is writable.`,
      stateFile,
      { cause: err },
    );
  }
  try {
    // One small write, so a reader sees an empty file or the whole pid.
    await fh.writeFile(`${process.pid}\n`, "utf8");
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw new StateError(`could not write ${lockPath}: ${(err as Error).message}. Disk full? Free space and retry.`, stateFile, {
      cause: err,
    });
  }
  await fh.close();
  return true;
}

/** The lock's content and pid (null pid: garbage), or null when the file is gone. */
async function readOwner(lockPath: string, stateFile: string): Promise<{ raw: string; pid: number | null } | null> {
  const deadline = Date.now() + EMPTY_LOCK_GRACE_MS;
  for (;;) {
    let raw: string;
    try {
      raw = await readFile(lockPath, "utf8");
    } catch (err) {
      if (errorCode(err) === "ENOENT") return null;
      throw new StateError(`could not read ${lockPath}: ${(err as Error).message}`, stateFile, { cause: err });
    }
    if (raw === "" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      continue;
    }
    return { raw, pid: parsePid(raw) };
  }
}

function parsePid(raw: string): number | null {
  const m = /^\s*(\d+)\s*$/.exec(raw);
  if (!m) return null;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Removes a stale lock without ever removing a fresh one another process just made:
 * move it aside under a unique name, check it is still the stale content we judged, and only
 * then delete it. If it turns out to be someone's fresh lock, link it back (link never overwrites).
 */
async function takeOver(lockPath: string, staleRaw: string, stateFile: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return; // someone else removed it: just retry
    throw new StateError(`could not remove stale ${lockPath}: ${(err as Error).message}`, stateFile, { cause: err });
  }
  const moved = await readFile(aside, "utf8").catch(() => null);
  if (moved !== null && moved !== staleRaw) {
    // We moved another process's fresh lock: put it back; the next attempt will see its owner.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function makeHandle(lockPath: string): LockHandle {
  let released = false;
  return {
    path: lockPath,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      heldHere.delete(lockPath);
      const raw = await readFile(lockPath, "utf8").catch(() => null);
      // Someone took it over (they judged us dead) or it is gone: not ours to remove.
      if (raw === null || parsePid(raw) !== process.pid) return;
      await unlink(lockPath).catch((err) => {
        if (errorCode(err) === "ENOENT") return;
        throw new StateError(`could not remove ${lockPath}: ${(err as Error).message}. Delete it by hand.`, lockPath, {
          cause: err,
        });
      });
    },
  };
}
