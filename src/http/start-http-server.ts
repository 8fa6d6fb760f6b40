import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:5000 (IPv6 hosts in brackets). */
  url: string;
  /** The port actually bound (the free one picked when asked for 0). */
  port: number;
  /** Stops listening and ends open connections, keep-alive ones included. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free one) and resolves once bound. A taken port rejects
 * with "port N is in use: set PORT or server.port"; other listen errors reject as they are.
 */
export async function startHttpServer(app: http.RequestListener, host: string, port: number): Promise<RunningHttpServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(new Error(`port ${port} is in use: set PORT or server.port (listening on ${host}:${port} failed)`, { cause: error }));
      } else if (error.code === "EACCES") {
        reject(new Error(`port ${port} needs privileges on ${host}: set PORT or server.port to 1024 or higher`, { cause: error }));
      } else {
        reject(error);
      }
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
