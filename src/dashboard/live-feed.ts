import type { Response } from "express";
import type { Orchestrator } from "../orchestrator/orchestrator.js";

/** Browsers that may follow at once; one more gets 503 (each holds a socket open). */
export const DEFAULT_MAX_CLIENTS = 20;
/** A comment line this often keeps proxies and the browser from dropping a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/**
 * Most bytes a client may leave unread (1 MiB: thousands of events). A browser that stops reading
 * (a phone asleep, a stuck tab) is disconnected past it, so it cannot grow the service's memory;
 * its EventSource reconnects when it wakes and gets the latest progress at once.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;

export interface LiveProgress {
  task: number;
  kind: string;
  text: string;
  tool: string | null;
}

/**
 * The dashboard's Server-Sent Events: one subscription to the orchestrator, fanned out to every
 * browser on /dashboard/events. `progress` carries Claude's latest tool use or text (task_progress);
 * `change` says the state moved (the page reloads its partials). A new client gets the latest
 * progress at once. The heartbeat timer runs only while someone listens and never holds the
 * process (unref); the server's close() ends the streams (closeAllConnections).
 */
export class LiveFeed {
  readonly #clients = new Set<Response>();
  #latest: LiveProgress | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(orchestrator: Pick<Orchestrator, "subscribe">, readonly maxClients = DEFAULT_MAX_CLIENTS, readonly heartbeatMs = HEARTBEAT_MS, readonly maxUnreadBytes = MAX_UNREAD_BYTES) {
    orchestrator.subscribe((change) => {
      const e = change.event;
      if (e.type === "task_progress") {
        this.#latest = { task: e.index + 1, kind: e.progress.kind, text: e.progress.text, tool: e.progress.tool ?? null };
        this.#send("progress", this.#latest);
        return;
      }
      if (change.state !== change.previous) this.#send("change", { status: change.state.status, event: e.type });
    });
  }

  get latest(): LiveProgress | null {
    return this.#latest;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Takes over the response as an event stream; false (nothing written) when maxClients already listen. */
  attach(res: Response): boolean {
    if (this.#clients.size >= this.maxClients) return false;
    res.status(200).set({ "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    res.flushHeaders();
    // Reconnect after 3 s if the stream drops (the browser's EventSource does that by itself).
    res.write("retry: 3000\n\n");
    if (this.#latest) res.write(frame("progress", this.#latest));
    this.#clients.add(res);
    res.on("close", () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopHeartbeat();
    });
    this.#heartbeat ??= setInterval(() => this.#write(": ping\n\n"), this.heartbeatMs);
    this.#heartbeat.unref();
    return true;
  }

  #send(event: string, data: unknown): void {
    if (this.#clients.size > 0) this.#write(frame(event, data));
  }

  #write(text: string): void {
    // A client whose socket is gone is dropped by its close event; a write to it is harmless.
    for (const res of this.#clients) {
      if (res.writableLength > this.maxUnreadBytes) {
        this.#clients.delete(res);
        res.destroy(); // a client that stopped reading: dropped, not buffered without end
        continue;
      }
      res.write(text);
    }
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}

/** One SSE message; JSON never holds a raw newline, so `data:` is one line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
