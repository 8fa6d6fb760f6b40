import type { SessionState } from "../state.js";
import { Draft, type MachineContext, type Transition } from "../draft.js";
import { ignore } from "./replies.js";

// Events about the service itself rather than the session: the logs' health, n8n deliveries.

/**
 * The logs stopped being written, or work again: the person hears it once each way (the edge
 * reports only those changes). Only a notification: nothing in the session changes.
 */
export function logProblem(state: SessionState, problem: string | null, ctx: MachineContext): Transition {
  const d = new Draft(state, ctx);
  const message = problem
    ? `Logs are not being written: ${problem}. Tasks still run; what a task's log cannot keep (the end of stderr) is kept in the state.`
    : "Logs are being written again.";
  d.notify(problem ? "logs_failing" : "logs_recovered", problem ? "error" : "success", message, null);
  // Without an outbox the draft changed only last_activity: no reason to write the state.
  const next = ctx.outbox ? d.s : state;
  return { state: next, effects: d.effects, reply: { ok: true, message } };
}

/** The notifier delivered these outbox entries: drop them from the state. */
export function dropDelivered(state: SessionState, ids: string[]): Transition {
  const gone = new Set(ids);
  const outbox = (state.outbox ?? []).filter((n) => !gone.has(n.id));
  if (outbox.length === (state.outbox ?? []).length) return ignore(state, "nothing to drop");
  return { state: { ...state, outbox }, effects: [], reply: { ok: true, message: `delivered ${ids.length}` } };
}
