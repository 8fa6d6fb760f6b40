import type { TaskDefinition } from "./task.js";
import type { TokenUsage } from "./run-outcome.js";
import type { PermissionRecord } from "./permission.js";
import type { PlanRecord } from "./plan.js";

export type SessionStatus =
  | "idle"
  | "waiting_approval"
  | "running"
  | "paused"
  | "task_failed"
  /** A run was stopped by a usage limit: the task continues by itself at resume_at (src/core/machine/usage-limits.ts). */
  | "waiting_limit"
  | "completed";

export type TaskStatus = "pending" | "running" | "completed" | "failed" | "skipped" | "interrupted" | "rolled_back";

/** A path a task changed, as `git diff` sees it between the task's before and after snapshots. */
export interface FileChangeRecord {
  path: string;
  status: "added" | "modified" | "deleted" | "renamed";
  /** The path before a rename. */
  old_path?: string;
  /** Lines added / removed; null for a binary file. */
  insertions: number | null;
  deletions: number | null;
}

/**
 * The task's snapshots of the whole work tree (tracked and untracked, honouring .gitignore), taken
 * without touching the person's index, branches or HEAD (see src/git/). `base`: before the task's
 * first attempt (what a rollback restores); `head`: after its latest attempt. Tree ids.
 */
export interface TaskGitRecord {
  base: string | null;
  head: string | null;
  /** The snapshot commits (kept alive by refs/orchestrator/...), for `git diff` by hand. */
  base_commit: string | null;
  head_commit: string | null;
  /** HEAD's commit when the base was taken (null: no commits yet); git.commit: task resets to it on rollback. */
  head_before: string | null;
}

/** What `Verify:` and the deliverables check came to (see src/verify/). */
export interface VerificationRecord {
  passed: boolean;
  /** Verification runs so far in this attempt (1 + the times Claude was sent back to fix it). */
  attempts: number;
  commands: { command: string; exit_code: number | null; duration_s: number; log: string | null }[];
  /** Deliverables that did not exist at the last check. */
  missing: string[];
  /** One line for a person ("npm test exited 1: 2 failing"), null when it passed. */
  failure: string | null;
  /** "✅ verified: npm test (12 s)" / "❌ npm test failed". */
  summary: string;
  /** Why the verify log could not be opened or was cut short (a full disk); null or absent when it was written whole. */
  log_error?: string | null;
}

/** The step of a running task after Claude's run: its checks, then its commit (git.commit: task). */
export type TaskPhase = "claude" | "verifying" | "committing";

/** A task in the state file: its definition plus everything that happened to it. */
export interface TaskRecord extends TaskDefinition {
  status: TaskStatus;
  /** How many times it was started (retries and restarts after a crash count). */
  attempts: number;
  started_at: string | null;
  completed_at: string | null;
  duration_s: number | null;
  result: "success" | "failed" | "skipped" | "interrupted" | "rolled_back" | null;
  summary: string | null;
  error: string | null;
  /** The task's output log; null until something of a run was written there (never a path that was not written). */
  output_log: string | null;
  /**
   * Why the output log of the task's last run is missing or incomplete: it could not be opened
   * ("could not open the output log: EROFS: read-only file system, open '…'") or a write failed
   * part-way ("the output log was cut short after 1.2 MB: ENOSPC: no space left on device, write").
   * null when the log holds the whole run (and in state files written before this field).
   */
  output_log_error?: string | null;
  /** The end of the child's stderr (up to 4,000 characters), kept here when output_log_error says the log could not keep it; else null. */
  stderr_tail?: string | null;
  claude_session_id: string | null;
  cost_usd: number | null;
  tokens: TokenUsage | null;
  num_turns: number | null;
  permission_denials: string[];
  /** Process id / group of the running claude child, kept so a restart can kill an orphan. */
  pid: number | null;
  pgid: number | null;
  /** Kernel boot id when the child was spawned: after a reboot the recorded pgid means nothing. */
  boot_id: string | null;
  /**
   * The run's ORCHESTRATOR_RUN_ID, which every process the run started inherits, also those that
   * left its group (Claude Code's Bash tool uses setsid). A restart ends whatever still carries it;
   * unique, so safe to use after a reboot too. Kept (with pid/pgid) on a task interrupted by a
   * crash until that is done. null otherwise (absent in older state files).
   */
  run_marker: string | null;
  /** Text a person gave with `retry`, sent to Claude on the next attempt. */
  feedback: string | null;
  /** A skip was asked for while this task ran; it is cancelled and marked skipped. */
  skip_requested: boolean;
  /** Automatic continuations (--resume after the turn limit) in the current attempt. */
  continuations: number;
  /** What step a running task is in; null when it is not running. Absent in older state files. */
  phase?: TaskPhase | null;
  /** Snapshots around the task (null: git is off, or the task never ran). */
  git?: TaskGitRecord | null;
  /** What the task changed, base to head (empty when nothing or unknown: see git). */
  files_changed?: FileChangeRecord[];
  insertions?: number | null;
  deletions?: number | null;
  /** null: the task has no Verify commands and no deliverables (or has not been checked yet). */
  verification?: VerificationRecord | null;
  /**
   * Why what the task changed could not be recorded (the snapshot after a run failed: a full disk,
   * a broken repository); files_changed is then what was known before. null when it was recorded.
   */
  changes_error?: string | null;
  /** The commit of the task's changes (git.commit: task), or null. */
  commit?: string | null;
  /** Why the commit could not be made; null when it was (or none was due). */
  commit_error?: string | null;
  /**
   * Why the running task is to end interrupted once its run stops: a person pressed Stop on a
   * permission request ("stopped by Telegram @ana when asked to run Bash: rm -rf build"), or
   * nobody answered in time ("waited 30 min for permission to run Bash: npm test").
   */
  stop_reason?: string | null;
  /** /retry continues this task's Claude session (it was parked waiting for a permission). */
  resume_on_retry?: boolean;
  /** Who asked to cancel the running task ("Telegram @ana", "the HTTP API", "the CLI"); it ends as interrupted. */
  cancel_requested_by?: string | null;
  /** Runs of the current attempt that continued its Claude session after a usage limit (their costs add up). */
  limit_resumes?: number;
  /** Seconds this task waited for usage limits to reset, all attempts (its duration_s includes them). */
  limit_wait_s?: number | null;
}

export interface SessionState {
  version: 1;
  session_id: string | null;
  task_file: string | null;
  current_task_index: number;
  status: SessionStatus;
  tasks: TaskRecord[];
  started_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
  last_activity: string | null;
  /** Pause asked for while a task runs: takes effect when that task ends. */
  pause_requested: boolean;
  /** Why the session waits for approval ("Task 2 requires approval"), or null. */
  waiting_reason: string | null;
  /**
   * Notifications for n8n not yet delivered, oldest first. Kept in the state so they survive a
   * restart and are written with the transition that caused them. Empty when n8n is off.
   */
  outbox: NotificationPayload[];
  /** Sequence behind notification ids; ids are `<session>-<seq>`, the same on every delivery try. */
  notify_seq: number;
  /** A rollback of this task index is being carried out; commands wait for it (absent in older files). */
  rollback_pending?: number | null;
  /** The branch this session works on (git.branch), or null. */
  git_branch?: string | null;
  /**
   * Claude's permission requests and questions in this session: every pending one (while any is,
   * every surface shows the session as waiting_permission) and the last answered ones (so a late
   * press hears who answered). Persisted before anyone is asked.
   */
  permissions?: PermissionRecord[];
  /** Sequence behind permission ids (`<session>-p<n>`). */
  permission_seq?: number;
  /** The session's "always allow" rules ("Bash(npm test:*)"), given to every later run as --allowedTools. */
  always_rules?: string[];
  /** What Claude's runs cost on this local date, all sessions together (kept across sessions and restarts). */
  spend?: { date: string; usd: number } | null;
  /** Today's budget as raised with /budget (wins over orchestrator.daily_budget_usd on that date), and who raised it. */
  budget_override?: { date: string; usd: number; by: string } | null;
  /** The local date the budget warning was sent (once a day). */
  budget_warned?: string | null;
  /**
   * When the task stopped by a usage limit continues by itself (ISO): while waiting_limit, and
   * kept while paused there (/resume waits for it again). null otherwise.
   */
  resume_at?: string | null;
  /** The last usage limit that stopped a run, until a run ends otherwise (hits: consecutive ones, for the backoff). */
  limit?: LimitRecord | null;
  /** The latest allowed_warning of the CLI's rate_limit_event ("5-hour window 82 % used"); null once allowed again. */
  usage_warning?: UsageWarning | null;
  /** The windows (`<type>@<resets_at>`) a usage warning was sent for: once per window. The last 20. */
  usage_warned?: string[];
  /** The latest plan from a daily log (src/core/machine/plan.ts), kept after it is started, failed or discarded until the next one. */
  plan?: PlanRecord | null;
  /** Sequence behind plan ids (`<date>-p<n>`). */
  plan_seq?: number;
  /** The session's task file's max_cost_usd (YAML): with orchestrator.daily_budget_usd the lower wins; null: none. */
  max_cost_usd?: number | null;
}

/** A usage limit that stopped task `index`'s run (see RunOutcome.limit). */
export interface LimitRecord {
  /** rateLimitType ("five_hour", "seven_day", …), or null when not known. */
  type: string | null;
  /** When it resets, as the CLI said (ISO); null when it did not say. */
  resets_at: string | null;
  /** The CLI's words. */
  message: string;
  index: number;
  /** When the session started waiting for it. */
  since: string;
  /** Consecutive limits (1 for the first): the wait without a reset time doubles from 5 min to 1 h. */
  hits: number;
}

/** A rate_limit_event with status allowed_warning: how much of a window is used. */
export interface UsageWarning {
  type: string | null;
  /** 0..1; null when the CLI did not say. */
  utilization: number | null;
  resets_at: string | null;
  /** When it was reported. */
  at: string;
}

/** What is POSTed to n8n for one event. */
export interface NotificationPayload {
  id: string;
  event: string;
  /** success | error | info | warning (the seed's `type`). */
  type: string;
  message: string;
  session_id: string | null;
  task: {
    number: number;
    total: number;
    id: number | string;
    title: string;
    type: string | null;
    status: TaskStatus;
    error: string | null;
    duration_s: number | null;
    cost_usd: number | null;
    files_changed: FileChangeRecord[];
    insertions: number | null;
    deletions: number | null;
    verification: VerificationRecord | null;
    commit: string | null;
  } | null;
  progress: { done: number; total: number; percent: number };
  timestamp: string;
  /** permission_* and question_asked: the request, so a workflow can show it and answer it by id. */
  permission?: {
    id: string;
    kind: "tool" | "question";
    tool: string;
    input: Record<string, unknown>;
    summary: string;
    description: string | null;
    always_rule: string;
    blocked_path: string | null;
    status: string;
    answered_by: string | null;
  } | null;
  /** plan_*: the plan, so a workflow can list its tasks and offer Start / Show / Discard by id. */
  plan?: {
    id: string;
    status: string;
    daily_log: string;
    file: string | null;
    kept_existing: string | null;
    tasks: { id: number | string; title: string; type: string | null; requires_approval: boolean }[];
    issues: string[];
    error: string | null;
    cost_usd: number;
  } | null;
}

export function createIdleState(): SessionState {
  return {
    version: 1,
    session_id: null,
    task_file: null,
    current_task_index: 0,
    status: "idle",
    tasks: [],
    started_at: null,
    paused_at: null,
    completed_at: null,
    last_activity: null,
    pause_requested: false,
    waiting_reason: null,
    outbox: [],
    notify_seq: 0,
    rollback_pending: null,
    git_branch: null,
  };
}

export function createTaskRecord(def: TaskDefinition): TaskRecord {
  return {
    ...def,
    status: "pending",
    attempts: 0,
    started_at: null,
    completed_at: null,
    duration_s: null,
    result: null,
    summary: null,
    error: null,
    output_log: null,
    output_log_error: null,
    stderr_tail: null,
    claude_session_id: null,
    cost_usd: null,
    tokens: null,
    num_turns: null,
    permission_denials: [],
    pid: null,
    pgid: null,
    boot_id: null,
    run_marker: null,
    feedback: null,
    skip_requested: false,
    continuations: 0,
    // phase, git, files_changed, insertions, deletions, verification, commit, commit_error and
    // cancel_requested_by are left out until the task runs: a pending task costs no bytes for them.
  };
}

/**
 * Checks that parsed JSON has the shape of a SessionState, so a half-written or
 * foreign file is treated as corrupt instead of crashing later. Returns the problem or null.
 */
export function describeStateProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const s = value as Record<string, unknown>;
  if (s.version !== 1) return `unknown version ${JSON.stringify(s.version)}`;
  const statuses = ["idle", "waiting_approval", "running", "paused", "task_failed", "waiting_limit", "completed"];
  if (typeof s.status !== "string" || !statuses.includes(s.status)) return `bad status ${JSON.stringify(s.status)}`;
  if (!Array.isArray(s.tasks)) return "tasks is not a list";
  if (typeof s.current_task_index !== "number") return "current_task_index is not a number";
  for (const [i, t] of s.tasks.entries()) {
    if (typeof t !== "object" || t === null) return `tasks[${i}] is not an object`;
    if (typeof (t as Record<string, unknown>).status !== "string") return `tasks[${i}].status is missing`;
  }
  return null;
}
