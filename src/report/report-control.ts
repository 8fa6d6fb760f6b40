/**
 * Control's `report` command (HTTP POST /webhook/report, Telegram /report): writes the day
 * report of the state's session and answers with where it is, the short summary and the data.
 * A date that is not the session's is not_found (404) with the date it holds; a bad date
 * bad_request; a file that cannot be written unavailable (503), with the reason.
 */
import type { ControlResult } from "../control/control-types.js";
import type { SessionState } from "../core/state.js";
import type { DayReporter } from "./day-reporter.js";
import { ReportError } from "./report-error.js";

export async function reportResult(reporter: DayReporter, state: SessionState, date: string | null): Promise<ControlResult> {
  try {
    const written = await reporter.write(state, date);
    return { ok: true, code: "ok", message: `${written.summary}\n\nReport: ${written.file}`, data: { file: written.file, summary: written.summary, report: written.report } };
  } catch (error) {
    if (!(error instanceof ReportError)) throw error;
    const code = error.kind === "no_session" ? "not_found" : error.kind === "bad_date" ? "bad_request" : "unavailable";
    return { ok: false, code, message: error.message, data: {} };
  }
}
