import path from "node:path";
import { systemClock } from "../../core/clock.js";
import { runSetup, type SetupFlags } from "../../setup/run-setup.js";
import { SetupError } from "../../setup/setup-error.js";
import { terminalPrompts } from "../../setup/setup-prompts.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { watchStopSignals } from "../stop-signals.js";

/** How long init waits for the person's first message to the bot. */
const CHAT_WAIT_MS = 2 * 60_000;

/**
 * `orchestrator init`: writes config.yaml (the global --config, default ./config.yaml) and the .env
 * beside it, asking on a terminal, or from the flags with --yes. Exit 0 written, 1 declined or a
 * file could not be written, 2 bad input (a refused token, a file that exists without --force, no
 * terminal without --yes), 130 cancelled (Ctrl-C, SIGTERM): in every case but 0 nothing is written.
 */
export async function initCommand({ io }: CommandContext, flags: SetupFlags & { config?: string }): Promise<number> {
  if (!flags.yes && !io.stdin.isTTY) {
    println(io.stderr, "orchestrator init: no terminal to ask on. Pass --yes with the answers as flags (orchestrator init --help lists them).");
    return EXIT.badInput;
  }
  // Ctrl-C while a prompt is up is inquirer's (a key in raw mode); while Telegram is polled it is a signal.
  const stop = watchStopSignals(() => undefined);
  try {
    // The token from the environment, when set, is as good as --bot-token and stays out of `ps` and shell history.
    const botToken = flags.botToken ?? (flags.telegram && io.env.TELEGRAM_BOT_TOKEN ? io.env.TELEGRAM_BOT_TOKEN : undefined);
    await runSetup({ ...flags, botToken }, {
      cwd: io.cwd,
      env: io.env,
      out: io.stdout,
      prompts: flags.yes ? null : terminalPrompts({ input: io.stdin, output: io.stdout, signal: stop.signal }),
      configFile: path.resolve(io.cwd, flags.config ?? "config.yaml"),
      clock: systemClock,
      signal: stop.signal,
      chatWaitMs: CHAT_WAIT_MS,
    });
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    println(io.stderr, `orchestrator init: ${error.message}`);
    return error.exitCode;
  } finally {
    stop.dispose();
  }
}
