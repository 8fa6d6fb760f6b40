import { readFile } from "node:fs/promises";
import { CommanderError } from "commander";
import { AlreadyRunningError, ConfigError, ListenError, OrchestratorError, StatePathError, TaskFileError } from "../core/errors.js";
import { type CliIo, EXIT, println, processIo } from "./cli-io.js";
import { cliProgram } from "./cli-program.js";
import { ServerUnreachableError } from "./http-client.js";

/** What commander reports when it printed help or the version as asked: success, not an error. */
const ANSWERED = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/** Entry point of the `orchestrator` bin. Returns the exit code; never throws. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  let code: number = EXIT.ok;
  const program = cliProgram(io, pkg.version, (c) => (code = c));
  try {
    // No command at all: the help, on stdout, exit 0 (commander would print it as an error).
    await program.parseAsync(argv.length === 0 ? ["help"] : argv, { from: "user" });
    return code;
  } catch (error) {
    // commander has already printed its message (and a suggestion) to io.stderr.
    if (error instanceof CommanderError) return ANSWERED.has(error.code) ? EXIT.ok : EXIT.badInput;
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof ServerUnreachableError) {
    println(io.stderr, `orchestrator: ${error.message}`);
    return EXIT.serverUnreachable;
  }
  if (error instanceof AlreadyRunningError) {
    println(io.stderr, `orchestrator: ${error.message}`);
    return EXIT.alreadyRunning;
  }
  // Settings this machine cannot honour (a state path that is a folder, a port in use) are bad
  // input too: the message names the setting to change.
  if (error instanceof TaskFileError || error instanceof ConfigError || error instanceof StatePathError || error instanceof ListenError) {
    println(io.stderr, `orchestrator: ${error.message}`);
    return EXIT.badInput;
  }
  if (error instanceof OrchestratorError) {
    println(io.stderr, `orchestrator: ${error.message}`);
    return EXIT.taskFailed;
  }
  println(io.stderr, `orchestrator: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.taskFailed;
}
