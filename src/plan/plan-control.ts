import { readRegularFile } from "../fs/read-regular-file.js";
import type { PlanRecord } from "../core/plan.js";
import type { SessionState } from "../core/state.js";
import { ControlError } from "../control/control-error.js";
import type { ControlResult } from "../control/control-types.js";
import { planReadyText } from "../core/machine/plan.js";

/** Longest task file text /plan show returns (256 KiB; a plan is a few KB). */
const SHOW_MAX_BYTES = 256 * 1024;

/** The ready plan (the latest, or the one named by id), or a ControlError saying what there is instead. */
export function readyPlan(state: SessionState, id: string | null): PlanRecord & { file: string } {
  const p = state.plan ?? null;
  if (!p) throw new ControlError("not_found", "No plan yet: send /plan to draft today's task file from the daily log.");
  if (id && id !== p.id) throw new ControlError("refused", `Plan ${id} is not the latest one (${p.id}, ${p.status}); send /plan show to see it.`);
  if (p.status !== "ready" || !p.file) {
    const why = p.status === "running" ? "Claude is still drafting it" : p.status === "started" ? "it has been started already (/status)" : p.status === "failed" ? `it failed: ${p.error ?? "see /plan show"}` : "it was discarded";
    throw new ControlError("refused", `Plan ${p.id} cannot be started: ${why}.`);
  }
  return p as PlanRecord & { file: string };
}

/** The latest plan and its file's text, for /plan show, GET /webhook/plan and the CLI. */
export async function showPlan(state: SessionState): Promise<ControlResult> {
  const p = state.plan ?? null;
  if (!p) return { ok: true, code: "ok", message: "No plan yet: send /plan to draft today's task file from the daily log.", data: { plan: null, text: null } };
  let text: string | null = null;
  let note = "";
  if (p.file && (p.status === "ready" || p.status === "started")) {
    try {
      const read = await readRegularFile(p.file, { maxBytes: SHOW_MAX_BYTES, timeoutMs: 5000 });
      text = read.bytes.toString("utf8");
    } catch (error) {
      note = `\n(The file cannot be read now: ${(error as Error).message})`;
    }
  }
  const message = p.status === "ready" ? planReadyText(p) : planLine(p);
  return { ok: true, code: "ok", message: `${message}${note}`, data: { plan: { ...p }, text } };
}

/** One line for a plan that is not waiting to be started. */
function planLine(p: PlanRecord): string {
  switch (p.status) {
    case "running":
      return `📝 Plan ${p.id}: Claude is drafting it from ${p.daily_log}${p.round > 0 ? ` (fixing ${p.issues.length} problem(s) of its first draft)` : ""}, since ${p.started_at}.`;
    case "started":
      return `📝 Plan ${p.id} (${p.tasks.length} tasks, ${p.file}) was started: /status shows the session.`;
    case "failed":
      return `❌ Plan ${p.id} from ${p.daily_log} failed: ${p.error ?? "unknown"}.${p.issues.map((i) => `\n• ${i}`).join("")}`;
    default:
      return `🗑 Plan ${p.id} from ${p.daily_log} was discarded.`;
  }
}
