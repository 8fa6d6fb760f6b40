import { systemClock } from "../../core/clock.js";
import { createIdleState } from "../../core/state.js";
import { dayReporterFor } from "../../report/day-reporter.js";
import { ReportError } from "../../report/report-error.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { readSavedState } from "../read-saved-state.js";

/**
 * `orchestrator report [date] [--json]`: the day report of the session in the state file, made
 * from the file itself (read-only, no lock, no service needed: the same file a running service
 * keeps), written to paths.results_dir/<date>-report.md. Prints the summary and the file, or
 * with --json `{file, summary, report}` (what POST /webhook/report answers). The date defaults
 * to today (local). Exit 0 when written; 2 for a bad date or no session on that date (stderr
 * says which date the state holds); 1 when the file could not be written.
 */
export async function reportCommand({ io, config: loadConfig }: CommandContext, date: string | undefined, args: { json: boolean }): Promise<number> {
  const config = await loadConfig();
  const saved = await readSavedState(config.paths.state_file);
  if (saved.kind === "invalid") {
    println(io.stderr, `orchestrator report: ${saved.message}`);
    return EXIT.badInput;
  }
  const state = saved.kind === "state" ? saved.state : createIdleState();
  try {
    const written = await dayReporterFor(config, systemClock).write(state, date?.trim() || null);
    if (args.json) println(io.stdout, JSON.stringify({ file: written.file, summary: written.summary, report: written.report }, null, 2));
    else println(io.stdout, `${written.summary}\n\nReport: ${written.file}`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ReportError)) throw error;
    println(io.stderr, `orchestrator report: ${error.message}`);
    return error.kind === "write_failed" ? EXIT.taskFailed : EXIT.badInput;
  }
}
