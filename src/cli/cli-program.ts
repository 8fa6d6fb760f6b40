import { Command, Option } from "commander";
import type { CliIo } from "./cli-io.js";
import type { CommandContext } from "./command-context.js";
// Each command's module loads when it runs (the cold start of --help and client commands).
import {
  clientCommand,
  doctorCommand,
  feedbackCommand,
  historyCommand,
  initCommand,
  learnCommand,
  loadConfig,
  planCommand,
  reportCommand,
  runCommand,
  serveCommand,
  statusCommand,
  validateCommand,
} from "./commands/lazy-commands.js";

const AFTER_HELP = `
Exit codes: 0 done, 1 a task failed (or a command was refused or could not be saved, or a doctor check failed),
            2 bad input (also a state path that is a folder, a port in use),
            3 waiting for approval or paused, 4 another orchestrator holds the state file,
            5 no service reachable, 130 interrupted (Ctrl-C, SIGTERM).
Environment: CLAUDE_CLI_PATH overrides claude.command; see README.md for the rest.`;

interface GlobalOptions {
  config?: string;
  state?: string;
  logs?: string;
}

/**
 * The `orchestrator` command line as a commander program: the subcommands, their options, and the
 * global options (--config, --state, --logs), which commander accepts before or after the
 * subcommand. It never exits the process (exitOverride: runCli maps its errors to exit codes) and
 * writes only to `io` (configureOutput). Each action hands its exit code to `done`.
 * Build one per parse: commander keeps parsed values on the Command.
 */
export function cliProgram(io: CliIo, version: string, done: (code: number) => void): Command {
  const program = new Command("orchestrator")
    .description("run a day of Claude Code work from a task file, one task at a time")
    .exitOverride()
    .configureOutput(outputTo(io, "orchestrator"))
    .configureHelp({ showGlobalOptions: true, subcommandTerm })
    .showSuggestionAfterError()
    .showHelpAfterError("Run 'orchestrator --help' for usage.")
    .option("-c, --config <file>", "config file (default ./config.yaml when present, else built-in defaults)")
    .option("--state <file>", "state file (overrides paths.state_file)")
    .option("--logs <dir>", "logs folder (overrides paths.logs_dir)")
    .version(version, "-v, --version", "print the version")
    .helpOption("-h, --help", "print help")
    .helpCommand("help [command]", "help for a command (or this text)")
    .addHelpText("after", AFTER_HELP);

  /** A subcommand whose errors name it, and whose action's exit code reaches `done`. */
  const sub = (name: string, summary: string, description = `${summary[0]?.toUpperCase()}${summary.slice(1)}.`) =>
    program
      .command(name)
      .summary(summary)
      .description(description)
      .configureOutput(outputTo(io, `orchestrator ${name}`))
      .showHelpAfterError(`Run 'orchestrator ${name} --help' for usage.`);
  const context = (cmd: Command): CommandContext => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    return { io, config: () => loadConfig({ configPath: g.config ?? null, cwd: io.cwd, env: io.env, overrides: { stateFile: g.state, logsDir: g.logs } }) };
  };

  sub(
    "run",
    "run a task file in the foreground, no service needed",
    "Run a task file in the foreground. Stops at checkpoints: asks on a terminal, else exits 3 with\nthe state saved (run again to resume). A run of the same file resumes its session.",
  )
    .argument("<file>", "the task file")
    .option("-y, --yes", "approve checkpoints (never Claude's tool calls: a terminal is asked, without one they are denied)")
    .option("--new", "start over a file whose session completed")
    .action(async (file: string, opts: { yes?: boolean; new?: boolean }, cmd: Command) => done(await runCommand(context(cmd), file, { yes: opts.yes ?? false, fresh: opts.new ?? false })));
  sub("validate", "check a task file", "Check a task file: one line per task, or every error as file:line.")
    .argument("<file>", "the task file")
    .action(async (file: string, _opts: object, cmd: Command) => done(await validateCommand(context(cmd), file)));
  sub("serve", "the service (what npm start runs)", "Run the service: HTTP API, Telegram bot, n8n notifications (what npm start runs).\nSIGTERM/SIGINT stop it cleanly.")
    .action(async (_opts: object, cmd: Command) => done(await serveCommand(context(cmd))));
  sub("init", "set up config.yaml and .env: project folder, approval mode, Telegram, n8n", "Set up config.yaml (the --config file) and the .env beside it (mode 0600), asking on the terminal:\nthe project folder, the approval mode, the Telegram bot (token checked, chat found, a test\nmessage sent), n8n. With --yes nothing is asked: the flags answer, the rest take defaults.\nExisting files are never replaced unasked (with --yes: only with --force).")
    .option("-y, --yes", "ask nothing: take the flags, and defaults for the rest (Telegram and n8n off unless given)")
    .option("--project-dir <dir>", "claude.project_dir: the folder Claude works in (default: the current folder)")
    .option("--approval-mode <mode>", "orchestrator.approval_mode: required, auto or manual (default required)")
    .option("--bot-token <token>", "TELEGRAM_BOT_TOKEN, checked with getMe (default: $TELEGRAM_BOT_TOKEN, which keeps it out of ps)")
    .option("--chat-id <id>", "TELEGRAM_CHAT_ID (default: the chat of the first message you send the bot)")
    .option("--no-telegram", "no Telegram bot")
    .option("--n8n-notify-url <url>", "N8N_NOTIFY_URL: the n8n webhook that receives every event")
    .option("--no-n8n", "no n8n")
    .option("--force", "replace an existing config.yaml and .env (with --yes)")
    .action(async (opts: { yes?: boolean; force?: boolean; projectDir?: string; approvalMode?: string; botToken?: string; chatId?: string; telegram: boolean; n8nNotifyUrl?: string; n8n: boolean }, cmd: Command) =>
      done(await initCommand(context(cmd), { ...opts, yes: opts.yes ?? false, force: opts.force ?? false, config: cmd.optsWithGlobals<GlobalOptions>().config })),
    );
  // Loaded when it runs, as lazy-commands.ts does for the others (the cold start of --help).
  sub("doctor", "check the setup: config, Claude CLI and login, project_dir, git, Telegram, n8n, port, disk, state", "Check the setup, one line each: ✓, ⚠ (passes) or ✗ with the fix. Exit 0 when nothing failed.\nThe Claude login check makes a tiny real run; --offline skips it and the Telegram and n8n checks.")
    .option("--offline", "no network: skip the tiny Claude run, Telegram and n8n")
    .option("--json", "print {ok, checks: [{id, status, message, fix}]}")
    .action(async (opts: { offline?: boolean; json?: boolean }, cmd: Command) =>
      done(await doctorCommand(context(cmd), { offline: opts.offline ?? false, json: opts.json ?? false })),
    );
  sub("status", "the service's status, or the saved state when none runs")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => done(await statusCommand(context(cmd), { json: opts.json ?? false })));

  sub("history", "who did what and when: the event history, from the files (no service needed)", "The event history (paths.logs_dir/events-YYYY-MM-DD.jsonl), read from the files, so it works\nwith or without a running service. The last --limit matching events, oldest first.")
    .option("-g, --grep <term>", "only events whose line contains this text (any case)")
    .option("-t, --task <n>", "only events about task n")
    .option("--since <date>", "only events from this date (2026-12-01) or time (2026-12-01T09:30) on")
    .option("-n, --limit <n>", "at most this many events, the newest (default 50)")
    .option("--json", "print the events as JSON")
    .action(async (opts: { grep?: string; task?: string; since?: string; limit?: string; json?: boolean }, cmd: Command) => done(await historyCommand(context(cmd), { ...opts, json: opts.json ?? false })));

  sub("report", "the day report: results/<date>-report.md, from the state file (no service needed)", "The day report of the state file's session (default: today's), written to paths.results_dir/<date>-report.md:\nper task status, attempts, time, cost, tokens, turns, files, verification, commit, error; for the day\nthe counts, success rate, cost against the budget, time Claude worked, waits for you and for usage limits.")
    .argument("[date]", "the session's local date, YYYY-MM-DD (default today)")
    .option("--json", "print {file, summary, report} as JSON")
    .action(async (date: string | undefined, opts: { json?: boolean }, cmd: Command) => done(await reportCommand(context(cmd), date, { json: opts.json ?? false })));

  // Commands sent to the running service over HTTP.
  const client = (name: string, summary: string) =>
    sub(name, summary, `${summary[0]?.toUpperCase()}${summary.slice(1)}: sent to the running service over HTTP.`).option("--json", "print the service's answer as JSON");
  client("start", "load today's task file (or the one named) and begin")
    .argument("[file]", "a task file in paths.tasks_dir")
    .option("--replace", "start it even though a session is unfinished (that session is left as it is)")
    .action(async (file: string | undefined, opts: { json?: boolean; replace?: boolean }, cmd: Command) =>
      done(await clientCommand(context(cmd), "start", { arg: file, replace: opts.replace ?? false, json: opts.json ?? false })),
    );
  client("plan", "draft today's task file from the daily log with Claude (read-only), and wait for it")
    .argument("[daily_log]", "a daily log in paths.daily_dir (default today's); with --start or --discard: the plan's id (default the latest)")
    .option("--no-wait", "answer once planning started (the task list comes to the phone)")
    .addOption(new Option("--show", "the latest plan and its task file").conflicts(["start", "discard"]))
    .addOption(new Option("--start", "start a session from the ready plan's file").conflicts(["discard"]))
    .option("--discard", "drop the plan: stops a running one, removes a ready one's file")
    .option("--replace", "with --start: even though a session is unfinished")
    .action(async (arg: string | undefined, opts: { wait: boolean; json?: boolean; show?: boolean; start?: boolean; discard?: boolean; replace?: boolean }, cmd: Command) =>
      done(await planCommand(context(cmd), arg, { wait: opts.wait, json: opts.json ?? false, show: opts.show ?? false, start: opts.start ?? false, discard: opts.discard ?? false, replace: opts.replace ?? false })),
    );
  for (const [name, summary] of [
    ["approve", "run the task waiting for approval"],
    ["pause", "stop before the next task"],
    ["resume", "continue after a pause"],
    ["skip", "skip the current task"],
  ] as const) {
    client(name, summary).action(async (opts: { json?: boolean }, cmd: Command) => done(await clientCommand(context(cmd), name, { json: opts.json ?? false })));
  }
  client("retry", "run a failed or interrupted task again")
    .argument("[feedback...]", "what Claude should do differently, as words (or --feedback)")
    .option("-f, --feedback <text>", "what Claude should do differently")
    .action(async (words: string[], opts: { feedback?: string; json?: boolean }, cmd: Command) =>
      done(await clientCommand(context(cmd), "retry", { feedback: opts.feedback ?? (words.join(" ").trim() || undefined), json: opts.json ?? false })),
    );
  client("cancel", "stop the running task now (it waits for you)").action(async (opts: { json?: boolean }, cmd: Command) =>
    done(await clientCommand(context(cmd), "cancel", { json: opts.json ?? false })),
  );
  client("diff", "what task n (default: the last one that ran) changed, as a unified diff")
    .argument("[n]", "the task's position in the session")
    .action(async (n: string | undefined, opts: { json?: boolean }, cmd: Command) => done(await clientCommand(context(cmd), "diff", { arg: n, json: opts.json ?? false })));
  client("rollback", "undo task n (default: the last one that ran) and every later task")
    .argument("[n]", "the task's position in the session")
    .option("-y, --yes", "do it (without --yes nothing is changed)")
    .action(async (n: string | undefined, opts: { json?: boolean; yes?: boolean }, cmd: Command) =>
      done(await clientCommand(context(cmd), "rollback", { arg: n, confirm: opts.yes ?? false, json: opts.json ?? false })),
    );
  client("tell", "a message for the running task's Claude, read on its next turn")
    .argument("<text...>", "what to tell it")
    .action(async (words: string[], opts: { json?: boolean }, cmd: Command) => done(await clientCommand(context(cmd), "tell", { text: words.join(" "), json: opts.json ?? false })));
  client("permissions", "the pending permission requests and the session's \"always\" rules").action(async (opts: { json?: boolean }, cmd: Command) =>
    done(await clientCommand(context(cmd), "permissions", { json: opts.json ?? false })),
  );
  for (const [decision, summary] of [
    ["allow", "allow a pending permission request"],
    ["always", "allow it, and its rule for the rest of the session"],
    ["deny", "deny it (the message, if any, is what Claude reads)"],
    ["stop", "deny it and stop the task (interrupted)"],
  ] as const) {
    client(decision, summary)
      .argument("<id>", "the request's id (orchestrator permissions lists them)")
      .argument("[message...]", "for deny and stop: what Claude reads")
      .action(async (id: string, words: string[], opts: { json?: boolean }, cmd: Command) =>
        done(await clientCommand(context(cmd), "permission", { id, decision, text: words.join(" ") || undefined, json: opts.json ?? false })),
      );
  }
  client("budget", "today's spend, or set today's budget in dollars")
    .argument("[dollars]", "today's new budget")
    .action(async (usd: string | undefined, opts: { json?: boolean }, cmd: Command) => done(await clientCommand(context(cmd), "budget", { arg: usd, json: opts.json ?? false })));
  client("logs", "the last n log lines (default 20)")
    .argument("[n]", "how many lines")
    .action(async (n: string | undefined, opts: { json?: boolean }, cmd: Command) => done(await clientCommand(context(cmd), "logs", { arg: n, json: opts.json ?? false })));

  // Sent to the running service; with none running, written from the files (they change no session).
  sub("feedback", "your verdict on a task: 👍/👎 or 1-5, and a note, into feedback/<date>.md", "Your verdict on a task of the session (default: the last finished), into paths.feedback_dir/<date>.md\nand the day report: orchestrator feedback 3 up, orchestrator feedback 4 \"good, but no tests\",\norchestrator feedback 2 down --note \"wrong table\". Sent to the running service; with none, written from the files.")
    .argument("[words...]", "[task] up|down|1-5 [note...]: a number before a rating is the task")
    .option("--note <text>", "the note (instead of, or after, the words)")
    .option("--json", "print the answer as JSON")
    .action(async (words: string[], opts: { note?: string; json?: boolean }, cmd: Command) => done(await feedbackCommand(context(cmd), words, { note: opts.note, json: opts.json ?? false })));
  sub("learn", "a lesson every later task's prompt carries (orchestrator.learnings_file)", "A lesson for every later task: appended to orchestrator.learnings_file, whose end goes into every\ntask's prompt. Sent to the running service; with none, written from the files.")
    .argument("<text...>", "the lesson")
    .option("--json", "print the answer as JSON")
    .action(async (words: string[], opts: { json?: boolean }, cmd: Command) => done(await learnCommand(context(cmd), words, { json: opts.json ?? false })));
  return program;
}

/** Help and errors go to the injected streams; errors start with the command's name, not "error:". */
function outputTo(io: CliIo, name: string) {
  const columns = (stream: NodeJS.WritableStream) => (stream as { columns?: number }).columns ?? 100;
  return {
    writeOut: (s: string) => void io.stdout.write(s),
    writeErr: (s: string) => void io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(s.replace(/^error: /, `${name}: `)),
    getOutHelpWidth: () => columns(io.stdout),
    getErrHelpWidth: () => columns(io.stderr),
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  };
}

/**
 * A subcommand in the list as a person types it, `run <file> [--yes] [--new]`, not commander's
 * `run [options] <file>`. The client commands' --json (for scripts) is left to their own help,
 * which keeps the list narrow.
 */
function subcommandTerm(cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? "..." : ""}>` : `[${a.name()}${a.variadic ? "..." : ""}]`));
  const options = cmd.options.filter((o) => o.long !== "--json" || cmd.name() === "status").map((o) => `[${o.flags.replace(/^-\w, /, "")}]`);
  return [cmd.name(), ...args, ...options].join(" ");
}
