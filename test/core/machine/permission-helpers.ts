// Shared by the permission tests of the machine: a running task whose Claude asks over the stdio
// permission channel, driven by a CheckpointDriver (every input deep-frozen, purity checked).
import type { MachineContext, Transition } from "../../../src/core/machine.js";
import type { PermissionAsk, PermissionRecord } from "../../../src/core/permission.js";
import type { ApprovalPolicy } from "../../../src/core/approval-policy.js";
import { def, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks } from "./checkpoint-helpers.js";

/** What the runner reads from a can_use_tool line; a Bash `npm test` call unless told otherwise. */
export function ask(over: Partial<PermissionAsk> = {}): PermissionAsk {
  return {
    request_id: "req-1",
    tool: "Bash",
    input: { command: "npm test" },
    description: "Run the tests",
    suggestion: { toolName: "Bash", ruleContent: "npm test:*" },
    blocked_path: null,
    tool_use_id: "toolu_1",
    ...over,
  };
}

export const QUESTION_INPUT = {
  questions: [{ question: "Which database?", header: "DB", multiSelect: false, options: [{ label: "PostgreSQL", description: "" }, { label: "SQLite", description: "" }] }],
};

export function questionAsk(over: Partial<PermissionAsk> = {}): PermissionAsk {
  return ask({ request_id: "req-q", tool: "AskUserQuestion", input: QUESTION_INPUT, description: null, suggestion: null, tool_use_id: "toolu_q", ...over });
}

/** A driver whose session S1 (two tasks, auto mode, no git) runs task 1, spawned. */
export function runningTask(extra: Partial<MachineContext> = {}, policy: ApprovalPolicy = policies.auto as ApprovalPolicy): CheckpointDriver {
  const d = new CheckpointDriver(checks({ git: false }), policy, extra);
  d.start([def(1), def(2)]);
  d.spawn();
  return d;
}

/** The running task's Claude (Claude session `session`, when given) asks. */
export function request(d: CheckpointDriver, a: PermissionAsk = ask(), session?: string | null): Transition {
  return d.send({ type: "permission_requested", index: d.index, attempt: d.attempt, ask: a, ...(session !== undefined ? { session_id: session } : {}) });
}

export function recordOf(d: CheckpointDriver, id: string): PermissionRecord | undefined {
  return (d.state.permissions ?? []).find((p) => p.id === id);
}

/** The time the driver's n-th transition gets (it starts at 09:00:00 and adds 1 s per event). */
export const tick = (n: number): string => new Date(Date.parse("2026-01-01T09:00:00Z") + n * 1000).toISOString();
