import type { Config } from "../../config/config.js";
import { setTimeout as delay } from "node:timers/promises";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { callServer } from "../http-client.js";

/** How often the plan is asked for while Claude drafts it: often at first (a plan may take seconds), then every 2 s. */
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2_000;
/** Beyond claude.timeout × 2 (two rounds), this much more for the parser and the file. */
const WAIT_SLACK_S = 60;

export interface PlanCommandOptions {
  /** Wait for the plan to be ready or failed (default true; --no-wait answers once it started). */
  wait: boolean;
  json: boolean;
  show: boolean;
  start: boolean;
  discard: boolean;
  replace: boolean;
}

type Answer = { status: number; json: Record<string, unknown> };
type PlanView = { id?: unknown; status?: unknown } | null;

/**
 * `orchestrator plan [daily_log] [--no-wait]`: asks the running service to draft today's task
 * file from the daily log (POST /webhook/plan), then waits (bounded: claude.timeout × 2 + 60 s)
 * polling GET /webhook/plan, and prints the task list (exit 0) or what went wrong (exit 1).
 * `--show` prints the latest plan and its file, `--start [id] [--replace]` starts the ready plan,
 * `--discard [id]` drops it (the argument is then the plan's id). Exit codes as the other client
 * commands: 1 refused or failed, 2 bad request, 5 no service.
 */
export async function planCommand({ io, config }: CommandContext, arg: string | undefined, opts: PlanCommandOptions): Promise<number> {
  const value = arg?.trim() || undefined;
  if (opts.replace && !opts.start) {
    println(io.stderr, "orchestrator plan: --replace goes with --start (start the plan even though a session is unfinished).");
    return EXIT.badInput;
  }
  const settings = await config();
  if (opts.show) return print(io, await getPlan(settings), opts.json, "show");
  if (opts.start) return print(io, await callServer(settings, "plan/start", { ...(value ? { id: value } : {}), ...(opts.replace ? { replace: true } : {}) }), opts.json);
  if (opts.discard) return print(io, await callServer(settings, "plan/discard", value ? { id: value } : {}), opts.json);

  const asked = await callServer(settings, "plan", value ? { daily_log: value } : {});
  if (asked.status >= 300 || !opts.wait) return print(io, asked, opts.json);
  println(io.stderr, String(asked.json.message ?? "Planning."));
  const boundS = planWaitBoundS(settings);
  const outcome = await waitForPlan(settings, boundS);
  if (outcome.kind === "timeout") {
    println(io.stderr, `The plan is still being drafted after ${boundS} s: see it later with 'orchestrator plan --show', or stop it with 'orchestrator plan --discard'.`);
    return EXIT.taskFailed;
  }
  const { answer, plan } = outcome;
  const ready = plan?.status === "ready";
  if (opts.json) println(io.stdout, JSON.stringify(answer.json, null, 2));
  else println(ready ? io.stdout : io.stderr, String(answer.json.message ?? JSON.stringify(answer.json)));
  return ready ? EXIT.ok : EXIT.taskFailed;
}

/** How long `orchestrator plan` waits for the plan: two Claude rounds at claude.timeout each, and WAIT_SLACK_S. */
export function planWaitBoundS(config: Pick<Config, "claude">): number {
  return config.claude.timeout * 2 + WAIT_SLACK_S;
}

/**
 * Polls GET /webhook/plan until the plan it first sees (the one just asked for) is no longer
 * running, or another plan took its place; "timeout" past boundS.
 */
async function waitForPlan(config: Config, boundS: number): Promise<{ kind: "done"; answer: Answer; plan: PlanView } | { kind: "timeout" }> {
  const deadline = AbortSignal.timeout(boundS * 1000);
  let ours: unknown = undefined;
  let pause = POLL_FIRST_MS;
  for (;;) {
    const answer = await getPlan(config);
    if (answer.status >= 300) return { kind: "done", answer, plan: null };
    const plan = (answer.json.plan ?? null) as PlanView;
    ours ??= plan?.id;
    if (!plan || plan.id !== ours || plan.status !== "running") return { kind: "done", answer, plan: plan && plan.id === ours ? plan : null };
    if (!(await sleep(pause, deadline))) return { kind: "timeout" };
    pause = Math.min(pause * 2, POLL_MAX_MS);
  }
}

/** Waits ms; false when the deadline came first. */
async function sleep(ms: number, deadline: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal: deadline });
    return true;
  } catch {
    return false; // the deadline's abort
  }
}

/** The latest plan (plan_show: POST /webhook/plan_show is GET /webhook/plan). ServerUnreachableError when nothing answers. */
function getPlan(config: Config): Promise<Answer> {
  return callServer(config, "plan_show");
}

/** The service's answer: JSON, or its message (and with --show the file's text); exit as the other client commands. */
function print(io: CommandContext["io"], { status, json }: Answer, asJson: boolean, kind: "show" | "command" = "command"): number {
  if (asJson) println(io.stdout, JSON.stringify(json, null, 2));
  else {
    println(status < 300 ? io.stdout : io.stderr, String(json.message ?? JSON.stringify(json)));
    if (kind === "show" && typeof json.text === "string") println(io.stdout, `\n${json.text.trimEnd()}`);
  }
  if (status < 300) return EXIT.ok;
  return status === 400 || status === 404 ? EXIT.badInput : EXIT.taskFailed;
}
