import { OrchestratorError } from "../core/errors.js";

/**
 * The learnings file could not be written (a read-only or full disk, a folder or FIFO at its
 * path). The message names the file, the reason and the setting; the lesson was not added.
 */
export class LearningsError extends OrchestratorError {
  override name = "LearningsError";
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
