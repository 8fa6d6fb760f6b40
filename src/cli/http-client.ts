import { request } from "node:http";
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
  let res: { status: number; text: string };
  try {
    // X-Orchestrator-By: the event history records the command as sent by "the CLI".
    res = await post(url, JSON.stringify(body), { "Content-Type": "application/json", "X-Webhook-Secret": secret, "X-Orchestrator-By": "the CLI" }, timeoutMs);
  } catch (error) {
    throw new ServerUnreachableError(serverUrl(config), { cause: error });
  }
  const text = res.text;
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { status: "error", message: text.slice(0, 500) } };
  }
}

/** Largest answer read (64 MiB: a long diff or history is a few MB); past it the request fails. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * One POST with node:http, no keep-alive: a client command exits as soon as the answer is in
 * (fetch loads undici and holds the process about 50 ms longer, a third of a command's time).
 * Rejects on a network error, a timeout (the whole exchange within timeoutMs) or an oversized answer.
 */
function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { ...headers, "Content-Length": Buffer.byteLength(body) }, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
