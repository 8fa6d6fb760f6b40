// Shared by the checkpoint tests (verification, commit, cancel, rollback): a MachineDriver with
// checkpoint settings that deep-freezes every input state and event (a mutation throws, since ESM
// is strict mode) and checks the input's JSON is unchanged after the transition.
import { expect } from "@jest/globals";
import type { ApprovalPolicy } from "../../../src/core/approval-policy.js";
import type { Effect, Notification } from "../../../src/core/effects.js";
import type { AttemptChanges, OrchestratorEvent, SnapshotIds, VerificationReport } from "../../../src/core/events.js";
import type { MachineContext, Transition } from "../../../src/core/machine.js";
import type { CheckpointSettings } from "../../../src/core/draft.js";
import type { RunOutcome } from "../../../src/core/run-outcome.js";
import type { FileChangeRecord } from "../../../src/core/state.js";
import { MachineDriver, outcome, policies } from "../machine-helpers.js";

/** Freezes a value and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  return Object.freeze(value);
}

export function checks(over: Partial<CheckpointSettings> = {}): CheckpointSettings {
  return { git: true, verify: [], verifyRetries: 2, commit: "none", ...over };
}

/** The snapshot "before" (or "after") number n: predictable ids so tests can say which one they expect. */
export function snap(n: number | string, head: string | null = `head-${n}`): SnapshotIds {
  return { tree: `tree-${n}`, commit: `snapc-${n}`, head };
}

export function fileChange(path: string, over: Partial<FileChangeRecord> = {}): FileChangeRecord {
  return { path, status: "modified", insertions: 1, deletions: 0, ...over };
}

/** What a run changed: one line added to each file, unless counts are given. */
export function changes(after: number | string, paths: string[], insertions = paths.length, deletions = 0): AttemptChanges {
  return { after: snap(after), files: paths.map((p) => fileChange(p)), insertions, deletions };
}

/** A verification result as the edge reports it. */
export function verdict(passed: boolean, over: { failure?: string; cancelled?: boolean; feedback?: string } = {}): VerificationReport {
  const failure = passed ? null : (over.failure ?? "npm test exited 1: 2 failing");
  return {
    record: { passed, commands: [{ command: "npm test", exit_code: passed ? 0 : 1, duration_s: 3, log: "verify.log" }], missing: [], failure, summary: passed ? "✅ verified: npm test (3 s)" : `❌ ${failure}` },
    cancelled: over.cancelled ?? false,
    feedback: over.feedback ?? (passed ? "" : `Verification failed: ${failure}`),
  };
}

export function notes(t: Transition): Notification[] {
  return t.effects.flatMap((e) => (e.type === "notify" ? [e.notification] : []));
}

export function noteEvents(t: Transition): string[] {
  return notes(t).map((n) => n.event);
}

export function effectOf<K extends Effect["type"]>(t: Transition, type: K): Extract<Effect, { type: K }> | undefined {
  return t.effects.find((e) => e.type === type) as Extract<Effect, { type: K }> | undefined;
}

/** Drives the machine with checkpoint settings; every transition is checked for purity. */
export class CheckpointDriver extends MachineDriver {
  constructor(
    public settings: CheckpointSettings | undefined = checks(),
    policy: ApprovalPolicy = policies.auto as ApprovalPolicy,
    public extra: Partial<MachineContext> = {},
  ) {
    super(policy);
  }
  override ctx(): MachineContext {
    return { ...super.ctx(), ...(this.settings ? { checks: this.settings } : {}), ...this.extra };
  }
  override send(event: OrchestratorEvent): Transition {
    const before = deepFreeze(this.state);
    deepFreeze(event);
    const json = JSON.stringify(before);
    const t = super.send(event);
    // Pure: the input state is never mutated (frozen, so a write would also have thrown).
    expect(JSON.stringify(before)).toBe(json);
    return t;
  }
  get index(): number {
    return this.state.current_task_index;
  }
  get attempt(): number {
    return this.state.tasks[this.index]?.attempts ?? 0;
  }
  /** The runner spawned the current task's claude; `before` is the snapshot taken before it. */
  spawn(before: SnapshotIds | null = null): Transition {
    return this.send({ type: "task_spawned", index: this.index, attempt: this.attempt, pid: 100, pgid: 100, boot_id: "boot-a", run_marker: `m-${this.index}-${this.attempt}`, output_log: `log-${this.index}`, before });
  }
  /** The current task's claude ended with `result`, the tree as `after` says. */
  end(result: RunOutcome = outcome(), after: AttemptChanges | null = null): Transition {
    return this.send({ type: "task_finished", index: this.index, attempt: this.attempt, outcome: result, output_log: `log-${this.index}`, changes: after });
  }
  verified(report: VerificationReport, attempt = this.attempt, index = this.index): Transition {
    return this.send({ type: "task_verified", index, attempt, verification: report });
  }
  committed(commit: string | null, error: string | null = null, attempt = this.attempt, index = this.index): Transition {
    return this.send({ type: "task_committed", index, attempt, commit, error });
  }
  /** Runs the current task with a before-snapshot n to a successful end that changed `paths`. */
  runWithSnapshot(n: number, paths: string[] = [`file-${n}.ts`], result: RunOutcome = outcome()): Transition {
    this.spawn(snap(n));
    return this.end(result, changes(`after-${n}`, paths));
  }
}
