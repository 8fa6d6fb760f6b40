import http from "node:http";
import type { AddressInfo } from "node:net";
import { ListenError } from "../core/errors.js";

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:5000 (IPv6 hosts in brackets). */
  url: string;
  /** The port actually bound (the free one picked when asked for 0). */
  port: number;
  /** Stops listening and ends open connections, keep-alive ones included. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Bounds on a slow client (slowloris: headers sent a byte at a time on many sockets), so such a
 * socket is cut with 408 instead of held for Node's defaults (60 s for headers, 300 s per request,
 * checked every 30 s). All headers within 10 s, the whole request (bodies are at most 64 kb)
 * within 30 s, checked every second. Other clients are answered meanwhile either way.
 */
export const SLOW_CLIENT_LIMITS: http.ServerOptions = Object.freeze({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 });

/**
 * Listens on host:port (port 0 picks a free one) and resolves once bound. Any listen failure
 * rejects with a ListenError naming the setting to change: a taken port "port N is in use: ...",
 * a privileged port, a host that is not an address of this machine; others with their own message.
 */
export async function startHttpServer(app: http.RequestListener, host: string, port: number): Promise<RunningHttpServer> {
  const server = http.createServer(SLOW_CLIENT_LIMITS, app);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(new ListenError(listenFailure(error, host, port), host, port, error.code ?? null, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // The callback's error only says "not running"; either way it is closed.
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open for keepAliveTimeout (5 s); in-flight
        // requests are cut too: callers stop the work first (orchestrator.shutdown()).
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What went wrong and what to do instead, for a person who ran `serve`. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `port ${port} is in use: set PORT or server.port to a free port, or stop what listens on ${host}:${port} (is another orchestrator serve running?)`;
    case "EACCES":
      return `port ${port} needs privileges on ${host}: set PORT or server.port to 1024 or higher`;
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this machine: set HOST or server.host (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host ${host} could not be resolved: set HOST or server.host to an address of this machine, e.g. 127.0.0.1`;
    default:
      return `could not listen on ${host}:${port}: ${error.message}. Check HOST/PORT (server.host, server.port)`;
  }
}
