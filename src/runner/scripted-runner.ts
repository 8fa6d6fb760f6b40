import type { Progress, RunOutcome } from "../core/run-outcome.js";
import type { RunHooks, RunRequest, Runner } from "./runner.js";

/** What a scripted run does: its outcome, progress to emit first, and whether it waits to be released. */
export interface Script {
  outcome?: Partial<RunOutcome>;
  progress?: Progress[];
  /** Hold the run until release() (or an abort) ends it. */
  hold?: boolean;
}

/**
 * The in-memory twin of ClaudeRunner, for tests of the orchestration alone: no process, a script
 * per call (the last one repeats), every request recorded. An aborted run ends "cancelled".
 */
export class ScriptedRunner implements Runner {
  readonly calls: RunRequest[] = [];
  #scripts: Script[];
  #held: (() => void)[] = [];
  #pid = 10_000;

  constructor(...scripts: Script[]) {
    this.#scripts = scripts.length > 0 ? scripts : [{}];
  }

  /** Releases every held run. */
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }

  get heldCount(): number {
    return this.#held.length;
  }

  async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const script = (this.#scripts.length > 1 ? this.#scripts.shift() : this.#scripts[0]) as Script;
    this.calls.push(request);
    const pid = ++this.#pid;
    hooks.onSpawn?.({ pid, pgid: pid });
    for (const p of script.progress ?? []) hooks.onProgress?.(p);
    let cancelled = request.signal?.aborted ?? false;
    if (script.hold && !cancelled) {
      cancelled = await new Promise<boolean>((resolve) => {
        this.#held.push(() => resolve(false));
        request.signal?.addEventListener("abort", () => resolve(true), { once: true });
      });
    }
    if (cancelled) return outcomeOf({ ok: false, kind: "cancelled", reason: "cancelled", summary: null });
    return outcomeOf(script.outcome ?? {});
  }
}

function outcomeOf(over: Partial<RunOutcome>): RunOutcome {
  return {
    ok: true,
    kind: "success",
    reason: null,
    summary: "done",
    session_id: "scripted-session",
    cost_usd: 0.01,
    tokens: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    num_turns: 1,
    duration_ms: 1,
    exit_code: 0,
    signal: null,
    permission_denials: [],
    ...over,
  };
}
