/**
 * A scripted runner for the metrics tests: each run takes the next script, moves the ManualClock
 * by `takesMs` (so task durations are known), may ask a permission and wait for its answer over
 * the run channel (as the real Claude does with claude.permissions: ask), then ends with the
 * script's outcome. ScriptedRunner cannot ask, hence this one.
 */
import type { ManualClock } from "../../src/core/clock.js";
import type { PermissionAsk, PermissionResponse } from "../../src/core/permission.js";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import type { RunHooks, RunRequest, Runner } from "../../src/runner/runner.js";

export interface MeteredScript {
  outcome: Partial<RunOutcome>;
  takesMs: number;
  /** Ask this tool call first and wait for the answer. */
  ask?: { tool: string; input: Record<string, unknown> };
}

export class MeteredRunner implements Runner {
  readonly answers: PermissionResponse[] = [];
  #scripts: MeteredScript[];
  #pid = 20_000;

  constructor(
    readonly clock: ManualClock,
    ...scripts: MeteredScript[]
  ) {
    this.#scripts = scripts;
  }

  async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const script = this.#scripts.shift();
    if (!script) throw new Error("MeteredRunner: no script left for this run");
    const pid = ++this.#pid;
    let answered: (response: PermissionResponse) => void = () => undefined;
    const answer = new Promise<PermissionResponse>((resolve) => (answered = resolve));
    hooks.onSpawn?.({ pid, pgid: pid, channel: { respond: (_id, response) => (answered(response), true), tell: () => true } });
    if (script.ask) {
      const ask: PermissionAsk = { request_id: `req-${pid}`, tool: script.ask.tool, input: script.ask.input, description: null, suggestion: null, blocked_path: null, tool_use_id: null };
      hooks.onPermissionRequest?.(ask, "metered-session");
      const aborted = new Promise<null>((resolve) => request.signal?.addEventListener("abort", () => resolve(null), { once: true }));
      const response = await Promise.race([answer, aborted]);
      if (response === null) return outcomeOf({ ok: false, kind: "cancelled", reason: "cancelled", summary: null, cost_usd: null, tokens: null });
      this.answers.push(response);
    }
    this.clock.advance(script.takesMs);
    return outcomeOf(script.outcome);
  }
}

function outcomeOf(over: Partial<RunOutcome>): RunOutcome {
  return {
    ok: true,
    kind: "success",
    reason: null,
    summary: "done",
    session_id: "metered-session",
    cost_usd: null,
    tokens: null,
    num_turns: 1,
    duration_ms: 1,
    exit_code: 0,
    signal: null,
    permission_denials: [],
    ...over,
  };
}
