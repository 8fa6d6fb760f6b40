import { readFile } from "node:fs/promises";
import { StateError } from "../core/errors.js";
import { describeStateProblem, type SessionState } from "../core/state.js";
import { checkStatePath } from "./check-state-path.js";

/** The saved state as a command reads it without the lock: the state, none yet, or why it is not one. */
export type SavedState = { kind: "state"; state: SessionState } | { kind: "missing" } | { kind: "invalid"; message: string };

/**
 * Reads the state file read-only, with no lock: it works while `run` or `serve` is going on, and
 * never "repairs" a file another process owns (the same read as `orchestrator status` offline).
 * A running orchestrator may replace the file while we read it (large states reuse the replaced
 * file's storage, see durable-json-file.ts): a read that does not parse is tried again twice,
 * 25 ms apart, before the file is called invalid. A directory or FIFO at the path is a
 * StatePathError (exit 2), never a hang; a file that cannot be read a StateError.
 */
export async function readSavedState(file: string): Promise<SavedState> {
  await checkStatePath(file);
  let parseError: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
      throw new StateError(`could not read the state file ${file}: ${(error as Error).message}. Check that it is a readable file, or pass --state <file>.`, file, { cause: error });
    }
    let state: SessionState;
    try {
      state = JSON.parse(text) as SessionState;
    } catch (error) {
      parseError = error as Error;
      continue;
    }
    const problem = describeStateProblem(state);
    return problem ? { kind: "invalid", message: `${file} is not a state file: ${problem}.` } : { kind: "state", state };
  }
  return { kind: "invalid", message: `${file} is not valid JSON (${parseError?.message}). The next run keeps it aside and restores ${file}.bak.` };
}
