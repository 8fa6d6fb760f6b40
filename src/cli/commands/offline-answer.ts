import type { Config } from "../../config/config.js";
import { systemClock } from "../../core/clock.js";
import { createIdleState, type SessionState } from "../../core/state.js";
import type { ControlResult } from "../../control/control-types.js";
import { EventHistory } from "../../history/event-history.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { callServer, ServerUnreachableError } from "../http-client.js";
import { readSavedState } from "../read-saved-state.js";

/**
 * A client command that also works with no service running (feedback, learn: they write files,
 * not the session): sent to the service over HTTP; when none answers, or none ever ran here (no
 * webhook secret), `offline` carries it out from the files. Prints the answer (--json: as JSON)
 * and returns the exit code: 0 done, 2 bad request or no such task, 1 refused or not written.
 */
export async function serviceOrOffline(ctx: CommandContext, command: string, config: Config, body: Record<string, unknown>, json: boolean, offline: () => Promise<ControlResult>): Promise<number> {
  const { io } = ctx;
  let status: number;
  let out: Record<string, unknown>;
  try {
    ({ status, json: out } = await callServer(config, command, body));
  } catch (error) {
    if (!(error instanceof ServerUnreachableError) && !/no webhook secret/.test((error as Error).message)) throw error;
    const result = await offline();
    status = result.ok ? 200 : result.code === "bad_request" || result.code === "not_found" ? 400 : 409;
    out = result.ok ? { status: "ok", message: result.message, ...result.data } : { status: "error", error: result.code, message: result.message };
  }
  if (json) println(io.stdout, JSON.stringify(out, null, 2));
  else println(status < 300 ? io.stdout : io.stderr, String(out.message ?? JSON.stringify(out)));
  if (status < 300) return EXIT.ok;
  return status === 400 || status === 404 ? EXIT.badInput : EXIT.taskFailed;
}

/** The state file's session (read-only, no lock; idle when there is none), or why it is not one. */
export async function savedSession(config: Config): Promise<SessionState | string> {
  const saved = await readSavedState(config.paths.state_file);
  if (saved.kind === "invalid") return saved.message;
  return saved.kind === "state" ? saved.state : createIdleState();
}

/** Runs `work` with an event history writer for its line, written and fsynced before this returns. */
export async function withHistory(config: Config, work: (history: EventHistory) => Promise<ControlResult>): Promise<ControlResult> {
  const history = new EventHistory({ dir: config.paths.logs_dir, clock: systemClock, flushMs: 60_000 });
  try {
    return await work(history);
  } finally {
    await history.close();
  }
}
