import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import type { OrchestratorEvent } from "../../src/core/events.js";
import { transition, type MachineContext, type Transition } from "../../src/core/machine.js";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import { createIdleState, type SessionState } from "../../src/core/state.js";
import type { TaskDefinition } from "../../src/core/task.js";

export const policies: Record<string, ApprovalPolicy> = {
  required: { approval_mode: "required", checkpoint_after: ["database"], auto_approve: ["documentation"] },
  auto: { approval_mode: "auto", checkpoint_after: ["database"], auto_approve: ["documentation"] },
  manual: { approval_mode: "manual", checkpoint_after: ["database"], auto_approve: ["documentation"] },
};

export function def(id: number, over: Partial<TaskDefinition> = {}): TaskDefinition {
  return {
    id,
    title: `Task title ${id}`,
    type: "backend",
    priority: null,
    requires_approval: false,
    description: `Do thing ${id}`,
    acceptance_criteria: [],
    instruction: `Instruction ${id}`,
    context_files: [],
    deliverables: [],
    verify: [],
    line: id * 10,
    ...over,
  };
}

export function outcome(over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    ok: true,
    kind: "success",
    reason: null,
    summary: "done",
    session_id: "sess-1",
    cost_usd: 0.01,
    tokens: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    num_turns: 2,
    duration_ms: 1000,
    exit_code: 0,
    signal: null,
    permission_denials: [],
    ...over,
  };
}

export const failure = (reason = "exited 1: boom"): RunOutcome =>
  outcome({ ok: false, kind: "exit_error", reason, exit_code: 1, summary: null });

/** Drives the pure machine with a moving fake time, keeping every transition. */
export class MachineDriver {
  state: SessionState = createIdleState();
  last!: Transition;
  private t = Date.parse("2026-01-01T09:00:00Z");
  constructor(public policy: ApprovalPolicy = policies.required as ApprovalPolicy) {}
  ctx(): MachineContext {
    this.t += 1000;
    return { now: new Date(this.t).toISOString(), policy: this.policy };
  }
  send(event: OrchestratorEvent): Transition {
    this.last = transition(this.state, event, this.ctx());
    this.state = this.last.state;
    return this.last;
  }
  start(defs: TaskDefinition[]): Transition {
    return this.send({ type: "start", task_file: "tasks.md", tasks: defs, session_id: "S1" });
  }
  /** Finishes the running task with the attempt the state says it is on. */
  finish(result: RunOutcome = outcome()): Transition {
    const index = this.state.current_task_index;
    const attempt = this.state.tasks[index]?.attempts ?? 0;
    return this.send({ type: "task_finished", index, attempt, outcome: result, output_log: `log-${index}` });
  }
  effectTypes(): string[] {
    return this.last.effects.map((e) => (e.type === "notify" ? `notify:${e.notification.event}` : e.type));
  }
}
