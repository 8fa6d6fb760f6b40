import { OrchestratorError } from "../core/errors.js";

/**
 * `orchestrator init` could not finish: a token Telegram refuses, no message within the wait, a
 * file that exists (with --yes and no --force), a config the loader refuses. `exitCode` is what
 * the command exits with (2 bad input, 1 declined or failed, 130 cancelled); the message says what
 * to do next. Nothing has been written when it is thrown.
 */
export class SetupError extends OrchestratorError {
  override name = "SetupError";
  constructor(message: string, readonly exitCode: 1 | 2 | 130 = 2, options?: { cause?: unknown }) {
    super(message, options);
  }
}
