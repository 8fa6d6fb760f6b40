import { COMMAND_NAMES, type Command, type OrchestratorEvent } from "./events.js";
import type { SessionState } from "./state.js";
import type { MachineContext, Transition } from "./draft.js";
import { forgetOrphan, recover } from "./machine/recovery.js";
import { dropDelivered, logProblem } from "./machine/service-events.js";
import { handleCommand } from "./machine/session-commands.js";
import { handleCheckReport } from "./machine/checkpoints.js";
import { rollbackDone } from "./machine/rollback.js";
import { handlePermissionReport } from "./machine/permissions.js";
import { handleRunReport } from "./machine/task-results.js";
import { handleLimitReport } from "./machine/usage-limits.js";
import { planFinished, recoverPlan } from "./machine/plan.js";
import { Draft } from "./draft.js";

export { OUTBOX_LIMIT, type MachineContext, type Reply, type Transition } from "./draft.js";

/**
 * The whole decision logic: (state, event) -> (next state, effects, reply). Pure: no I/O, no clock,
 * no randomness. The orchestrator persists the next state, then carries out the effects.
 *
 * Each family of events has its own file in machine/: a person's commands, the runner's reports
 * about the running task, the checks after it (verification, commit), the rollback, the restart
 * and its leftovers, and the service's own events; shared
 * steps (starting a task, moving on, waiting, notifying) are in draft.ts.
 */
export function transition(state: SessionState, event: OrchestratorEvent, ctx: MachineContext): Transition {
  if (isCommand(event)) return handleCommand(state, event, ctx);
  switch (event.type) {
    case "recover":
      return recoverWithPlan(state, event.boot_id, ctx);
    case "plan_finished":
      return planFinished(state, event, ctx);
    case "orphans_ended":
      return forgetOrphan(state, event.index, event.run_marker);
    case "notifications_delivered":
      return dropDelivered(state, event.ids);
    case "log_problem":
      return logProblem(state, event.problem, ctx);
    case "task_verified":
    case "task_committed":
      return handleCheckReport(state, event, ctx);
    case "rollback_done":
      return rollbackDone(state, event, ctx);
    case "permission_requested":
    case "permission_cancelled":
    case "permission_timer":
      return handlePermissionReport(state, event, ctx);
    case "rate_limit":
    case "limit_timer":
      return handleLimitReport(state, event, ctx);
    default:
      return handleRunReport(state, event, ctx);
  }
}

/** The restart's recovery, after a plan that was being made is marked failed (its run is gone). */
function recoverWithPlan(state: SessionState, bootId: string | null, ctx: MachineContext): Transition {
  if (state.plan?.status !== "running") return recover(state, bootId, ctx);
  const d = new Draft(state, ctx);
  recoverPlan(d);
  const t = recover(d.s, bootId, ctx);
  return { ...t, effects: [...d.effects, ...t.effects] };
}

function isCommand(event: OrchestratorEvent): event is Command {
  return (COMMAND_NAMES as readonly string[]).includes(event.type);
}
