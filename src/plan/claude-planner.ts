import { stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { PlanRunResult, PlanTaskSummary } from "../core/plan.js";
import type { RunOutcome } from "../core/run-outcome.js";
import { formatIssue, type TaskDefinition } from "../core/task.js";
import { readRegularFile } from "../fs/read-regular-file.js";
import type { Runner } from "../runner/runner.js";
import { checkTaskText } from "../tasks/load-task-file.js";
import { extractTaskFile } from "./extract-task-file.js";
import { buildFixPrompt, buildFreshFixPrompt, buildPlanPrompt } from "./plan-prompt.js";
import type { Planner, PlanRequest, PlanRunReport } from "./planner.js";
import { readPlanAnswer } from "./read-plan-answer.js";
import { writeTaskDraft, type DraftIo } from "./write-task-draft.js";

/** Largest daily log read (1 MiB; one is a few KB): a wrong file must not become a huge prompt. */
export const DAILY_LOG_MAX_BYTES = 1024 * 1024;
/** How long reading it may take (a local file takes milliseconds; past it, a hung file system is named). */
const DAILY_LOG_READ_TIMEOUT_MS = 5_000;

export const NO_TASK_FILE = "Claude's answer holds no task file (## Task … headings)";

export interface ClaudePlannerOptions {
  runner: Runner;
  /** paths.logs_dir: each run's stream goes to `<logsDir>/plans/<plan_id>-round<r>.log`. */
  logsDir: string;
  /** paths.tasks_dir: where the draft is written (`<date>-tasks.md`, or `-2`, `-3`… beside an existing one). */
  tasksDir: string;
  clock: Clock;
  logger: Logger;
  /** The file system calls of the write (tests: a disk that fills up). */
  io?: DraftIo;
}

/**
 * The Planner with Claude Code: reads the daily log, runs Claude read-only (RunRequest.readOnly:
 * plan mode, read tools only, no permission channel) in claude.project_dir, takes the task file
 * from its whole answer (the output log's result line, else the plan of its last ExitPlanMode
 * call), checks it with our parser and writes it beside any existing file. Never rejects.
 */
export class ClaudePlanner implements Planner {
  readonly #log: Logger;

  constructor(private readonly options: ClaudePlannerOptions) {
    this.#log = options.logger.child({ module: "planner" });
  }

  /** `<logsDir>/plans/<plan_id>-round<r>.log`, the id made safe for a file name. */
  logFileFor(planId: string, round: number): string {
    return path.join(this.options.logsDir, "plans", `${planId.replace(/[^A-Za-z0-9._-]/g, "_")}-round${round}.log`);
  }

  async plan(request: PlanRequest): Promise<PlanRunReport> {
    try {
      return await this.#plan(request);
    } catch (error) {
      // Nothing above should throw; if something does, the plan fails with its words rather than hanging.
      this.#log.error({ err: error, plan_id: request.plan_id }, "a planning run failed unexpectedly");
      return { cost_usd: null, session_id: null, result: { kind: "failed", error: `the planner failed: ${(error as Error)?.message ?? String(error)}` } };
    }
  }

  async #plan(req: PlanRequest): Promise<PlanRunReport> {
    const none = (result: PlanRunResult): PlanRunReport => ({ cost_usd: null, session_id: null, result });
    if (req.signal.aborted) return none({ kind: "cancelled" });
    const resume = req.round > 0 ? req.resume_session_id : null;
    let prompt: string;
    if (resume) {
      // The session holds the daily log and its draft already: only the problems go in.
      prompt = buildFixPrompt(req.issues);
    } else {
      const dailyLog = await readDailyLog(req.daily_log);
      if (!dailyLog.ok) return none({ kind: "failed", error: dailyLog.error });
      const input = { dailyLogFile: req.daily_log, dailyLog: dailyLog.text, date: req.date };
      prompt = req.round > 0 && req.issues.length > 0 ? buildFreshFixPrompt(input, req.issues) : buildPlanPrompt(input);
    }

    const logFile = this.logFileFor(req.plan_id, req.round);
    // The log is appended to: this run's lines start where it ends now (a rerun of the same id after a state reset).
    const from = await stat(logFile).then((s) => s.size, () => 0);
    const startedAt = this.options.clock.now().getTime();
    this.#log.info({ plan_id: req.plan_id, round: req.round, resume: resume ?? undefined, logFile }, `planning ${req.plan_id} (round ${req.round}) from ${req.daily_log}`);
    const outcome = await this.options.runner.run({ prompt, logFile, resumeSessionId: resume, signal: req.signal, maxBudgetUsd: req.max_budget_usd, readOnly: true });
    const report = (result: PlanRunResult): PlanRunReport => {
      const seconds = Math.round((this.options.clock.now().getTime() - startedAt) / 1000);
      this.#log.info({ plan_id: req.plan_id, round: req.round, result: result.kind, cost_usd: outcome.cost_usd, seconds }, `planning ${req.plan_id} (round ${req.round}): ${result.kind}`);
      return { cost_usd: outcome.cost_usd, session_id: outcome.session_id ?? resume, result };
    };
    if (req.signal.aborted || outcome.kind === "cancelled") return report({ kind: "cancelled" });
    if (!outcome.ok) return report({ kind: "failed", error: this.#failure(outcome) });

    const answer = await readPlanAnswer(logFile, from);
    const draft = extractTaskFile(answer.result ?? outcome.summary ?? "") ?? (answer.exitPlan !== null ? extractTaskFile(answer.exitPlan) : null);
    if (draft === null) return report({ kind: "failed", error: NO_TASK_FILE });
    const checked = checkTaskText(draft, `${req.date}-tasks.md`);
    if (!checked.ok) return report({ kind: "invalid", issues: checked.issues.map(formatIssue) });

    if (req.signal.aborted) return report({ kind: "cancelled" });
    const written = await writeTaskDraft(this.options.tasksDir, req.date, draft, this.options.io);
    if (!written.ok) return report({ kind: "failed", error: written.error });
    return report({ kind: "written", file: written.file, kept_existing: written.kept_existing, tasks: checked.tasks.map(summaryOf) });
  }

  /** Claude's failure, for a person; a usage limit says when it resets, when that is known. */
  #failure(outcome: RunOutcome): string {
    const reason = outcome.reason ?? `claude failed (${outcome.kind})`;
    const resets = outcome.kind === "usage_limit" ? outcome.limit?.resets_at : null;
    if (!resets) return reason;
    const at = new Date(resets);
    const minutes = Math.max(0, Math.ceil((at.getTime() - this.options.clock.now().getTime()) / 60_000));
    const hhmm = at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    return `${reason} (it resets at ${hhmm}, in ${minutes} min: send /plan again then)`;
  }
}

/** A task as the phone lists it. */
function summaryOf(task: TaskDefinition): PlanTaskSummary {
  return { id: task.id, title: task.title, type: task.type, requires_approval: task.requires_approval, verify: [...task.verify] };
}

/** The daily log's text, bounded like a task file's read (a FIFO or device is refused at once). */
async function readDailyLog(file: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const { bytes } = await readRegularFile(file, { maxBytes: DAILY_LOG_MAX_BYTES, timeoutMs: DAILY_LOG_READ_TIMEOUT_MS });
    return { ok: true, text: bytes.toString("utf8") };
  } catch (error) {
    const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
    return { ok: false, error: `could not read the daily log ${file}: ${message}` };
  }
}
