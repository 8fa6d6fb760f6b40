import type { FileChangeRecord, VerificationRecord } from "../core/state.js";
import type { PermissionDecision } from "../core/permission.js";
import type { HistoryRequest } from "../history/history-control.js";

/**
 * The commands every surface offers (Telegram, HTTP, the CLI client), in one shape, and the one
 * answer shape they all render. HTTP maps `code` to its status: ok 200, bad_request 400,
 * not_found 404, refused 409, unavailable 503.
 */
export const CONTROL_COMMANDS = ["start", "status", "approve", "pause", "resume", "skip", "retry", "cancel", "diff", "rollback", "tell", "permissions", "permission", "answer", "revoke", "budget", "history", "report", "plan", "plan_show", "plan_start", "plan_discard", "feedback", "learn", "logs", "help"] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export type ControlRequest =
  /** `by` on start/approve/pause/resume/skip/retry: who sent it, for the event history only (src/history/request-by.ts). */
  /**
   * replace: start even though a session is unfinished (it is left as it is; not while a task
   * runs). Without it, a session left unfinished on an earlier day is refused with
   * data.unfinished (StartQuestion), so a surface can ask: continue it, or start today's file.
   */
  | { command: "start"; task_file?: string | null; by?: string | null; replace?: boolean }
  | { command: "status" }
  | { command: "approve"; by?: string | null }
  | { command: "pause"; by?: string | null }
  | { command: "resume"; by?: string | null }
  | { command: "skip"; by?: string | null }
  | { command: "retry"; feedback?: string | null; by?: string | null }
  /** Stop the running task now; `by` names who asked ("Telegram @ana"), for the task's error and the log. */
  | { command: "cancel"; by?: string | null }
  /** A task's changes: `task` is its 1-based position (default: the last task that ran). */
  | { command: "diff"; task?: number | null }
  /** Undo a task and every later one. Without `confirm: true` nothing happens (bad_request says to add it). */
  | { command: "rollback"; task?: number | null; confirm?: boolean; by?: string | null }
  /** A message for the running task's Claude, read on its next turn. */
  | { command: "tell"; text: string; by?: string | null }
  /** The pending permission requests and the session's "always" rules: PermissionsData. */
  | { command: "permissions" }
  /** Answer a permission request by its id. */
  | { command: "permission"; id: string; decision: PermissionDecision; message?: string | null; by?: string | null }
  /** Answer an AskUserQuestion by its id: question text -> an option's label or free text. */
  | { command: "answer"; id: string; answers: Record<string, string>; by?: string | null }
  /** Remove one of the session's "always" rules. */
  | { command: "revoke"; rule: string; by?: string | null }
  /** Today's spend and budget; with `usd`, sets today's budget (wins over orchestrator.daily_budget_usd). */
  | { command: "budget"; usd?: number | null; by?: string | null }
  /** The event history: the lines matching grep / task / since, the last `limit` (default 50), oldest first. */
  | HistoryRequest
  /** The day report of the state's session (date: YYYY-MM-DD, default today), written to paths.results_dir: { file, summary, report }. */
  | { command: "report"; date?: string | null }
  /** Draft today's task file from a daily log (default paths.daily_dir/<today>.md): answers at once; plan_ready follows. */
  | { command: "plan"; daily_log?: string | null; by?: string | null }
  /** The latest plan (PlanRecord as data.plan) and its file's text (data.text, null when there is none). */
  | { command: "plan_show" }
  /** Start a session from the ready plan's file (the same as start with that file). */
  | { command: "plan_start"; id?: string | null; by?: string | null; replace?: boolean }
  /** Drop the plan: stops a running one; removes a ready one's file. */
  | { command: "plan_discard"; id?: string | null; by?: string | null }
  /**
   * A person's verdict on a task (1-based `task` of the session; default the last finished):
   * rating "up" | "down" | 1..5, and/or a note. Written to paths.feedback_dir/<date>.md.
   */
  | { command: "feedback"; task?: number | null; rating?: "up" | "down" | number | null; note?: string | null; by?: string | null }
  /** A lesson for every later task's prompt: appended to orchestrator.learnings_file. */
  | { command: "learn"; text: string; by?: string | null }
  | { command: "logs"; lines?: number }
  | { command: "help" };

export type ControlCode = "ok" | "bad_request" | "not_found" | "refused" | "unavailable";

export interface StatusData {
  session_id: string | null;
  task_file: string | null;
  status: string;
  /** 1-based position of the current task (the seed's `task`), 0 when idle. */
  task: number;
  total: number;
  /** phase: claude, verifying or committing while it runs; null otherwise. */
  current_task: { id: number | string; title: string; type: string | null; status: string; error: string | null; phase: string | null } | null;
  /** The last task that ran with a snapshot: what it changed, how its checks went, its commit. null when none has. */
  last_task: {
    task: number;
    title: string;
    status: string;
    /** "3 files changed (+120 −4): src/a.ts, …", "no files changed". */
    changes: string | null;
    files_changed: FileChangeRecord[];
    insertions: number | null;
    deletions: number | null;
    verification: VerificationRecord | null;
    commit: string | null;
  } | null;
  progress: { done: number; total: number; percent: number; completed: number; skipped: number; failed: number; rolled_back: number; pending: number };
  pause_requested: boolean;
  waiting_reason: string | null;
  started_at: string | null;
  runtime_s: number | null;
  cost_usd: number;
  /** The commands that make sense now, e.g. ["/approve", "/skip", "/pause"]. */
  commands: string[];
  /** The branch the session works on (git.branch), or null. */
  git_branch: string | null;
  /** What Claude cost today (local date, all sessions) and today's budget (null: none). */
  budget: { date: string | null; spent_usd: number; budget_usd: number | null };
  /**
   * While a task waits for a usage limit (waiting_limit, or paused there): which limit, when it
   * resets, when the task continues (resume_at) and a line for a person. null otherwise.
   */
  limit: { type: string | null; resets_at: string | null; resume_at: string; held: boolean; message: string; text: string } | null;
  /** The latest usage warning ("5-hour window 82 % used · resets 15:00"), while its window lasts; null otherwise. */
  usage: { type: string | null; utilization: number | null; resets_at: string | null; text: string } | null;
  /** What is wrong with the service right now ("logs are not being written: EROFS …"); empty when all is well. */
  problems: string[];
}

export interface ControlResult {
  ok: boolean;
  code: ControlCode;
  message: string;
  /**
   * status: StatusData; logs: { logs: string; file: string; lines: number }; start: { tasks: [...] };
   * diff: DiffData; rollback: RollbackData (plus the status fields for commands).
   */
  data: Record<string, unknown>;
}

/** A task's changes, base snapshot to head (or to the work tree now, while it runs). */
export interface DiffData {
  /** 1-based position of the task. */
  task: number;
  title: string;
  /** The task's status (completed, failed, running…). */
  task_status: string;
  files: FileChangeRecord[];
  insertions: number;
  deletions: number;
  /** The unified diff (git diff base head); cut at MAX_DIFF_BYTES with a note when longer. */
  diff: string;
  /** The diff was longer than MAX_DIFF_BYTES and is cut. */
  truncated: boolean;
  /** "3 files changed (+120 −4): src/a.ts, …" / "no files changed". */
  summary: string;
}

/** A pending request as the API lists it. */
export interface PendingPermission {
  id: string;
  /** 1-based position of the task whose Claude asks. */
  task: number;
  kind: "tool" | "question";
  tool: string;
  input: Record<string, unknown>;
  description: string | null;
  /** One line: "Bash: npm test". */
  summary: string;
  /** The rule "always" would add ("Bash(npm test:*)"). */
  always_rule: string;
  blocked_path: string | null;
  asked_at: string;
  /** When it is denied and the task parked if nobody answers. */
  expires_at: string;
}

export interface PermissionsData {
  pending: PendingPermission[];
  always_rules: string[];
}

/** What a rollback did. */
export interface RollbackData {
  task: number;
  restored: string[];
  removed: string[];
  /** Later tasks (1-based) whose changes were undone too. */
  undone: number[];
}

/** Why /start asks first: a session left unfinished on an earlier day (data.unfinished of the refusal). */
export interface StartQuestion {
  session_id: string | null;
  task_file: string | null;
  /** The local date it started. */
  started_on: string;
  status: string;
  done: number;
  total: number;
  /** The file /start would load now (today's), or null when there is none. */
  today_file: string | null;
}
