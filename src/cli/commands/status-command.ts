import { readFile } from "node:fs/promises";
import { StateError } from "../../core/errors.js";
import { describeStateProblem, type SessionState } from "../../core/state.js";
import { formatStatus } from "../../render/format-status.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { callServer } from "../http-client.js";
import { checkStatePath } from "../check-state-path.js";

/**
 * `orchestrator status`: asks the running service; when none answers, prints the saved state.
 * The offline read is read-only, with no lock: it works while `run` is going on, and never
 * "repairs" a file another process owns.
 */
export async function statusCommand({ io, config: loadConfig }: CommandContext, args: { json: boolean }): Promise<number> {
  const config = await loadConfig();
  const live = await callServer(config, "status").catch(() => null);
  if (live && live.status === 200) {
    println(io.stdout, args.json ? JSON.stringify(live.json, null, 2) : String(live.json.message));
    return EXIT.ok;
  }
  const file = config.paths.state_file;
  await checkStatePath(file); // a directory or FIFO: StatePathError (exit 2), never a hang
  // A running orchestrator may replace the file while we read it (large states reuse the
  // replaced file's storage, see durable-json-file.ts): a read that does not parse is tried
  // again twice, 25 ms apart, before the file is called corrupt.
  let state: SessionState | null = null;
  let parseError: Error | null = null;
  for (let attempt = 0; attempt < 3 && state === null; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new StateError(`could not read the state file ${file}: ${(error as Error).message}. Check that it is a readable file, or pass --state <file>.`, file, { cause: error });
      }
      println(io.stdout, args.json ? "null" : `No state at ${file}: nothing has run yet. Start with: orchestrator run <task file>`);
      return EXIT.ok;
    }
    try {
      state = JSON.parse(text) as SessionState;
    } catch (error) {
      parseError = error as Error;
    }
  }
  if (state === null) {
    println(io.stderr, `orchestrator status: ${file} is not valid JSON (${parseError?.message}). The next run keeps it aside and restores ${file}.bak.`);
    return EXIT.badInput;
  }
  const problem = describeStateProblem(state);
  if (problem) {
    println(io.stderr, `orchestrator status: ${file} is not a state file: ${problem}.`);
    return EXIT.badInput;
  }
  println(io.stdout, args.json ? JSON.stringify(state, null, 2) : formatStatus(state, new Date()));
  return EXIT.ok;
}
