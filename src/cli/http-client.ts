import type { Config } from "../config/config.js";
import { OrchestratorError } from "../core/errors.js";
import { readSecretFile, secretFileFor } from "../app/webhook-secret.js";

/** The running service could not be reached (not started, wrong port). */
export class ServerUnreachableError extends OrchestratorError {
  override name = "ServerUnreachableError";
  constructor(readonly url: string, options?: { cause?: unknown }) {
    super(`no orchestrator is serving at ${url}. Start it with 'npm start' (or 'orchestrator serve'), or check server.host/server.port.`, options);
  }
}

/** Where the CLI finds the service: a wildcard listen address is reached on loopback. */
export function serverUrl(config: Config): string {
  const host = ["0.0.0.0", "::", ""].includes(config.server.host) ? "127.0.0.1" : config.server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}

/**
 * POSTs a command to the running service (`/webhook/<command>`) with the secret in the
 * X-Webhook-Secret header: the configured one, else the one the service generated beside the state.
 */
export async function callServer(config: Config, command: string, body: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<{ status: number; json: Record<string, unknown> }> {
  const secret = config.webhooks.secret ?? (await readSecretFile(secretFileFor(config)));
  if (!secret) {
    throw new OrchestratorError(`no webhook secret: set WEBHOOK_SECRET, or start the service once (it creates ${secretFileFor(config)}).`);
  }
  const url = `${serverUrl(config)}/webhook/${command}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      // X-Orchestrator-By: the event history records the command as sent by "the CLI".
      headers: { "Content-Type": "application/json", "X-Webhook-Secret": secret, "X-Orchestrator-By": "the CLI" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ServerUnreachableError(serverUrl(config), { cause: error });
  }
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { status: "error", message: text.slice(0, 500) } };
  }
}
