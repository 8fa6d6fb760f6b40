import path from "node:path";
import type { Config } from "../config/config.js";
import type { Clock } from "../core/clock.js";
import { TaskFileError } from "../core/errors.js";
import { sessionIdFor } from "../core/session-id.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import { formatStatus } from "../render/format-status.js";
import { loadTaskSet } from "../tasks/load-task-file.js";
import { resolveDailyLog } from "../plan/resolve-daily-log.js";
import { readyPlan, showPlan } from "../plan/plan-control.js";
import { unfinishedQuestion } from "./unfinished-question.js";
import { ControlError } from "./control-error.js";
import type { ControlRequest, ControlResult, PendingPermission, PermissionsData } from "./control-types.js";
import { readLogTail } from "./read-log-tail.js";
import { resolveTaskFile } from "./resolve-task-file.js";
import { statusData } from "./status-data.js";
import { taskDiff } from "./task-diff.js";
import { pendingPermissions } from "../core/machine/permissions.js";
import { describePermission } from "../core/describe-permission.js";
import { alwaysRuleOf, ruleText } from "../core/permission.js";
import { startSession } from "../orchestrator/start-session.js";
import { lastFinishedIndex } from "../core/machine/rollback.js";
import type { OrchestratorEvent } from "../core/events.js";
import { executeHistory } from "../history/history-control.js";
import { dayReporterFor, type DayReporter } from "../report/day-reporter.js";
import { reportResult } from "../report/report-control.js";
import type { CommandRecord } from "../history/history-entry.js";
import { FeedbackBook } from "../feedback/feedback-book.js";
import { executeFeedback } from "../feedback/feedback-control.js";
import { LearningsFile } from "../learnings/learnings-file.js";
import { executeLearn } from "../learnings/learn-control.js";

/** How long /cancel waits for the task to stop before answering "stopping" (the runner's own kill is bounded by kill_grace). */
const CANCEL_WAIT_MS = 15_000;
/** How long /rollback waits for the work tree to be restored before answering that it is still going. */
const ROLLBACK_WAIT_MS = 120_000;

export const HELP_TEXT = `Commands:
/start [file] - load today's task file (or the one named) and begin
/status - progress and the current task
/approve - run the task waiting for approval
/pause - stop before the next task
/resume - continue after a pause
/skip - skip the current task
/retry [feedback] - run a failed or interrupted task again
/cancel - stop the running task now (it waits for you)
/diff [n] - what task n (default: the last one that ran) changed
/rollback [n] - undo task n and every later task (asks first)
/tell <text> - a message for the running task's Claude (read on its next turn)
/permissions - the pending permission requests and the session's "always" rules
/budget [dollars] - today's spend, or set today's budget
/history [term] - who did what and when: the event history (/history approve task 3)
/report [date] - the day's report (results/<date>-report.md)
/feedback [n] up|down|1-5 [note] - your verdict on task n (default: the last finished), into feedback/<date>.md
/learn <text> - a lesson every later task's prompt carries
/plan [daily_log] - Claude drafts today's task file from the daily log (/plan show | start | discard)
/dashboard - a one-time sign-in link for the web dashboard (valid 10 minutes; Telegram)
/logs [n] - the last n log lines (default 20)
/help - this list`;

export interface ControlOptions {
  orchestrator: Orchestrator;
  config: Config;
  clock: Clock;
  /**
   * The event history's writer (App.history): `history` writes what it holds before searching;
   * feedback and learn, which the orchestrator never sees, are recorded in it. Absent: the files as they are.
   */
  history?: { flush(): Promise<void>; recordCommand?(command: CommandRecord): void } | null;
  /** Writes the day reports (App.reports, so a session's completion and /report share one); absent: one made from config. */
  reports?: DayReporter | null;
}

/**
 * What every surface calls: turns a request into orchestrator commands and reads, and answers
 * in one shape. Task files named by a caller are confined to paths.tasks_dir.
 */
export class Control {
  #feedback: FeedbackBook | null = null;
  #learnings: LearningsFile | null = null;

  constructor(readonly options: ControlOptions) {}

  async execute(request: ControlRequest): Promise<ControlResult> {
    try {
      return await this.#execute(request);
    } catch (error) {
      if (error instanceof ControlError) return { ok: false, code: error.code, message: error.message, data: {} };
      if (error instanceof TaskFileError) return { ok: false, code: "bad_request", message: error.message, data: { issues: error.issues } };
      throw error;
    }
  }

  status(): ControlResult {
    const { orchestrator, clock } = this.options;
    const now = clock.now();
    const problems = orchestrator.problems;
    const data = statusData(orchestrator.state, now, problems, this.options.config.orchestrator.daily_budget_usd);
    const b = data.budget;
    const spend = b.spent_usd > 0 || b.budget_usd !== null ? `\nSpent today: $${b.spent_usd.toFixed(2)}${b.budget_usd !== null ? ` of $${b.budget_usd.toFixed(2)}` : ""}` : "";
    return { ok: true, code: "ok", message: `${formatStatus(orchestrator.state, now, problems)}${spend}`, data: { ...data } };
  }

  /** The pending permission requests (oldest first) and the session's "always" rules. */
  permissions(): ControlResult {
    const state = this.options.orchestrator.state;
    const timeoutMs = this.options.config.claude.permission_timeout * 1000;
    const pending: PendingPermission[] = pendingPermissions(state).map((p) => ({
      id: p.id,
      task: p.index + 1,
      kind: p.kind,
      tool: p.tool,
      input: p.input,
      description: p.description,
      summary: describePermission(p),
      always_rule: ruleText(alwaysRuleOf(p)),
      blocked_path: p.blocked_path,
      asked_at: p.asked_at,
      expires_at: new Date(Date.parse(p.asked_at) + timeoutMs).toISOString(),
    }));
    const rules = state.always_rules ?? [];
    const lines = [
      pending.length === 0 ? "No permission request is waiting." : `Waiting for an answer (${pending.length}):`,
      ...pending.map((p) => `  ${p.id}: Task ${p.task} wants ${p.kind === "question" ? "an answer: " : "to run "}${p.summary} (asked ${p.asked_at})`),
      rules.length === 0 ? "No \"always\" rules in this session." : `Always allowed in this session: ${rules.join(", ")}`,
    ];
    const data: PermissionsData = { pending, always_rules: rules };
    return { ok: true, code: "ok", message: lines.join("\n"), data: { ...data } };
  }

  /** For GET /health: healthy, or the problems that make it degraded ("cannot save the state: …"). */
  health(): { ok: boolean; problems: string[] } {
    const problems = this.options.orchestrator.problems;
    return { ok: problems.length === 0, problems };
  }

  async #execute(request: ControlRequest): Promise<ControlResult> {
    const { config, clock } = this.options;
    switch (request.command) {
      case "status":
        return this.status();
      case "help":
        return { ok: true, code: "ok", message: HELP_TEXT, data: {} };
      case "logs": {
        const lines = request.lines ?? 20;
        const file = path.join(config.paths.logs_dir, `${localDate(clock.now())}.log`);
        const tail = await readLogTail(file, lines);
        const message = tail.length > 0 ? `📜 Recent Logs (last ${tail.length} lines)\n\n${tail.join("\n")}\n\nFull logs: ${file}` : `No log lines yet today (${file}).`;
        return { ok: true, code: "ok", message, data: { logs: tail.join("\n"), file, lines: tail.length } };
      }
      case "start":
        return this.#start(request.task_file ?? null, request.by ?? null, request.replace === true);
      case "plan": {
        const planned = await this.#dispatch({ type: "plan", daily_log: await resolveDailyLog(config.paths.daily_dir, request.daily_log, localDate(clock.now())), date: localDate(clock.now()), by: request.by ?? null });
        // The plan as it now stands (running, with its id), so a caller can follow it without asking back.
        return { ...planned, data: { ...planned.data, plan: this.options.orchestrator.state.plan ?? null } };
      }
      case "plan_show":
        return showPlan(this.options.orchestrator.state);
      case "plan_start": {
        const plan = readyPlan(this.options.orchestrator.state, request.id ?? null);
        return this.#start(plan.file, request.by ?? null, request.replace === true);
      }
      case "plan_discard":
        return this.#dispatch({ type: "discard_plan", id: request.id ?? null, by: request.by ?? null });
      case "feedback":
        return executeFeedback(request, { state: this.options.orchestrator.state, book: (this.#feedback ??= new FeedbackBook(config.paths.feedback_dir)), clock, history: this.options.history ?? null, reports: this.options.reports ?? dayReporterFor(config, clock) });
      case "learn":
        return executeLearn(request, { state: this.options.orchestrator.state, file: (this.#learnings ??= new LearningsFile(config.orchestrator.learnings_file)), clock, history: this.options.history ?? null });
      case "retry":
        return this.#dispatch({ type: "retry", feedback: request.feedback ?? null, by: request.by ?? null });
      case "cancel":
        return this.#cancel(request.by ?? null);
      case "diff":
        return this.#diff(request.task ?? null);
      case "rollback":
        return this.#rollback(request);
      case "tell":
        return this.#dispatch({ type: "tell", text: request.text, by: request.by ?? null });
      case "permissions":
        return this.permissions();
      case "permission":
        return this.#dispatch({ type: "answer_permission", id: request.id, decision: request.decision, message: request.message ?? null, by: request.by ?? null }, { id: request.id, decision: request.decision });
      case "answer":
        return this.#dispatch({ type: "answer_permission", id: request.id, decision: "answer", answers: request.answers, by: request.by ?? null }, { id: request.id });
      case "revoke":
        return this.#dispatch({ type: "revoke_rule", rule: request.rule, by: request.by ?? null });
      case "budget": {
        if (request.usd == null) {
          const { budget } = statusData(this.options.orchestrator.state, clock.now(), [], config.orchestrator.daily_budget_usd);
          const of = budget.budget_usd !== null ? ` of $${budget.budget_usd.toFixed(2)}` : " (no budget: set orchestrator.daily_budget_usd, or /budget <dollars> for today)";
          return { ok: true, code: "ok", message: `Spent today: $${budget.spent_usd.toFixed(2)}${of}.`, data: { ...budget } };
        }
        return this.#dispatch({ type: "budget", usd: request.usd, by: request.by ?? null });
      }
      case "history":
        return executeHistory(request, config.paths.logs_dir, this.options.history ?? null);
      case "report":
        return reportResult(this.options.reports ?? dayReporterFor(config, clock), this.options.orchestrator.state, request.date ?? null);
      default:
        return this.#dispatch({ type: request.command, by: ("by" in request ? request.by : null) ?? null });
    }
  }

  /**
   * Loads a task file (today's by default) and starts it. A session left unfinished on an earlier
   * day is not replaced unasked: the refusal carries data.unfinished, so a surface can ask
   * "continue it, or start today's file?" (replace: true is the second answer). No task file for
   * today but a daily log: the refusal says /plan drafts one (data.daily_log).
   */
  async #start(taskFile: string | null, by: string | null, replace: boolean): Promise<ControlResult> {
    const { config, clock, orchestrator } = this.options;
    const today = localDate(clock.now());
    const question = replace ? null : await unfinishedQuestion(orchestrator.state, today, () => resolveTaskFile(config.paths.tasks_dir, taskFile, today).catch(() => null));
    if (question) return question;
    let file: string;
    try {
      file = await resolveTaskFile(config.paths.tasks_dir, taskFile, today);
    } catch (error) {
      const dailyLog = taskFile === null && error instanceof ControlError && error.code === "not_found" ? await resolveDailyLog(config.paths.daily_dir, null, today).catch(() => null) : null;
      if (!dailyLog) throw error;
      return { ok: false, code: "not_found", message: `${(error as Error).message} There is a daily log (${dailyLog}): send /plan to draft today's task file from it.`, data: { daily_log: dailyLog } };
    }
    const { tasks, max_cost_usd } = await loadTaskSet(file);
    const start = { type: "start" as const, task_file: file, tasks, session_id: sessionIdFor(clock.now()), by, replace, max_cost_usd };
    return this.#dispatch(start, { task_file: file, tasks: tasks.map((t) => ({ id: t.id, title: t.title, type: t.type })) }, () => startSession(orchestrator, start, config.git.branch));
  }

  /** Cancels the running task and answers once it has stopped (or after CANCEL_WAIT_MS, saying it is stopping). */
  async #cancel(by: string | null): Promise<ControlResult> {
    const { orchestrator } = this.options;
    const index = orchestrator.state.current_task_index;
    const result = await this.#dispatch({ type: "cancel", by });
    if (!result.ok) return result;
    const stopped = await orchestrator.waitFor((s) => s.tasks[index]?.status !== "running", CANCEL_WAIT_MS).then(() => true, () => false);
    if (!stopped) return result;
    const task = orchestrator.state.tasks[index];
    return { ...result, message: `⏹ Cancelled Task ${index + 1}: ${task?.title ?? ""}. It waits for you: /retry [feedback] runs it again, /skip moves on, /diff and /rollback show and undo what it changed.`, data: { ...this.status().data } };
  }

  async #diff(task: number | null): Promise<ControlResult> {
    const { orchestrator } = this.options;
    const tree = orchestrator.workTree;
    if (!tree) throw new ControlError("refused", "No diff: git is off (claude.project_dir is not inside a git work tree, or git.enabled is false).");
    const state = orchestrator.state;
    if (state.tasks.length === 0) throw new ControlError("refused", "No diff: no session has started. Send /start to load a task file.");
    const index = task !== null ? task - 1 : (lastFinishedIndex(state) ?? (state.status === "running" ? state.current_task_index : null));
    if (index === null) throw new ControlError("refused", "No diff yet: no task of this session has run with a snapshot.");
    const data = await taskDiff(tree, state, index);
    const more = data.truncated ? " (cut: see the data's note for the whole diff)" : "";
    return { ok: true, code: "ok", message: `Task ${data.task}: ${data.title}: ${data.summary}${more}`, data: { ...data } };
  }

  /** Rolls back and answers once the work tree is restored (the rollback's own report). */
  async #rollback(request: Extract<ControlRequest, { command: "rollback" }>): Promise<ControlResult> {
    if (request.confirm !== true) {
      throw new ControlError("bad_request", 'A rollback changes files in the work tree: send "confirm": true to do it (CLI: orchestrator rollback [N] --yes).');
    }
    const { orchestrator } = this.options;
    const index = request.task != null ? request.task - 1 : null;
    type Done = { event: Extract<OrchestratorEvent, { type: "rollback_done" }>; message: string; undone: number[] };
    let done!: (d: Done) => void;
    const finished = new Promise<Done>((resolve) => (done = resolve));
    const off = orchestrator.subscribe((c) => {
      const event = c.event;
      if (event.type !== "rollback_done") return;
      const note = c.effects.find((e) => e.type === "notify" && e.notification.event === "task_rolled_back");
      const undone = c.state.tasks.flatMap((t, i) => (i > event.index && t.status === "rolled_back" && c.previous.tasks[i]?.status !== "rolled_back" ? [i + 1] : []));
      done({ event, message: note?.type === "notify" ? note.notification.message : c.reply.message, undone });
    });
    try {
      const result = await this.#dispatch({ type: "rollback", index, by: request.by ?? null });
      if (!result.ok) return result;
      const timeout = new Promise<null>((resolve) => setTimeout(resolve, ROLLBACK_WAIT_MS, null).unref());
      const outcome = await Promise.race([finished, timeout]);
      if (!outcome) return { ...result, message: `${result.message} It is still going after ${ROLLBACK_WAIT_MS / 1000} s; /status shows when it is done.` };
      const { event, message, undone } = outcome;
      const ok = event.error === null;
      return { ok, code: ok ? "ok" : "refused", message, data: { task: event.index + 1, restored: event.restored, removed: event.removed, undone } };
    } finally {
      off();
    }
  }

  async #dispatch(command: Parameters<Orchestrator["dispatch"]>[0], extra: Record<string, unknown> = {}, send = () => this.options.orchestrator.dispatch(command)): Promise<ControlResult> {
    const { orchestrator, clock } = this.options;
    // Refused because of the service (shutting down, the state cannot be saved, still recovering),
    // not because of the session: 503, try again later.
    const unavailable = orchestrator.unavailable;
    const reply = unavailable ? { ok: false, message: unavailable } : await send();
    const code = reply.ok ? "ok" : unavailable || /shutting down|Could not save|still recovering/.test(reply.message) ? "unavailable" : "refused";
    return { ok: reply.ok, code, message: reply.message, data: { ...extra, ...statusData(orchestrator.state, clock.now(), orchestrator.problems, this.options.config.orchestrator.daily_budget_usd) } };
  }
}
