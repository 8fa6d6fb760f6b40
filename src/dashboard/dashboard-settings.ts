import type { Config } from "../config/config.js";

/** 127.0.0.1, ::1, localhost and the rest of 127/8: only this machine can reach the server. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Whether the dashboard is served. `enabled: auto` (the default): on when server.host is
 * loopback; on another host only once webhooks.secret is set explicitly (config or
 * WEBHOOK_SECRET), never with the secret serve generated into a file nobody has read yet.
 * `explicitSecret` is whether config.webhooks.secret was set before serve filled it in.
 */
export function dashboardEnabled(config: Config, explicitSecret: boolean): boolean {
  const setting = config.dashboard.enabled;
  if (setting === true || setting === false) return setting;
  return isLoopbackHost(config.server.host) || explicitSecret;
}

/** The dashboard's address for links: dashboard.url, else http://<host>:<port> of the bound server (boundUrl). */
export function dashboardBaseUrl(config: Config, boundUrl: string): string {
  return (config.dashboard.url ?? boundUrl).replace(/\/+$/, "");
}
