import { stat } from "node:fs/promises";
import path from "node:path";
import { StatePathError } from "../core/errors.js";

/**
 * Refuses a state path that names something other than a regular file (a directory, a FIFO, a
 * socket, a device) with a StatePathError saying what it is and which path to pass instead. A
 * FIFO matters most: reading one blocks until a writer appears, so `status` would hang. A path
 * that does not exist yet is fine (nothing has run), and so is one we may not stat (EACCES):
 * the read or the lock that follows reports that with its own reason.
 */
export async function checkStatePath(file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (info === null || info.isFile()) return;
  const kind = info.isDirectory() ? "a directory" : info.isFIFO() ? "a FIFO" : info.isSocket() ? "a socket" : "a device or other special file";
  const instead = info.isDirectory() ? path.join(file, "state.json") : `${file}.json`;
  throw new StatePathError(
    `the state file ${file} is ${kind}, not a file. Pass --state <file> (or set paths.state_file) to a file path, e.g. --state ${instead}.`,
    file,
    kind,
  );
}
