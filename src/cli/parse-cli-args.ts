import { parseArgs } from "node:util";

export interface CliArgs {
  command: string | null;
  positionals: string[];
  config: string | undefined;
  state: string | undefined;
  logs: string | undefined;
  yes: boolean;
  feedback: string | undefined;
  json: boolean;
  new: boolean;
  help: boolean;
  version: boolean;
}

/**
 * Parses `orchestrator [options] <command> [args] [options]`: the common options (--config, --state,
 * --logs) are accepted before or after the command's name. Unknown options throw a TypeError whose
 * message names the option.
 */
export function parseCliArgs(argv: string[]): CliArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string", short: "c" },
      state: { type: "string" },
      logs: { type: "string" },
      yes: { type: "boolean", short: "y", default: false },
      feedback: { type: "string", short: "f" },
      json: { type: "boolean", default: false },
      new: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const [command = null, ...rest] = positionals;
  return {
    command,
    positionals: rest,
    config: values.config,
    state: values.state,
    logs: values.logs,
    yes: values.yes ?? false,
    feedback: values.feedback,
    json: values.json ?? false,
    new: values.new ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
