import type { Clock } from "../core/clock.js";
import type { SessionState, TaskRecord } from "../core/state.js";
import type { Change } from "../orchestrator/orchestrator.js";
import { FINAL_TASK_STATUSES, type FinalTaskStatus, type OrchestratorMetrics } from "./orchestrator-metrics.js";

const FINAL = new Set<string>(FINAL_TASK_STATUSES);

/** What watchTransitions needs of the orchestrator: its changes. */
export interface ChangeSource {
  subscribe(listener: (change: Change) => void): () => void;
}

/**
 * Feeds the counters and histograms from the orchestrator's transitions; returns the unsubscribe.
 * Only changes that changed the state count (a refused or stale report changes nothing). What
 * happened before this process started is not counted: the counters start at zero, and a wait
 * for approval already under way at start is not timed (its start is not known).
 */
export function watchTransitions(metrics: OrchestratorMetrics, orchestrator: ChangeSource, clock: Clock): () => void {
  /** The approval wait under way: which session and task, since when (ms). */
  let approval: { key: string; sinceMs: number } | null = null;

  const timeApproval = (state: SessionState) => {
    const key = state.status === "waiting_approval" ? `${state.session_id}#${state.current_task_index}` : null;
    if (approval && approval.key === key) return;
    const now = clock.now().getTime();
    if (approval) metrics.personWait.observe({ kind: "approval" }, Math.max(0, (now - approval.sinceMs) / 1000));
    approval = key === null ? null : { key, sinceMs: now };
  };

  return orchestrator.subscribe((change) => {
    const { event, state, previous } = change;
    if (state === previous) return;
    timeApproval(state);
    // A new session's tasks are new, whatever their index: compared with nothing.
    const before = (i: number): TaskRecord | undefined => (previous.session_id === state.session_id ? previous.tasks[i] : undefined);
    for (const [i, task] of state.tasks.entries()) {
      const was = before(i);
      if (task.status !== was?.status && FINAL.has(task.status)) {
        const status = task.status as FinalTaskStatus;
        metrics.tasksFinished.inc({ status });
        if (task.duration_s !== null) metrics.taskDuration.observe({ status }, task.duration_s);
      }
      const waited = (task.limit_wait_s ?? 0) - (was?.limit_wait_s ?? 0);
      if (waited > 0) metrics.usageLimitWaitSeconds.inc(waited);
    }
    const limit = state.limit ?? null;
    const earlier = previous.limit ?? null;
    if (limit && (limit.since !== earlier?.since || limit.index !== earlier.index || limit.hits !== earlier.hits)) metrics.usageLimitWaits.inc();
    countAnswers(metrics, previous, state);
    if (event.type === "task_finished") {
      const { cost_usd, tokens } = event.outcome;
      if (cost_usd !== null && cost_usd > 0) metrics.cost.inc({ source: "task" }, cost_usd);
      if (tokens) {
        metrics.tokens.inc({ kind: "input" }, tokens.input_tokens);
        metrics.tokens.inc({ kind: "output" }, tokens.output_tokens);
        metrics.tokens.inc({ kind: "cache_creation" }, tokens.cache_creation_input_tokens);
        metrics.tokens.inc({ kind: "cache_read" }, tokens.cache_read_input_tokens);
      }
    } else if (event.type === "plan_finished") {
      if (event.cost_usd !== null && event.cost_usd > 0) metrics.cost.inc({ source: "plan" }, event.cost_usd);
    } else if (event.type === "task_verified" && !event.verification.cancelled) {
      for (const command of event.verification.record.commands) {
        metrics.verificationDuration.observe({ result: command.exit_code === 0 ? "passed" : "failed" }, command.duration_s);
      }
    }
  });
}

/** Permission requests and questions a person answered in this change: asked -> answered. Expired ones had no person. */
function countAnswers(metrics: OrchestratorMetrics, previous: SessionState, state: SessionState): void {
  const pending = new Set((previous.permissions ?? []).filter((p) => p.status === "pending").map((p) => p.id));
  if (pending.size === 0) return;
  for (const p of state.permissions ?? []) {
    if (!pending.has(p.id) || p.status === "pending" || p.status === "expired" || p.answered_at === null) continue;
    const seconds = (Date.parse(p.answered_at) - Date.parse(p.asked_at)) / 1000;
    if (Number.isFinite(seconds)) metrics.personWait.observe({ kind: p.kind === "question" ? "question" : "permission" }, Math.max(0, seconds));
  }
}
