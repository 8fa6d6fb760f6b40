/**
 * The commands every surface offers (Telegram, HTTP, the CLI client), in one shape, and the one
 * answer shape they all render. HTTP maps `code` to its status: ok 200, bad_request 400,
 * not_found 404, refused 409, unavailable 503.
 */
export const CONTROL_COMMANDS = ["start", "status", "approve", "pause", "resume", "skip", "retry", "logs", "help"] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export type ControlRequest =
  | { command: "start"; task_file?: string | null }
  | { command: "status" }
  | { command: "approve" }
  | { command: "pause" }
  | { command: "resume" }
  | { command: "skip" }
  | { command: "retry"; feedback?: string | null }
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
  current_task: { id: number | string; title: string; type: string | null; status: string; error: string | null } | null;
  progress: { done: number; total: number; percent: number; completed: number; skipped: number; failed: number; pending: number };
  pause_requested: boolean;
  waiting_reason: string | null;
  started_at: string | null;
  runtime_s: number | null;
  cost_usd: number;
  /** The commands that make sense now, e.g. ["/approve", "/skip", "/pause"]. */
  commands: string[];
  /** What is wrong with the service right now ("logs are not being written: EROFS …"); empty when all is well. */
  problems: string[];
}

export interface ControlResult {
  ok: boolean;
  code: ControlCode;
  message: string;
  /** status: StatusData; logs: { logs: string; file: string; lines: number }; start: { tasks: [...] }. */
  data: Record<string, unknown>;
}
