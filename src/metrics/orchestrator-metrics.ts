import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SessionState, TaskStatus } from "../core/state.js";

/** The statuses a task ends a run of work in: what orchestrator_tasks_finished_total counts. */
export const FINAL_TASK_STATUSES = ["completed", "failed", "skipped", "interrupted", "rolled_back"] as const satisfies readonly TaskStatus[];
export type FinalTaskStatus = (typeof FINAL_TASK_STATUSES)[number];

export const TOKEN_KINDS = ["input", "output", "cache_creation", "cache_read"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Who or what a person was waiting on: an approval of the next task, a tool call, or Claude's question. */
export type PersonWaitKind = "approval" | "permission" | "question";

/** Why a notification did not reach n8n on one try: "failed" is retried (5xx, network...), "rejected" (4xx) is dropped. */
export type DeliveryFailureKind = "failed" | "rejected";

export interface OrchestratorMetricsOptions {
  /** The session state the gauges read at each scrape (pending permission requests, outbox depth). */
  state: () => SessionState;
  /**
   * prom-client's process and Node.js metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes,
   * nodejs_eventloop_lag_seconds...) on this registry, under their usual names so the usual
   * Node.js dashboards work (default true).
   */
  processMetrics?: boolean;
}

// Seconds. Tasks run minutes to an hour or two; verify commands seconds to minutes; a person
// answers within seconds or after an evening.
const TASK_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const VERIFY_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600];
const PERSON_BUCKETS = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200];

/**
 * The orchestrator's Prometheus metrics on a registry of its own (never prom-client's global one:
 * each app, and each test, has its own). Counters and histograms are fed by watchTransitions
 * (orchestrator changes) and by the notifier's and the bot's failure hooks; they start at zero at
 * every start, as Prometheus expects. The gauges are read from the state at each scrape.
 */
export class OrchestratorMetrics {
  readonly registry = new Registry();

  readonly tasksFinished = new Counter({
    name: "orchestrator_tasks_finished_total",
    help: "Tasks that reached a final status (completed, failed, skipped, interrupted, rolled_back); a retried task counts each time.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });

  readonly taskDuration = new Histogram({
    name: "orchestrator_task_duration_seconds",
    help: "Duration of tasks that reached a final status, seconds (the task's duration_s: all its attempts, usage-limit waits included).",
    labelNames: ["status"] as const,
    buckets: TASK_BUCKETS,
    registers: [this.registry],
  });

  readonly verificationDuration = new Histogram({
    name: "orchestrator_verification_duration_seconds",
    help: "Duration of each Verify command run, seconds; result passed (exit 0) or failed.",
    labelNames: ["result"] as const,
    buckets: VERIFY_BUCKETS,
    registers: [this.registry],
  });

  readonly cost = new Counter({
    name: "orchestrator_cost_usd_total",
    help: "What Claude's runs cost, US dollars, as the Claude CLI reported it; source task or plan.",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: "orchestrator_tokens_total",
    help: "Tokens of Claude's task runs by kind: input, output, cache_creation, cache_read.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly personWait = new Histogram({
    name: "orchestrator_person_wait_seconds",
    help: "Time the session waited for a person, seconds: kind approval (waiting_approval until approved, skipped...), permission (a tool call) or question (AskUserQuestion), until answered.",
    labelNames: ["kind"] as const,
    buckets: PERSON_BUCKETS,
    registers: [this.registry],
  });

  readonly usageLimitWaits = new Counter({
    name: "orchestrator_usage_limit_waits_total",
    help: "Runs stopped by a usage limit (the session then waits for the reset).",
    registers: [this.registry],
  });

  readonly usageLimitWaitSeconds = new Counter({
    name: "orchestrator_usage_limit_wait_seconds_total",
    help: "Seconds tasks waited for usage limits to reset (counted when each wait ends).",
    registers: [this.registry],
  });

  readonly notifyFailures = new Counter({
    name: "orchestrator_notify_delivery_failures_total",
    help: "Tries to deliver a notification to n8n that failed: kind failed (5xx, timeout, network; retried) or rejected (4xx; dropped).",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly telegramErrors = new Counter({
    name: "orchestrator_telegram_api_errors_total",
    help: "Telegram Bot API calls that failed, retries included: method, and reason (the error code Telegram gave, network or timeout).",
    labelNames: ["method", "reason"] as const,
    registers: [this.registry],
  });

  constructor(opts: OrchestratorMetricsOptions) {
    const { state } = opts;
    new Gauge({
      name: "orchestrator_permission_requests_pending",
      help: "Claude's permission requests and questions waiting for an answer now.",
      registers: [this.registry],
      collect() {
        this.set((state().permissions ?? []).filter((p) => p.status === "pending").length);
      },
    });
    new Gauge({
      name: "orchestrator_notify_outbox_depth",
      help: "Notifications waiting in the state's outbox for n8n (0 when n8n is off).",
      registers: [this.registry],
      collect() {
        this.set((state().outbox ?? []).length);
      },
    });
    // Every series shows from the first scrape, at 0: rate() needs the zero before the first task.
    for (const status of FINAL_TASK_STATUSES) this.tasksFinished.inc({ status }, 0);
    for (const kind of TOKEN_KINDS) this.tokens.inc({ kind }, 0);
    for (const source of ["task", "plan"]) this.cost.inc({ source }, 0);
    for (const kind of ["failed", "rejected"]) this.notifyFailures.inc({ kind }, 0);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The notifier's hook: one try of a delivery failed. */
  notifyFailed(kind: DeliveryFailureKind): void {
    this.notifyFailures.inc({ kind });
  }

  /** The bot's hook: one Telegram API call failed (reason: "429", "502", "network", "timeout"...). */
  telegramApiError(method: string, reason: string): void {
    this.telegramErrors.inc({ method: method.slice(0, 40), reason: reason.slice(0, 20) });
  }

  /** The text format Prometheus scrapes (text/plain; version=0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
