import { readRegularFile } from "../fs/read-regular-file.js";

/**
 * The most of a planning run's output log read back (32 MiB, its end): the answer is in its last
 * lines, and a run that read many files can log several MB of tool results before them.
 */
export const PLAN_LOG_MAX_BYTES = 32 * 1024 * 1024;
const PLAN_LOG_READ_TIMEOUT_MS = 5_000;

/** What a planning run answered, from its output log. */
export interface PlanAnswer {
  /** The last result line's `result` (the whole final text; RunOutcome.summary is cut at 4000 chars), or null. */
  result: string | null;
  /** The `plan` input of the last ExitPlanMode tool_use: in plan mode the real CLI often ends by calling it (-p denies it). */
  exitPlan: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The answer in the stream-json lines of `logFile` after byte `from` (where this run's lines
 * begin: the log is appended to). Lines that are not JSON (the runner's `[stderr]` notes, a
 * line cut short) are skipped. A log that cannot be read gives nulls: the caller falls back to
 * the outcome's summary.
 */
export async function readPlanAnswer(logFile: string, from: number): Promise<PlanAnswer> {
  const read = await readRegularFile(logFile, { maxBytes: PLAN_LOG_MAX_BYTES, timeoutMs: PLAN_LOG_READ_TIMEOUT_MS, whenLarger: "tail" }).catch(() => null);
  if (!read) return { result: null, exitPlan: null };
  const skip = Math.max(0, from - read.start);
  const text = read.bytes.subarray(Math.min(skip, read.bytes.length)).toString("utf8");
  const answer: PlanAnswer = { result: null, exitPlan: null };
  for (const line of text.split("\n")) {
    // Only lines that can hold what is looked for are parsed (tool results can be large).
    if (!line.startsWith("{") || !(line.includes('"result"') || line.includes("ExitPlanMode"))) continue;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(msg)) continue;
    if (msg.type === "result" && typeof msg.result === "string") answer.result = msg.result;
    if (msg.type === "assistant") answer.exitPlan = exitPlanOf(msg) ?? answer.exitPlan;
  }
  return answer;
}

/** The plan of the last ExitPlanMode tool_use block in an assistant line, or null. */
function exitPlanOf(msg: Json): string | null {
  const content = isObject(msg.message) ? msg.message.content : null;
  if (!Array.isArray(content)) return null;
  let plan: string | null = null;
  for (const block of content) {
    if (isObject(block) && block.type === "tool_use" && block.name === "ExitPlanMode" && isObject(block.input) && typeof block.input.plan === "string") plan = block.input.plan;
  }
  return plan;
}
