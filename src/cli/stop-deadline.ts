/**
 * The last guarantee of `serve`'s shutdown: once a stop signal is received, the process is gone
 * within `ms`, whatever a peer does. Each step of the stop is bounded on its own (the task's
 * kill grace, 2 s for n8n, 5 s + 2 s for Telegram); this catches what no one foresaw (a library's
 * timer, a socket that never closes). When it fires it logs what stop() was still doing and what
 * Node still holds open, then exits with STOP_DEADLINE_EXIT: a stuck stop is a failure, not a
 * clean exit. Its timer is unref'd: a stop that finishes lets the process exit as usual.
 *
 * Default: claude.kill_grace + 10 s (15 s with the default kill_grace of 5 s), always longer than
 * ending the running task takes.
 */
import type { Logger } from "../logging/create-logger.js";

export const STOP_DEADLINE_MARGIN_S = 10;
export const STOP_DEADLINE_EXIT = 1;

/** The stop deadline for a kill grace (seconds), in ms. */
export function stopDeadlineMs(killGraceS: number): number {
  return (Math.max(0, killGraceS) + STOP_DEADLINE_MARGIN_S) * 1000;
}

export interface StopDeadlineOptions {
  ms: number;
  /** The steps of the stop still under way (Service.pendingStop). */
  pending: () => string[];
  log: Logger;
  /** process.exit, injected for tests. */
  exit?: (code: number) => void;
}

/** Arms the deadline; returns a function that disarms it (tests; the process normally just exits). */
export function armStopDeadline(opts: StopDeadlineOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const timer = setTimeout(() => {
    const pending = opts.pending();
    // What keeps the event loop alive (sockets, timers...), to find the culprit.
    const resources = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const doing = pending.length > 0 ? `still pending: ${pending.join("; ")}` : "stop() had finished, but something kept the process alive";
    opts.log.error({ pending, active_resources: resources, deadline_s: opts.ms / 1000 }, `stop did not finish within ${opts.ms / 1000} s (${doing}); exiting now with code ${STOP_DEADLINE_EXIT}`);
    exit(STOP_DEADLINE_EXIT);
  }, opts.ms);
  timer.unref();
  return () => clearTimeout(timer);
}
