import { OrchestratorError } from "../core/errors.js";

/**
 * A git command failed, timed out, or could not start; or a step of ours around git (deleting a
 * file during a restore) failed. Carries the argv given to git (`args`, without the fixed
 * `-c core.quotepath=false` prefix), the folder it ran in (`dir`), the last lines of its stderr,
 * and the underlying `cause`. The message names the command and says what to do next.
 */
export class GitError extends OrchestratorError {
  override name = "GitError";
  constructor(
    message: string,
    readonly args: string[],
    readonly dir: string,
    readonly stderr: string = "",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
