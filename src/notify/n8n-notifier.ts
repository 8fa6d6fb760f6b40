import { setTimeout as sleep } from "node:timers/promises";
import pRetry from "p-retry";
import type { Logger } from "pino";
import type { NotificationPayload } from "../core/state.js";
import type { Change, Orchestrator } from "../orchestrator/orchestrator.js";
import { postNotification, type PostResult } from "./post-notification.js";

export interface N8nNotifierOptions {
  /** n8n webhook URL. Its path and query may hold a token: only its origin is ever logged. */
  url: string;
  /** Sent as X-Webhook-Secret; null sends no such header. Never logged. */
  secret: string | null;
  orchestrator: Orchestrator;
  logger: Logger;
  /** Tries after the first one before an entry is set aside (default 3). */
  retries?: number;
  /** First backoff step, doubled on each retry, with full jitter (default 1000 ms, capped at 30 s). */
  baseDelayMs?: number;
  /** Limit of one request, answer included (default 10000 ms). */
  timeoutMs?: number;
  /** Pause after an entry used up its retries, before it is tried again (default 60000 ms). */
  retryPauseMs?: number;
  /** Source of jitter (default Math.random), injectable for tests. */
  random?: () => number;
  /** HTTP client (default the global fetch), injectable for tests. */
  fetch?: typeof fetch;
  /** Told of every try n8n did not take: "failed" (retried) or "rejected" (4xx, dropped); for /metrics. Default: nobody. */
  onDeliveryFailure?: (kind: "failed" | "rejected") => void;
}

/** Backoff steps never exceed this, whatever retries and baseDelayMs say. */
const MAX_BACKOFF_MS = 30_000;

/** A try n8n did not take (5xx, 408/429, redirect, network error, timeout): p-retry tries again. */
class NotTaken extends Error {
  constructor(readonly result: Extract<PostResult, { kind: "failed" }>) { super(result.reason); }
}

/**
 * Delivers the orchestrator's outbox to n8n, oldest first and one at a time (so a chat reads in
 * order), and acknowledges each delivered entry so it leaves the persisted outbox.
 *
 * It never blocks the orchestrator: the subscription only wakes the delivery loop, which reads
 * `orchestrator.state.outbox` itself. Delivery is at least once: an entry whose acknowledgement was
 * not saved, or whose request was cut by a stop, is sent again (same id) after the next start.
 * When n8n is down, the oldest entry holds the line: after its retries it waits `retryPauseMs` and
 * is tried again, so a dead n8n costs a few requests a minute, not a storm; nothing is dropped
 * except entries n8n rejects with a 4xx (and those the state's outbox limit drops: said at once in
 * the log, then counted in the minutely warning and in the line saying n8n is back).
 */
export class N8nNotifier {
  readonly #o: Required<Omit<N8nNotifierOptions, "logger" | "orchestrator" | "secret" | "onDeliveryFailure">> & { secret: string | null };
  readonly #onFailure: (kind: "failed" | "rejected") => void;
  readonly #orchestrator: Orchestrator;
  readonly #log: Logger;
  readonly #origin: string;
  /** Delivered or rejected by this process: never sent again, even while its acknowledgement is pending or failed. */
  readonly #settled = new Set<string>();
  #toAck: string[] = [];
  #acking: Promise<void> | null = null;
  #loop: Promise<void> | null = null;
  #stop = new AbortController();
  #unsubscribe: (() => void) | null = null;
  /** Set while the loop waits for new entries; calling it wakes the loop. */
  #wake: (() => void) | null = null;
  #idleWaiters: (() => void)[] = [];
  /** n8n failed the last try: the next delivery is worth an info line saying it is back. */
  #failing = false;
  /** Entries the outbox limit dropped before n8n took them, since n8n last took one; and how many of those the log has told. */
  #dropped = 0;
  #droppedTold = 0;

  constructor(opts: N8nNotifierOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      // URL's own error would quote the value, token and all.
      throw new Error("the n8n notify URL is not a valid URL");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`the n8n notify URL must be http(s), not ${parsed.protocol}`);
    if (parsed.username || parsed.password) throw new Error("the n8n notify URL must not hold credentials (fetch refuses them); use the webhook secret");
    this.#origin = parsed.origin;
    this.#onFailure = opts.onDeliveryFailure ?? (() => undefined);
    this.#orchestrator = opts.orchestrator;
    this.#log = opts.logger.child({ module: "notify" });
    this.#o = {
      url: opts.url,
      secret: opts.secret,
      retries: Math.max(0, Math.floor(opts.retries ?? 3)),
      baseDelayMs: Math.max(0, opts.baseDelayMs ?? 1000),
      timeoutMs: Math.max(1, opts.timeoutMs ?? 10_000),
      retryPauseMs: Math.max(0, opts.retryPauseMs ?? 60_000),
      random: opts.random ?? Math.random,
      fetch: opts.fetch ?? globalThis.fetch,
    };
  }

  /** Sends what the outbox already holds (a restart re-sends), then follows new entries. Idempotent. */
  start(): void {
    if (this.#loop) return;
    if (!this.#orchestrator.options.outbox) this.#log.warn("the orchestrator was opened without outbox: true, so there is nothing to send to n8n");
    this.#stop = new AbortController();
    this.#unsubscribe = this.#orchestrator.subscribe((change) => {
      this.#noteDropped(change);
      this.#poke();
    });
    const waiting = this.#outbox().length;
    this.#log.info({ waiting }, `n8n notifications to ${this.#origin}${waiting ? `: ${waiting} waiting in the outbox` : ""}`);
    this.#loop = this.#run()
      .catch((error: unknown) => this.#log.error({ err: error }, "the n8n delivery loop failed; notifications wait in the outbox for the next start"))
      .finally(() => {
        this.#loop = null;
        this.#checkIdle();
      });
  }

  /** Stops following, aborts the request in flight (its entry stays in the outbox) and waits for pending acknowledgements. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#stop.abort();
    this.#poke();
    await this.#loop;
    await this.#acking;
  }

  /** Resolves once nothing is waiting to be sent, in flight or being acknowledged (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const entry = this.#outbox().find((e) => !this.#settled.has(e.id));
      if (!entry) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#checkIdle();
        });
        continue;
      }
      if ((await this.#deliver(entry)) === "exhausted") {
        const dropped = this.#dropped - this.#droppedTold;
        this.#droppedTold = this.#dropped;
        this.#log.warn(
          { id: entry.id, event: entry.event, retry_in_ms: this.#o.retryPauseMs, dropped: dropped || undefined },
          `n8n did not take notification ${entry.id} after ${this.#o.retries + 1} tries; it stays in the outbox and is tried again in ${Math.round(this.#o.retryPauseMs / 1000)} s` +
            (dropped ? `; ${dropped} more were dropped since the last warning (outbox full)` : ""),
        );
        await this.#pause(this.#o.retryPauseMs);
      }
    }
  }

  /**
   * One entry, with its retries (p-retry counts them and ends on stop()); the same id on every try.
   * p-retry's delay is off: its jitter (x1..2) is not full jitter and ignores Retry-After, so we wait.
   */
  async #deliver(entry: NotificationPayload): Promise<"done" | "exhausted" | "stopped"> {
    const { id, event } = entry;
    const signal = this.#stop.signal;
    const tryOnce = async (attempt: number): Promise<"done" | "stopped"> => {
      // The outbox limit may have dropped it while we waited: nothing left to deliver.
      if (!this.#outbox().some((e) => e.id === id)) return "done";
      const result = await postNotification(entry, { url: this.#o.url, secret: this.#o.secret, timeoutMs: this.#o.timeoutMs, signal, fetch: this.#o.fetch });
      if (result.kind === "failed") {
        this.#failing = true;
        this.#onFailure("failed");
        throw new NotTaken(result);
      }
      if (result.kind === "delivered") {
        if (this.#failing || this.#dropped) {
          const lost = this.#dropped ? `; ${this.#dropped} notifications were dropped meanwhile (outbox full) and n8n never got them` : "";
          this.#log[this.#dropped ? "warn" : "info"]({ id, status: result.status, dropped: this.#dropped || undefined }, `n8n takes notifications again${lost}`);
        }
        this.#failing = false;
        this.#dropped = this.#droppedTold = 0;
        this.#log.debug({ id, event, status: result.status, attempt }, `delivered ${id} to n8n`);
      } else if (result.kind === "rejected") {
        // n8n (or a proxy before it) refused this payload for good: resending the same bytes gets the
        // same answer and would hold every later notification behind it. Drop it, loudly.
        this.#onFailure("rejected");
        this.#log.warn({ id, event, status: result.status }, `n8n rejected notification ${id} (${event}) with ${result.reason}; dropped, not retried`);
      } else return "stopped";
      this.#settle(id);
      return "done";
    };
    try {
      return await pRetry(tryOnce, {
        retries: this.#o.retries,
        minTimeout: 0,
        signal,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          // Anything but a failed POST is a defect: no retry, it ends the loop (logged by start()).
          if (!(error instanceof NotTaken)) throw error;
          if (retriesLeft === 0) return;
          const backoff = Math.floor(this.#o.random() * Math.min(MAX_BACKOFF_MS, this.#o.baseDelayMs * 2 ** (attemptNumber - 1)));
          // Honour a Retry-After (429/408), but never wait longer than the long pause would.
          const wait = Math.min(Math.max(backoff, error.result.retryAfterMs ?? 0), Math.max(backoff, this.#o.retryPauseMs));
          this.#log.debug({ id, event, status: error.result.status ?? undefined, attempt: attemptNumber, retry_in_ms: wait }, `n8n did not take ${id}: ${error.result.reason}`);
          await this.#pause(wait);
        },
      });
    } catch (error) {
      if (signal.aborted) return "stopped";
      if (error instanceof NotTaken) return "exhausted";
      throw error;
    }
  }

  /** Marks an entry as done and acknowledges it; deliveries completing while one save runs go in the next batch. */
  #settle(id: string): void {
    this.#settled.add(id);
    this.#toAck.push(id);
    this.#acking ??= this.#flushAcks();
  }

  async #flushAcks(): Promise<void> {
    while (this.#toAck.length > 0) {
      const ids = this.#toAck.splice(0);
      try {
        await this.#orchestrator.acknowledgeNotifications(ids);
      } catch (error) {
        this.#log.error({ err: error, ids }, "could not record delivered notifications");
      }
      const left = new Set(this.#outbox().map((e) => e.id));
      const kept = ids.filter((id) => left.has(id));
      // Not sent again by this process (#settled keeps them); after a restart they are, with the same id.
      if (kept.length > 0) this.#log.warn({ ids: kept }, "delivered notifications are still in the saved outbox; n8n may get them again after a restart");
    }
    // Forget ids that left the outbox, so the set stays as small as the outbox.
    const left = new Set(this.#outbox().map((e) => e.id));
    for (const id of this.#settled) if (!left.has(id)) this.#settled.delete(id);
    this.#acking = null;
    this.#checkIdle();
  }

  /**
   * The state keeps at most OUTBOX_LIMIT undelivered entries and drops the oldest past that (the
   * machine cannot log). An entry that left the outbox by any event but our acknowledgement, and
   * that n8n did not take, is lost: the first of a streak is told at once, the rest are counted.
   */
  #noteDropped(change: Change): void {
    if (change.event.type === "notifications_delivered") return;
    const before = change.previous.outbox ?? [];
    const after = change.state.outbox ?? [];
    // The limit drops from the front: an unchanged first entry (the usual case) means nothing went.
    if (before.length === 0 || after[0]?.id === before[0]?.id) return;
    const firstKept = after.length > 0 ? before.findIndex((e) => e.id === after[0]!.id) : -1;
    const gone = firstKept === -1 ? before : before.slice(0, firstKept);
    const lost = gone.filter((e) => !this.#settled.has(e.id));
    if (lost.length === 0) return;
    this.#dropped += lost.length;
    if (this.#droppedTold > 0) return;
    this.#droppedTold = this.#dropped;
    const first = lost[0]!;
    this.#log.error(
      { dropped: lost.length, first_id: first.id, first_event: first.event, waiting: after.length },
      `the n8n outbox is full (${after.length} notifications wait for n8n): the oldest are dropped and n8n will never get them, starting with ${first.id} (${first.event})`,
    );
  }

  #outbox(): NotificationPayload[] {
    // State files from before the outbox existed have none until their first transition.
    return this.#orchestrator.state.outbox ?? [];
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits, cut short by stop() (p-retry then sees the aborted signal and ends). Unref'd: a pending retry alone does not keep the process alive. */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#stop.signal, ref: false }).catch(() => undefined);
  }

  #isIdle(): boolean {
    return (this.#loop === null || this.#wake !== null) && this.#acking === null;
  }

  #checkIdle(): void {
    if (this.#isIdle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
