import { progressOf } from "../core/describe.js";
import type { SessionState } from "../core/state.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { ControlResult, StartQuestion } from "./control-types.js";

/**
 * Seed 001's multi-day sessions: a session left unfinished on an earlier day (waiting, paused,
 * failed, waiting for a limit) is not replaced by /start unasked. The refusal carries the
 * question's facts (data.unfinished); the answers are the session's own next command (continue
 * it) or start with replace (today's file). null: nothing to ask (a running task is refused by
 * the machine as always; a session of today is refused as always too).
 */
export async function unfinishedQuestion(state: SessionState, today: string, todayFile: () => Promise<string | null>): Promise<ControlResult | null> {
  if (state.status === "idle" || state.status === "completed" || state.status === "running" || state.tasks.length === 0 || !state.started_at) return null;
  const startedOn = localDate(new Date(state.started_at));
  if (startedOn >= today) return null;
  const p = progressOf(state);
  const file = await todayFile();
  const unfinished: StartQuestion = { session_id: state.session_id, task_file: state.task_file, started_on: startedOn, status: state.status, done: p.done, total: p.total, today_file: file };
  const start = file ? `start today's file (${file}) with /start --replace (HTTP: "replace": true)` : "start another file with /start <file> --replace";
  return {
    ok: false,
    code: "refused",
    message: `Session ${state.session_id} from ${startedOn} is unfinished (${p.done} of ${p.total} tasks done, ${state.status.replace("_", " ")}). Continue it (/status shows its next step), or ${start}.`,
    data: { unfinished: { ...unfinished } },
  };
}
