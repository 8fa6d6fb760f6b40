import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";
import { systemClock, type Clock } from "../core/clock.js";
import { createLogger, type Logger } from "../logging/create-logger.js";
import { LogHealth, logProblemText } from "../logging/log-health.js";
import { LOG_PROBE_MS, probeLogsDir } from "../logging/probe-logs-dir.js";
import { Orchestrator } from "../orchestrator/orchestrator.js";
import { ClaudeRunner } from "../runner/claude-runner.js";
import { stateMarkerFor } from "../runner/kill-run-leftovers.js";
import type { Runner } from "../runner/runner.js";
import { readBootId } from "../store/boot-id.js";
import { acquireLock } from "../store/lock-file.js";
import { FileStateStore } from "../store/state-store.js";
import type { WorkTree } from "../git/work-tree.js";
import type { Verifier } from "../orchestrator/verifier.js";
import { CommandVerifier } from "../verify/command-verifier.js";
import { openWorkTree } from "./open-work-tree.js";
import { EventHistory } from "../history/event-history.js";
import { dayReporterFor, type DayReporter } from "../report/day-reporter.js";
import { LearningsFile } from "../learnings/learnings-file.js";
import { ClaudePlanner } from "../plan/claude-planner.js";
import { LogRetention, logsToKeep } from "../logging/log-retention.js";
import { OrchestratorMetrics } from "../metrics/orchestrator-metrics.js";
import { watchTransitions } from "../metrics/watch-transitions.js";

/** Sessions whose snapshot refs (refs/orchestrator/<session>/) are kept; older ones are removed at start. */
const KEEP_SNAPSHOT_SESSIONS = 5;

export interface OpenAppOptions {
  /** The environment the claude child inherits (minus our secrets). */
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Console stream for log lines (default stdout); null for none. */
  console?: NodeJS.WritableStream | null;
  /** Replaces the Claude Code runner (benchmarks, tests of the orchestration alone). */
  runner?: Runner;
  /** Keep undelivered n8n notifications in the state (when a notifier is configured). */
  outbox?: boolean;
  /**
   * Where "logs are not being written: …" (and "… written again") is said, once each time it
   * changes (default process.stderr: the log itself may be what fails); null for nowhere.
   */
  problemStream?: NodeJS.WritableStream | null;
  /** Replaces the git work tree found from git.enabled / claude.project_dir (null: git off). */
  workTree?: WorkTree | null;
  /** Replaces the Verify command runner. */
  verifier?: Verifier;
}

export interface App {
  config: Config;
  clock: Clock;
  logger: Logger;
  orchestrator: Orchestrator;
  /** Whether the logs under paths.logs_dir are being written. */
  logHealth: LogHealth;
  /** The event history's writer (events-YYYY-MM-DD.jsonl); Control's `history` flushes it before searching. */
  history: EventHistory;
  /** The day reports: written on its own when a session completes (onSessionReport hears it), and on request. */
  reports: DayReporter;
  /** What GET /metrics serves (metrics.enabled), fed by the orchestrator's transitions from the start; null when off. */
  metrics: OrchestratorMetrics | null;
  /** Ends a running task (marked interrupted), saves, releases the lock, closes the log. */
  close(): Promise<void>;
}

/**
 * Wires config -> logger -> lock -> state store -> runner -> orchestrator. The lock comes first:
 * a second instance on the same state file stops with AlreadyRunningError before touching anything.
 */
export async function openApp(config: Config, opts: OpenAppOptions): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const secretValues = [config.webhooks.secret, config.telegram.bot_token, config.webhooks.n8n_notify_url].filter(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  const logHealth = new LogHealth();
  const problemStream = opts.problemStream === undefined ? process.stderr : opts.problemStream;
  const unwatchLogs = logHealth.subscribe((problem) => {
    problemStream?.write(`orchestrator: ${problem ? logProblemText(problem) : "logs are being written again"}\n`);
  });
  const { logger, close: closeLogFile } = createLogger({
    level: config.logging.level,
    logsDir: config.paths.logs_dir,
    clock,
    console: opts.console,
    secrets: secretValues,
    health: logHealth,
  });
  // A log problem that stands is re-checked now and then, so an idle service notices that logs
  // can be written again (nothing else would write a line to find out): when a new file can be
  // written in logs_dir, a task log's failure is over, and a line tells the daily log to try again.
  const probe = setInterval(() => {
    if (logHealth.problem === null || probeLogsDir(config.paths.logs_dir) !== null) return;
    logHealth.ok("task_output");
    logger.info({ module: "logs" }, `${config.paths.logs_dir} can be written again`);
  }, LOG_PROBE_MS).unref();
  const closeLog = () => {
    clearInterval(probe);
    unwatchLogs();
    closeLogFile();
  };
  // A state file in a folder that does not exist yet (--state runs/today.json) gets its folder.
  await mkdir(path.dirname(config.paths.state_file), { recursive: true });
  const lock = await acquireLock(config.paths.state_file).catch((error: unknown) => {
    closeLog();
    throw error;
  });
  try {
    const store = new FileStateStore(config.paths.state_file, { clock, onWarning: (msg, ctx) => logger.error(ctx, msg) });
    // Drop our secrets from the child's env by name, and any other variable that carries one of their values.
    const dropEnv = [
      ...config.secret_env_names,
      ...Object.entries(opts.env)
        .filter(([, v]) => v !== undefined && secretValues.includes(v))
        .map(([k]) => k),
    ];
    // Every run carries the state file's mark, so a restart finds what a crash left running even
    // when the run's own marker never reached the state file.
    const stateMarker = stateMarkerFor(config.paths.state_file);
    const runner = opts.runner ?? new ClaudeRunner(config.claude, { env: opts.env, dropEnv, stateMarker });
    const workTree = opts.workTree !== undefined ? opts.workTree : await openWorkTree(config, opts.env);
    if (workTree) {
      logger.info({ module: "git", root: workTree.root }, `git: snapshots of ${workTree.root} before and after every task (diff, rollback)`);
      // Older sessions' snapshots go, so what only they kept can be collected; a failure costs only disk.
      await workTree
        .pruneSnapshots(KEEP_SNAPSHOT_SESSIONS)
        .then((pruned) => pruned.length > 0 && logger.info({ module: "git", sessions: pruned }, `git: removed the snapshot refs of ${pruned.length} older session(s)`))
        .catch((error: unknown) => logger.warn({ module: "git", err: error }, "git: could not remove older sessions' snapshot refs; they only take disk space"));
    }
    const verifier = opts.verifier ?? new CommandVerifier({ projectDir: config.claude.project_dir, env: opts.env, dropEnv, timeoutS: config.orchestrator.verify_timeout, killGraceS: config.claude.kill_grace, stateMarker });
    const learnings = new LearningsFile(config.orchestrator.learnings_file);
    const orchestrator = await Orchestrator.open({
      store,
      runner,
      clock,
      policy: config.orchestrator,
      logger,
      logsDir: config.paths.logs_dir,
      bootId: await readBootId(),
      outbox: opts.outbox ?? false,
      maxContinuations: config.claude.max_continuations,
      orphanGraceMs: config.claude.kill_grace * 1000,
      stateMarker,
      logHealth,
      workTree,
      verifier,
      // /plan: Claude drafts paths.tasks_dir/<date>-tasks.md from the daily log, read-only, with the same runner.
      planner: new ClaudePlanner({ runner, logsDir: config.paths.logs_dir, tasksDir: config.paths.tasks_dir, clock, logger }),
      checks: { verify: config.orchestrator.verify, verifyRetries: config.orchestrator.verify_retries, commit: config.git.commit },
      permissionTimeoutS: config.claude.permission_timeout,
      budget: { dailyUsd: config.orchestrator.daily_budget_usd, warnRatio: config.orchestrator.budget_warn_ratio },
      // The lessons from /learn go into every fresh task prompt (the file's last 8 KiB; no file: none).
      learnings: () => learnings.read(),
    });
    // Every transition from here on, as a line of the event history (commands with who sent them).
    const history = new EventHistory({ dir: config.paths.logs_dir, clock, health: logHealth, logger });
    history.attach(orchestrator);
    // results/<date>-report.md when a session completes, for the service and `orchestrator run`
    // alike. Subscribed after the history, so the completion's own line is queued (and flushed by
    // the report) before the report reads the history.
    const reports = dayReporterFor(config, clock, logger, history);
    const unwatchReports = reports.watch(orchestrator);
    // logging.retention_days: old task, verify, plan and daily logs go now and once a day (null: never).
    const retention = config.logging.retention_days === null ? null : new LogRetention({
      logsDir: config.paths.logs_dir,
      retentionDays: config.logging.retention_days,
      clock,
      logger,
      keep: () => logsToKeep(orchestrator.state),
      protectedDirs: [config.paths.results_dir, config.paths.feedback_dir, config.paths.daily_dir, config.paths.tasks_dir, path.dirname(config.paths.state_file)],
    });
    retention?.start();
    // metrics.enabled: counters fed by every transition from here on; gauges read the state at each scrape.
    const metrics = config.metrics.enabled ? new OrchestratorMetrics({ state: () => orchestrator.state }) : null;
    const unwatchMetrics = metrics ? watchTransitions(metrics, orchestrator, clock) : () => undefined;
    let closed: Promise<void> | null = null;
    return {
      config,
      clock,
      logger,
      orchestrator,
      logHealth,
      history,
      reports,
      metrics,
      close: () =>
        (closed ??= (async () => {
          await retention?.stop(); // its timer, and a sweep under way (at most STOP_WAIT_MS)
          await orchestrator.shutdown();
          // A session that just completed gets its report written before the app goes (it reads the history).
          await reports.idle();
          unwatchReports();
          unwatchMetrics();
          await history.close(); // the shutdown's own transitions (interrupted) are in it
          // Every save is done: what the store kept beside the file goes before the lock does.
          await store.close().catch((error: unknown) => logger.warn({ err: error }, "could not remove the state file's spare; the next start does"));
          await lock.release();
          closeLog();
        })()),
    };
  } catch (error) {
    await lock.release();
    closeLog();
    throw error;
  }
}
