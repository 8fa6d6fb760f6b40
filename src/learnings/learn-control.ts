/**
 * Control's `learn`: a lesson for every later task, appended to orchestrator.learnings_file as
 * `- <text> (<date>, <who>)` and recorded in the event history. Every task's prompt from then on
 * carries the file's end ("## Lessons from earlier work"); a task already running does not (its
 * Claude read its prompt at the start: /tell reaches it).
 */
import path from "node:path";
import type { Clock } from "../core/clock.js";
import type { SessionState } from "../core/state.js";
import type { ControlRequest, ControlResult } from "../control/control-types.js";
import type { CommandRecord } from "../history/history-entry.js";
import { localDate } from "../logging/daily-file-stream.js";
import { LearningsError } from "./learnings-error.js";
import { learningLine, PROMPT_BYTES, type LearningsFile } from "./learnings-file.js";

/** A lesson longer than this is refused: the prompt gets only the file's last PROMPT_BYTES. */
export const MAX_LESSON_CHARS = 2000;

export interface LearnContext {
  state: SessionState;
  file: LearningsFile;
  clock: Clock;
  history?: { recordCommand?(command: CommandRecord): void } | null;
}

export async function executeLearn(request: Extract<ControlRequest, { command: "learn" }>, ctx: LearnContext): Promise<ControlResult> {
  const by = request.by ?? null;
  const text = typeof request.text === "string" ? request.text.trim() : "";
  const record = (ok: boolean, message: string, fields: Record<string, unknown>) =>
    ctx.history?.recordCommand?.({ event: "learn", by, task: null, ok, message, session: ctx.state.session_id, status: ctx.state.status, fields });
  const refuse = (code: ControlResult["code"], message: string): ControlResult => {
    record(false, message, { text });
    return { ok: false, code, message, data: {} };
  };
  if (text === "") return refuse("bad_request", 'Send the lesson: /learn <text> (HTTP: {"text": "…"}). Every later task\'s prompt carries it.');
  if (text.length > MAX_LESSON_CHARS) return refuse("bad_request", `A lesson has at most ${MAX_LESSON_CHARS} characters (this one has ${text.length}); prompts get only the last ${PROMPT_BYTES / 1024} KiB of the file.`);
  const line = learningLine(text, localDate(ctx.clock.now()), by);
  try {
    await ctx.file.append(line);
  } catch (error) {
    if (!(error instanceof LearningsError)) throw error;
    return refuse("unavailable", `Lesson not added: ${error.message}`);
  }
  const running = ctx.state.status === "running" ? " The task running now does not see it (/tell reaches it)." : "";
  const message = `📝 Learned: every task's prompt from now on has it (${path.basename(ctx.file.file)}).${running}`;
  record(true, message, { text, file: ctx.file.file });
  return { ok: true, code: "ok", message, data: { file: ctx.file.file, text, line } };
}
