/**
 * `orchestrator serve` over a real-claude project (real-claude-harness.ts), driven through its
 * HTTP API as n8n or a phone would: the real CLI under it talks to the project's mock Messages
 * API, and the service's notifications go to an n8n stand-in (an HttpCatcher) that records them.
 * The Telegram bot is left out (no token): nothing leaves 127.0.0.1.
 */
import type { PendingPermission, StatusData } from "../../src/control/control-types.js";
import type { NotificationPayload } from "../../src/core/state.js";
import { HttpCatcher } from "../fixtures/http-catcher.js";
import { waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { SECRETS, type RealProject } from "./real-claude-harness.js";

export interface HttpAnswer {
  status: number;
  json: Record<string, unknown>;
}

export interface RealService {
  url: string;
  /** The child process (its pid, to check it is gone after stop()). */
  service: RunningService;
  /** POST /webhook/<route> with the webhook secret in its header. */
  post(route: string, body?: Record<string, unknown>): Promise<HttpAnswer>;
  /** POST /webhook/status: the session as the API shows it (status is waiting_permission while a request is pending). */
  status(): Promise<StatusData & { message: string }>;
  /** POST /webhook/permissions: the pending requests, oldest first. */
  pending(): Promise<PendingPermission[]>;
  /** Resolves with the first pending request that `match`es (default: any) once there is one; rejects after `ms`. */
  untilAsked(match?: (p: PendingPermission) => boolean, ms?: number): Promise<PendingPermission>;
  /** Resolves with the session once its API status is `status`; rejects after `ms`, saying where it stood. */
  untilStatus(status: string, ms?: number): Promise<StatusData>;
  /** The notifications n8n was sent so far, in order. */
  notifications(): NotificationPayload[];
  /** Everything the service printed. */
  output(): string;
  /** SIGTERM (the service ends a running task, saves, exits), then closes the n8n stand-in. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `orchestrator serve` in the project's work folder (its config.yaml, paths relative to it). */
export async function serveProject(p: RealProject): Promise<RealService> {
  const n8n = await HttpCatcher.start();
  const service = await startService(p.work, { ...p.env, N8N_NOTIFY_URL: `${n8n.url}/webhook/notify`, TELEGRAM_BOT_TOKEN: undefined, PORT: "0" });
  const post = async (route: string, body: Record<string, unknown> = {}): Promise<HttpAnswer> => {
    const res = await fetch(`${service.url}/webhook/${route}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-secret": SECRETS.WEBHOOK_SECRET },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const status = async () => (await post("status")).json as unknown as StatusData & { message: string };
  const pending = async () => ((await post("permissions")).json.pending as PendingPermission[] | undefined) ?? [];
  let stopped: Promise<void> | null = null;
  return {
    url: service.url,
    service,
    post,
    status,
    pending,
    untilAsked: (match = () => true, ms = 30_000) => waitFor(async () => (await pending()).find(match), ms, "a pending permission request"),
    untilStatus: async (want, ms = 60_000) => {
      let last = "";
      try {
        return await waitFor(async () => {
          const s = await status();
          last = `${s.status}: ${s.message}`;
          return s.status === want ? s : undefined;
        }, ms, `session status ${want}`);
      } catch {
        throw new Error(`the session did not reach ${want} within ${ms} ms; last seen ${last}\n--- service output (end) ---\n${service.output().slice(-4000)}`);
      }
    },
    notifications: () => n8n.requests.map((r) => r.body as NotificationPayload),
    output: () => service.output(),
    stop: () => (stopped ??= (async () => {
      await service.stop(); // a kill of a process already gone is a no-op
      await n8n.close();
    })()),
  };
}
