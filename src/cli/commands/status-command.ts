import { readFile } from "node:fs/promises";
import { describeStateProblem, type SessionState } from "../../core/state.js";
import { formatStatus } from "../../render/format-status.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../run-cli.js";
import { callServer } from "../http-client.js";

/**
 * `orchestrator status`: asks the running service; when none answers, prints the saved state.
 * The offline read is read-only, with no lock: it works while `run` is going on, and never
 * "repairs" a file another process owns.
 */
export async function statusCommand({ args, io, config: loadConfig }: CommandContext): Promise<number> {
  const config = await loadConfig();
  const live = await callServer(config, "status").catch(() => null);
  if (live && live.status === 200) {
    println(io.stdout, args.json ? JSON.stringify(live.json, null, 2) : String(live.json.message));
    return EXIT.ok;
  }
  const file = config.paths.state_file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    println(io.stdout, args.json ? "null" : `No state at ${file}: nothing has run yet. Start with: orchestrator run <task file>`);
    return EXIT.ok;
  }
  let state: SessionState;
  try {
    state = JSON.parse(text) as SessionState;
  } catch (error) {
    println(io.stderr, `orchestrator status: ${file} is not valid JSON (${(error as Error).message}). The next run keeps it aside and restores ${file}.bak.`);
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
