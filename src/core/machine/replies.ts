import { refusalFor } from "../refusals.js";
import type { SessionState } from "../state.js";
import type { Command } from "../events.js";
import type { Transition } from "../draft.js";

/** A command that makes no sense now: nothing changes, the reply says why and what to send instead. */
export function refuse(state: SessionState, command: Command): Transition {
  return { state, effects: [], reply: { ok: false, message: refusalFor(command.type, state) } };
}

/** An event that changes nothing (stale, or a no-op), with the reason for the log. */
export function ignore(state: SessionState, why: string): Transition {
  return { state, effects: [], reply: { ok: false, message: why } };
}
