/**
 * A constructed session for the report tests: five tasks that ended every way a task can, at
 * known local times on 2026-03-10, with the numbers the report must add up.
 */
import { createIdleState, createTaskRecord, type SessionState, type TaskRecord } from "../../src/core/state.js";
import { def } from "../core/machine-helpers.js";

export const DATE = "2026-03-10";

/** The ISO time of hh:mm:ss local time on DATE. */
export function at(hh: number, mm: number, ss = 0): string {
  return new Date(2026, 2, 10, hh, mm, ss).toISOString();
}

function task(id: number, over: Partial<TaskRecord>): TaskRecord {
  return { ...createTaskRecord(def(id)), ...over };
}

const GIT = { base: "a".repeat(40), head: "b".repeat(40), base_commit: null, head_commit: null, head_before: null };

/**
 * 09:00 the session starts and waits for approval; 09:05 task 1 starts (a 300 s wait), ends 09:06;
 * task 2 starts at once (no wait), ends 09:08; task 3 (retried: 2 attempts) fails at 09:21;
 * task 4 is skipped at 09:30; task 5 waits for approval since then (now: 09:40, 600 s).
 */
export function sessionState(): SessionState {
  return {
    ...createIdleState(),
    session_id: "20260310-090000",
    task_file: "/work/orchestrator_tasks/2026-03-10-tasks.md",
    status: "waiting_approval",
    current_task_index: 4,
    started_at: at(9, 0),
    waiting_reason: "approval mode is required",
    tasks: [
      task(1, {
        title: "Create | baptisms migration",
        type: "database",
        status: "completed",
        result: "success",
        attempts: 1,
        started_at: at(9, 5),
        completed_at: at(9, 6),
        duration_s: 60,
        cost_usd: 0.5,
        tokens: { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 30, cache_read_input_tokens: 4000 },
        num_turns: 4,
        git: GIT,
        files_changed: [
          { path: "supabase/migrations/001_baptisms.sql", status: "added", insertions: 40, deletions: 0 },
          { path: "src/old.ts", status: "renamed", old_path: "src/older.ts", insertions: 2, deletions: 1 },
        ],
        insertions: 42,
        deletions: 1,
        verification: { passed: true, attempts: 2, commands: [{ command: "npm test", exit_code: 0, duration_s: 12, log: null }], missing: [], failure: null, summary: "✅ verified: npm test (12 s)" },
        commit: "0123456789abcdef0123456789abcdef01234567",
      }),
      task(2, { status: "completed", result: "success", attempts: 1, started_at: at(9, 6), completed_at: at(9, 8), duration_s: 120, cost_usd: 0.25, tokens: { input_tokens: 500, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, num_turns: 2, git: GIT, files_changed: [], insertions: 0, deletions: 0 }),
      task(3, {
        status: "failed",
        result: "failed",
        attempts: 2,
        started_at: at(9, 20),
        completed_at: at(9, 21),
        duration_s: 60,
        cost_usd: 1,
        tokens: { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        num_turns: 1,
        error: "verification failed: npm test exited 1:\n2 failing",
        verification: { passed: false, attempts: 1, commands: [], missing: [], failure: "npm test exited 1: 2 failing", summary: "❌ npm test failed (exit 1)" },
      }),
      task(4, { status: "skipped", result: "skipped", attempts: 0, completed_at: at(9, 30) }),
      task(5, {}),
    ],
  };
}

/** One line of the event history, as src/history/ writes it. */
export function historyLine(ts: string, event: string, over: { by?: string | null; task?: number | null; status?: string; session?: string; notifications?: { event: string; task: number | null }[] } = {}): string {
  return JSON.stringify({
    ts,
    event,
    kind: over.by ? "command" : "report",
    by: over.by ?? null,
    task: over.task ?? null,
    ok: true,
    message: "",
    session: over.session ?? "20260310-090000",
    status: over.status ?? "running",
    fields: {},
    notifications: (over.notifications ?? []).map((n) => ({ ...n, level: "info", message: "" })),
  });
}
