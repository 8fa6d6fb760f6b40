/**
 * Makes and writes day reports: for `orchestrator report`, Control's `report` (HTTP, Telegram)
 * and, through watch(), on its own when a session completes. One per app (open-app.ts), so the
 * service and `orchestrator run` both write the report at completion the same way.
 *
 * At completion the write runs beside the session, never in its way: a failure is logged (an
 * error naming the file and the reason) and handed to the listeners (the chat hears it), and
 * the state is untouched. idle() lets a closing app wait for a write under way.
 */
import type { Config } from "../config/config.js";
import type { Clock } from "../core/clock.js";
import type { SessionState } from "../core/state.js";
import type { Logger } from "../logging/create-logger.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { Change } from "../orchestrator/orchestrator.js";
import { buildDayReport, sessionDate } from "./build-day-report.js";
import type { DayReport } from "./day-report-types.js";
import { readReportEvents } from "./read-report-events.js";
import { checkReportDate } from "./report-date.js";
import { ReportError } from "./report-error.js";
import { renderDayReport, summarizeDayReport } from "./render-day-report.js";
import { existingReportFile, writeDayReport } from "./write-day-report.js";
import { FeedbackBook, type TaskFeedback } from "../feedback/feedback-book.js";

export interface DayReporterOptions {
  /** paths.results_dir: where <date>-report.md goes. */
  resultsDir: string;
  /** paths.logs_dir: where the history (events.jsonl) is, when there is one. */
  logsDir: string;
  /** orchestrator.daily_budget_usd (null: none). */
  budgetUsd: number | null;
  clock: Clock;
  logger?: Logger | null;
  /** The event history's writer: what it still holds in memory is written before a report reads the files. */
  history?: { flush(): Promise<void> } | null;
  /** paths.feedback_dir: the tasks' feedback (<date>.md from the session's date to today) goes into the report; absent: none. */
  feedbackDir?: string | null;
}

/** Days of feedback files a report reads, from the session's date on (a week of evenings, and the morning after). */
const FEEDBACK_DAYS = 8;

/** A report made: its data, its markdown and the short summary. */
export interface MadeDayReport {
  report: DayReport;
  markdown: string;
  summary: string;
}

export interface WrittenDayReport extends MadeDayReport {
  file: string;
}

/** What a session's completion came to: the report written, or why not. */
export type SessionReportOutcome =
  | ({ ok: true } & WrittenDayReport)
  | { ok: false; date: string | null; session_id: string | null; error: string; file: string | null };

/** Something whose transitions can be watched (the Orchestrator). */
export interface Watchable {
  subscribe(listener: (change: Change) => void): () => void;
}

export class DayReporter {
  readonly #listeners = new Set<(outcome: SessionReportOutcome) => void>();
  readonly #pending = new Set<Promise<void>>();

  constructor(readonly options: DayReporterOptions) {}

  /**
   * The report of the state's session for `date` (default: today, local). ReportError
   * `bad_date` for a date that is none, `no_session` when the state holds no session of that date.
   */
  async make(state: SessionState, date: string | null = null): Promise<MadeDayReport> {
    const { clock, logsDir, budgetUsd } = this.options;
    const now = clock.now();
    const asked = date ?? localDate(now);
    const checked = checkReportDate(asked);
    if (!checked.ok) throw new ReportError("bad_date", checked.message);
    const own = sessionDate(state);
    if (own !== checked.date) throw new ReportError("no_session", await this.#noSession(state, own, checked.date, date === null));
    // A session that runs past midnight has its later events in the next day's history file.
    const next = localDate(new Date(Date.parse(`${own}T12:00:00`) + 86_400_000));
    // The history writes its lines in batches: the latest ones (the completion) go to the file first.
    await this.options.history?.flush().catch(() => undefined);
    const { events, problems } = await readReportEvents(logsDir, [own, next]);
    for (const p of problems) this.options.logger?.warn({ module: "report" }, p);
    const feedback = await this.#feedback(state, own, localDate(now));
    const report = buildDayReport(state, { date: own, now, budgetUsd, events, feedback: feedback.feedback });
    report.notes.push(...problems, ...feedback.problems);
    for (const p of feedback.problems) this.options.logger?.warn({ module: "report" }, p);
    return { report, markdown: renderDayReport(report), summary: summarizeDayReport(report) };
  }

  /** make(), then written to results_dir; ReportError `write_failed` names the file and the reason. */
  async write(state: SessionState, date: string | null = null): Promise<WrittenDayReport> {
    const made = await this.make(state, date);
    const file = await writeDayReport(this.options.resultsDir, made.report.date, made.report.session_id, made.markdown);
    this.options.logger?.info({ module: "report", file, session_id: made.report.session_id }, `day report written: ${file}`);
    return { ...made, file };
  }

  /** Writes the report whenever a session completes; returns the unsubscribe. */
  watch(orchestrator: Watchable): () => void {
    return orchestrator.subscribe((change) => {
      if (change.state.status !== "completed" || change.previous.status === "completed" || change.state.session_id === null) return;
      this.#track(this.#atCompletion(change.state));
    });
  }

  /** Hears every report written at a session's completion, and every failure to write one. */
  onSessionReport(listener: (outcome: SessionReportOutcome) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the reports being written at completion are written (or failed). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #atCompletion(state: SessionState): Promise<void> {
    const log = this.options.logger;
    const date = sessionDate(state);
    let outcome: SessionReportOutcome;
    try {
      outcome = { ok: true, ...(await this.write(state, date)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log?.error({ module: "report", err: error, session_id: state.session_id }, `the day report of session ${state.session_id} was not written: ${message}`);
      outcome = { ok: false, date, session_id: state.session_id, error: message, file: error instanceof ReportError ? error.file : null };
    }
    for (const listener of this.#listeners) {
      try {
        listener(outcome);
      } catch (error) {
        log?.error({ module: "report", err: error }, "a day report listener threw; the report is unaffected");
      }
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** The tasks' feedback in the files from the session's date to today (FEEDBACK_DAYS at most). */
  async #feedback(state: SessionState, from: string, today: string): Promise<{ feedback: Map<string, TaskFeedback> | null; problems: string[] }> {
    const dir = this.options.feedbackDir;
    if (!dir) return { feedback: null, problems: [] };
    const dates: string[] = [];
    for (let day = Date.parse(`${from}T12:00:00`); dates.length < FEEDBACK_DAYS; day += 86_400_000) {
      const date = localDate(new Date(day));
      if (dates.length > 0 && date > today) break;
      dates.push(date);
    }
    return new FeedbackBook(dir).forTasks(state.tasks.map((t) => t.id), dates);
  }

  async #noSession(state: SessionState, own: string | null, asked: string, today: boolean): Promise<string> {
    const earlier = await existingReportFile(this.options.resultsDir, asked).catch(() => null);
    const file = earlier ? ` Its report is ${earlier}.` : "";
    const day = today ? `today (${asked})` : `on ${asked}`;
    if (own === null) return `No session ${day}: the state holds none yet, nothing to report.${file}`;
    return `No session ${day}: the state holds session ${state.session_id} of ${own} (${state.status}). Ask for ${own} (orchestrator report ${own}, /report ${own}).${file}`;
  }
}

/** The reporter for a configuration: paths.results_dir, paths.logs_dir, paths.feedback_dir, orchestrator.daily_budget_usd. */
export function dayReporterFor(config: Config, clock: Clock, logger: Logger | null = null, history: DayReporterOptions["history"] = null): DayReporter {
  return new DayReporter({ resultsDir: config.paths.results_dir, logsDir: config.paths.logs_dir, budgetUsd: config.orchestrator.daily_budget_usd, clock, logger, history, feedbackDir: config.paths.feedback_dir });
}
