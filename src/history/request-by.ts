import type { ControlRequest } from "../control/control-types.js";

/** Requests that only read (nothing reaches the orchestrator, so there is no one to record). */
const READ_ONLY: ReadonlySet<string> = new Set(["status", "help", "logs", "diff", "permissions", "history"]);

/**
 * The request with who sent it, for the event history: `by` is set when the request will reach
 * the orchestrator and carries none yet. A `by` already given is kept: it is what the messages
 * say ("cancelled by Telegram @ana"). Each surface calls this with its own words:
 * "Telegram 123 @ana", "HTTP 127.0.0.1", "the CLI".
 */
export function withBy(request: ControlRequest, by: string): ControlRequest {
  if (READ_ONLY.has(request.command)) return request;
  const given = (request as { by?: unknown }).by;
  if (typeof given === "string" && given.trim() !== "") return request;
  return { ...request, by } as ControlRequest;
}
