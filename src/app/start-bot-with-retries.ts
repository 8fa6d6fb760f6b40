/**
 * Starts the Telegram bot in the background without holding up the service: while Telegram
 * cannot be reached (network down, a wrong TELEGRAM_API_ROOT, a peer that never answers, 429
 * floods, 5xx) the HTTP API and the orchestrator serve, and the bot tries again after 5 s,
 * doubling up to 5 min (or longer when Telegram's retry_after says so). Every failure is one
 * error line with the reason and the next try; at most one line per pause, so never a tight loop.
 * Each attempt is bounded by the bot itself (a time limit per call, see createTelegramBot).
 *
 * `signal` (the service stopping) ends it at once, mid-attempt or mid-pause: nothing is left
 * waiting and no timer is left behind.
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Logger } from "../logging/create-logger.js";
import { TelegramStartError } from "../telegram/telegram-start-error.js";

export interface StartableBot {
  /** One attempt; rejects with the reason (a TelegramStartError may carry retry_after). */
  start(signal?: AbortSignal): Promise<void>;
}

export interface StartRetryOptions {
  /** Pause after the first failure, ms (default 5000); doubles after each further one. */
  firstDelayMs?: number;
  /** Longest pause, ms (default 300 000), unless Telegram's retry_after asks for more. */
  maxDelayMs?: number;
  /** Waits `ms` or until `signal` aborts (tests record the pauses instead of waiting). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const START_RETRY_DEFAULTS = { firstDelayMs: 5000, maxDelayMs: 300_000 } as const;

/** Resolves true once the bot runs, false when `signal` stopped the tries. Never rejects. */
export async function startBotWithRetries(bot: StartableBot, log: Logger, signal: AbortSignal, opts: StartRetryOptions = {}): Promise<boolean> {
  const firstDelayMs = opts.firstDelayMs ?? START_RETRY_DEFAULTS.firstDelayMs;
  const maxDelayMs = opts.maxDelayMs ?? START_RETRY_DEFAULTS.maxDelayMs;
  const sleep = opts.sleep ?? abortableSleep;
  let delayMs = firstDelayMs;
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await bot.start(signal);
      if (attempt > 1) log.info({ attempt }, `the Telegram bot started (attempt ${attempt})`);
      return true;
    } catch (error) {
      if (signal.aborted) break;
      const reason = error instanceof Error ? error.message : String(error);
      const retryAfterMs = error instanceof TelegramStartError && error.retryAfterS !== null ? error.retryAfterS * 1000 : 0;
      const waitMs = Math.max(Math.min(delayMs, maxDelayMs), retryAfterMs);
      log.error(
        { reason, attempt, retry_in_s: waitMs / 1000 },
        `the Telegram bot could not start: ${reason}; trying again in ${waitMs / 1000} s. The HTTP API and the orchestrator work meanwhile; no messages reach the phone until the bot starts`,
      );
      await sleep(waitMs, signal);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
  return false;
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, { signal }).catch(() => undefined);
}
