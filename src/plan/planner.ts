import type { PlanRunResult } from "../core/plan.js";

/** One planning run (the run_plan effect), as the orchestrator hands it to the planner edge. */
export interface PlanRequest {
  plan_id: string;
  /** The daily log to plan from (absolute). */
  daily_log: string;
  /** The date of the task file to write (`<tasks_dir>/<date>-tasks.md`, or `-2`, `-3`… beside an existing one). */
  date: string;
  /** 0: a fresh session drafts the file; 1: resume_session_id is told `issues` and answers a fixed file. */
  round: number;
  resume_session_id: string | null;
  /** What our parser found wrong in the previous draft (`file:line: message`), for round 1. */
  issues: string[];
  /** --max-budget-usd: what is left of today's budget (null: none). */
  max_budget_usd: number | null;
  /** Aborted by discard or shutdown: the run ends (whole process group) and nothing is written. */
  signal: AbortSignal;
}

/** What a planning run came to. */
export interface PlanRunReport {
  cost_usd: number | null;
  session_id: string | null;
  result: PlanRunResult;
}

/**
 * The edge that drafts a task file with Claude: reads the daily log, runs Claude read-only in
 * claude.project_dir, takes the task file from its answer, checks it with our parser and, when it
 * parses, writes it (never over an existing file). Never rejects: every failure is a result.
 */
export interface Planner {
  plan(request: PlanRequest): Promise<PlanRunReport>;
}
