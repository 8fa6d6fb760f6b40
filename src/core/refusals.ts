import type { CommandName } from "./events.js";
import type { SessionState } from "./state.js";
import { taskLabel } from "./describe.js";

/**
 * Why a command makes no sense in the current state, in words a person can act on
 * ("Nothing to approve: paused. Send /resume first."). Every refusal names what to send instead.
 */
export function refusalFor(command: CommandName, state: SessionState): string {
  const label = state.tasks.length > 0 ? taskLabel(state, state.current_task_index) : "";
  switch (state.status) {
    case "idle":
      return `Nothing to ${command}: no session has started. Send /start to load a task file.`;
    case "completed":
      return `Nothing to ${command}: the session is complete. Send /start to begin a new one.`;
    case "running":
      if (command === "approve") return `${label} is already running. Send /status to follow it.`;
      if (command === "retry") return `${label} is running; there is nothing to retry yet. Send /status to follow it.`;
      if (command === "pause") return `Already pausing: the session stops after ${label} finishes. Send /resume to cancel the pause.`;
      if (command === "resume") return `Not paused: ${label} is running. Send /pause to stop after it.`;
      if (command === "start") return `A session is active: ${label} is running. Let it finish, or /pause and /skip through the rest first.`;
      return `Cannot ${command} now: ${label} is running.`;
    case "paused":
      if (command === "approve") return `Nothing to approve: paused. Send /resume first.`;
      if (command === "pause") return `Already paused at ${label}. Send /resume to continue.`;
      if (command === "retry") return `Nothing to retry: ${label} has not failed. Send /resume to continue.`;
      if (command === "start") return `A session is active (paused at ${label}). Finish or /skip its tasks, or leave it unfinished with /start --replace (HTTP: "replace": true).`;
      return `Cannot ${command} while paused. Send /resume first.`;
    case "waiting_approval":
      if (command === "resume") return `Not paused: ${label} is waiting for approval. Send /approve to run it.`;
      if (command === "retry") return `Nothing to retry: ${label} has not run yet. Send /approve to run it.`;
      if (command === "start") return `A session is active (${label} waits for approval). Finish or /skip its tasks, or leave it unfinished with /start --replace (HTTP: "replace": true).`;
      return `Cannot ${command} while waiting for approval. Send /approve or /skip.`;
    case "waiting_limit":
      if (command === "start") return `A session is active (${label} waits for the usage limit to reset). Finish or /skip its tasks, or leave it unfinished with /start --replace (HTTP: "replace": true).`;
      return `Cannot ${command} while ${label} waits for the usage limit: /approve tries it now, /pause holds it, /skip skips it.`;
    case "task_failed":
      if (command === "approve") return `Nothing to approve: ${label} failed. Send /retry to run it again or /skip to move on.`;
      if (command === "pause" || command === "resume") return `Nothing is running: ${label} failed. Send /retry or /skip.`;
      if (command === "start") return `A session is active (${label} failed). Send /retry or /skip first, or leave it unfinished with /start --replace (HTTP: "replace": true).`;
      return `Cannot ${command}: ${label} failed. Send /retry or /skip.`;
  }
}
