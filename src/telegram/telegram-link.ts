/**
 * The bot's connection to the Bot API, shared by every Api object the bot uses. Two transformers:
 *
 * - `withStopSignal` (install it LAST, so it is outermost): every call carries the stop signal,
 *   also the calls grammY makes on its own (bot.stop()'s last getUpdates) and auto-retry's waits
 *   between retries. abort() at shutdown therefore ends every pending request and every retry
 *   pause at once: nothing Telegram does (no answer, 429 floods, 5xx) can keep the process alive.
 * - `observe` (install it FIRST, so it sees every attempt, retries included): when calls start
 *   failing (no network, no answer, 429, 5xx, 401) it logs ONE warning with the reason, and one
 *   info line when a call succeeds again; the failures in between are debug lines. An outage is
 *   neither silent nor a log line per retry.
 */
import type { Api, Transformer } from "grammy";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";
import { describeTelegramError } from "./describe-telegram-error.js";

/**
 * grammY declares its signals with the abort-controller polyfill's type, and uses that polyfill
 * for its own (bot.start's polling signal). At run time any object with `aborted` and
 * addEventListener works, so a native AbortSignal is passed through this cast. The other way
 * round does not: AbortSignal.any() silently ignores a polyfill signal, hence the manual join in
 * withStopSignal.
 */
export type ApiSignal = NonNullable<Parameters<Api["getMe"]>[0]>;
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;

interface Outage {
  sinceMs: number;
  reason: string;
  /** No answer at all (network error, timeout), as opposed to Telegram answering with an error. */
  unreachable: boolean;
}

export class TelegramLink {
  readonly #stop = new AbortController();
  #outage: Outage | null = null;

  /**
   * `onError`: told of every failed attempt (retries included; not those we aborted), for /metrics:
   * the method and why ("429", "502", "network", "timeout"). Default: nobody.
   */
  constructor(
    readonly log: Logger,
    readonly clock: Clock,
    readonly onError: (method: string, reason: string) => void = () => undefined,
  ) {}

  /** Aborted by abort(): pass it (or a signal combined with it) to anything that waits on Telegram. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Why calls fail now; null while the last call went through. */
  get problem(): string | null {
    return this.#outage?.reason ?? null;
  }

  /** The last attempt got no answer at all (waiting longer for queued messages is pointless). */
  get unreachable(): boolean {
    return this.#outage?.unreachable ?? false;
  }

  /** Shutdown: every pending call and retry pause gives up now; calls made later fail at once. */
  abort(): void {
    this.#stop.abort(new Error("the service is stopping"));
  }

  readonly withStopSignal: Transformer = async (prev, method, payload, signal) => {
    const stop = this.#stop.signal;
    if (!signal) return prev(method, payload, apiSignal(stop));
    const both = new AbortController();
    const own = signal as unknown as AbortSignal;
    const abortFrom = (source: AbortSignal) => () => both.abort(source.reason ?? new Error("aborted"));
    const onOwn = abortFrom(own);
    const onStop = abortFrom(stop);
    if (own.aborted) onOwn();
    else if (stop.aborted) onStop();
    own.addEventListener("abort", onOwn);
    stop.addEventListener("abort", onStop);
    try {
      return await prev(method, payload, apiSignal(both.signal));
    } finally {
      // The stop signal lives as long as the bot: leave no listener per call on it.
      own.removeEventListener("abort", onOwn);
      stop.removeEventListener("abort", onStop);
    }
  };

  readonly observe: Transformer = async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      if (result.ok) {
        this.#succeeded();
        return result;
      }
      this.onError(method, String(result.error_code));
      if (result.error_code === 429 || result.error_code === 401 || result.error_code >= 500) this.#failed(method, `${result.error_code} ${result.description}`, false);
      return result;
    } catch (error) {
      // Aborted by us (stop, a message's deadline, polling stopped): not news about the link,
      // except a deadline that ran out, which is a peer that did not answer.
      const reason = signal?.aborted ? ((signal as unknown as AbortSignal).reason as Error | undefined) : undefined;
      if (!signal?.aborted) {
        this.onError(method, "network");
        this.#failed(method, describeTelegramError(error), true);
      } else if (reason?.name === "TimeoutError") {
        this.onError(method, "timeout");
        this.#failed(method, "no answer (timed out)", true);
      }
      throw error;
    }
  };

  #failed(method: string, reason: string, unreachable: boolean): void {
    if (this.#outage) {
      this.#outage.reason = reason;
      this.#outage.unreachable = unreachable;
      this.log.debug({ method, reason }, "Telegram call failed (still failing)");
      return;
    }
    this.#outage = { sinceMs: this.clock.now().getTime(), reason, unreachable };
    this.log.warn({ method, reason }, `Telegram calls are failing: ${reason}. Messages are retried, each for a bounded time, then given up (logged); the bot keeps trying`);
  }

  #succeeded(): void {
    if (!this.#outage) return;
    const downS = Math.max(0, Math.round((this.clock.now().getTime() - this.#outage.sinceMs) / 1000));
    this.#outage = null;
    this.log.info({ down_s: downS }, `Telegram calls go through again (after ${downS} s of failures)`);
  }
}
