import net from "node:net";
import { serverUrl } from "../cli/http-client.js";
import { describeCause, fail, ok, warn, type DoctorCheck } from "./doctor-check.js";

/**
 * server.host:port is free (we listen on it for a moment and close), or the service already runs
 * there (GET /health answers as ours does). Anything else holding the port is a failure: serve
 * would exit 2 with EADDRINUSE.
 */
export const portCheck: DoctorCheck = {
  id: "port",
  title: "server.port",
  network: false,
  limitMs: (t) => t.local,
  async run(ctx) {
    const { host, port } = ctx.config.server;
    if (!ctx.config.webhooks.enabled) return ok("port", "HTTP API off (webhooks.enabled is false): no port needed");
    if (port === 0) return ok("port", "server.port is 0: serve takes any free port and prints it");
    const code = await tryListen(host, port);
    if (code === null) return ok("port", `port ${port} on ${host} is free`);
    const fixPort = "stop what listens there, or set PORT / server.port to a free port";
    if (code !== "EADDRINUSE") {
      return fail("port", `cannot listen on ${host}:${port} (${code})`, code === "EACCES" ? "use a port above 1023 (PORT / server.port)" : "check server.host (an address of this machine) and server.port");
    }
    const url = serverUrl(ctx.config);
    let res: Response;
    try {
      res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(ctx.timeouts.local) });
    } catch (error) {
      return fail("port", `port ${port} on ${host} is in use by another program (no HTTP answer: ${describeCause(error)})`, fixPort);
    }
    const body = (await res.json().catch(() => null)) as { status?: unknown; problems?: unknown } | null;
    if (res.status === 200 && body?.status === "ok") return ok("port", `the service is running (healthy) at ${url}`);
    if (res.status === 503 && body?.status === "degraded") {
      const problems = Array.isArray(body.problems) ? body.problems.join("; ") : "see its log";
      return warn("port", `the service is running at ${url} but degraded: ${problems}`, "see the service's log; /health says what is wrong");
    }
    return fail("port", `port ${port} on ${host} is in use by another program (GET /health answered HTTP ${res.status})`, fixPort);
  },
};

/** null when host:port could be listened on (and was closed again), else the errno code. */
function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (error) => resolve(describeCause(error)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
