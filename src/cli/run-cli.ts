import { readFile } from "node:fs/promises";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/config.js";
import { AlreadyRunningError, ConfigError, ListenError, OrchestratorError, StatePathError, TaskFileError } from "../core/errors.js";
import { type CliIo, EXIT, println, processIo } from "./cli-io.js";
import { parseCliArgs, type CliArgs } from "./parse-cli-args.js";
import { runCommand } from "./commands/run-command.js";
import { statusCommand } from "./commands/status-command.js";
import { serveCommand } from "./commands/serve-command.js";
import { clientCommand } from "./commands/client-command.js";
import { ServerUnreachableError } from "./http-client.js";
import { validateCommand } from "./commands/validate-command.js";

export const HELP = `orchestrator - run a day of Claude Code work from a task file, one task at a time

Usage: orchestrator <command> [options]

Commands:
  run <file> [--yes] [--new]   Run a task file in the foreground. Stops at checkpoints: asks on a
                               terminal, else exits 3 with the state saved (run again to resume).
                               --yes approves checkpoints; --new starts over a completed file.
  validate <file>              Check a task file: one line per task, or every error as file:line.
  serve                        Run the service: HTTP API, Telegram bot, n8n notifications
                               (what npm start runs). SIGTERM/SIGINT stop it cleanly.
  status [--json]              The service's status, or the saved state when it is not running.
  approve | pause | resume | skip
  retry [--feedback <text>]    Commands sent to the running service over HTTP.
  logs [n] | start [file]
  help                         This text.

Options (before or after the command):
  --config <file>   config file (default ./config.yaml when present, else built-in defaults)
  --state <file>    state file (overrides paths.state_file)
  --logs <dir>      logs folder (overrides paths.logs_dir)
  -h, --help        help;  -v, --version  version

Exit codes: 0 done, 1 a task failed (or a command was refused or could not be saved),
            2 bad input (also a state path that is a folder, a port in use),
            3 waiting for approval or paused, 4 another orchestrator holds the state file,
            5 no service reachable, 130 interrupted (Ctrl-C, SIGTERM).
Environment: CLAUDE_CLI_PATH overrides claude.command; see README.md for the rest.`;

export interface CommandContext {
  args: CliArgs;
  io: CliIo;
  /** Loads and validates the configuration (once per command). */
  config(): Promise<Config>;
}

/** Entry point of the `orchestrator` bin. Returns the exit code; never throws. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    println(io.stderr, `orchestrator: ${(error as Error).message}\nRun 'orchestrator --help' for usage.`);
    return EXIT.badInput;
  }
  if (args.version) {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    println(io.stdout, pkg.version);
    return EXIT.ok;
  }
  if (args.help || args.command === null || args.command === "help") {
    println(io.stdout, HELP);
    return EXIT.ok;
  }
  const ctx: CommandContext = {
    args,
    io,
    config: () =>
      loadConfig({ configPath: args.config ?? null, cwd: io.cwd, env: io.env, overrides: { stateFile: args.state, logsDir: args.logs } }),
  };
  try {
    switch (args.command) {
      case "run":
        return await runCommand(ctx);
      case "validate":
        return await validateCommand(ctx);
      case "status":
        return await statusCommand(ctx);
      case "serve":
        return await serveCommand(ctx);
      case "approve":
      case "pause":
      case "resume":
      case "skip":
      case "retry":
      case "logs":
      case "start":
        return await clientCommand(ctx);
      default:
        println(io.stderr, `orchestrator: unknown command '${args.command}'. Commands: run, validate, serve, status, approve, pause, resume, skip, retry, logs, start, help.`);
        return EXIT.badInput;
    }
  } catch (error) {
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
