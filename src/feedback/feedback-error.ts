import { OrchestratorError } from "../core/errors.js";

/**
 * A feedback file that could not be read or written (a read-only or full disk, feedback_dir being
 * a file, a file too large to be one of ours). The message names the file, the reason, and the
 * setting to check; nothing was recorded.
 */
export class FeedbackError extends OrchestratorError {
  override name = "FeedbackError";
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
