import { OrchestratorError } from "../core/errors.js";

/**
 * A day report that cannot be made. `no_session`: the state holds no session of the date asked
 * for (the message names the date it does hold, and an earlier report file when there is one);
 * `bad_date`: not a YYYY-MM-DD date; `write_failed`: the report was made but its file could not
 * be written (the message names the file and the reason; `cause` keeps the error).
 */
export class ReportError extends OrchestratorError {
  override name = "ReportError";
  constructor(
    readonly kind: "no_session" | "bad_date" | "write_failed",
    message: string,
    readonly file: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
