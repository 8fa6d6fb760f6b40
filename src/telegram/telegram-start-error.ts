/**
 * Why one start-up attempt of the Telegram bot failed: a reason a person can act on (the message)
 * and, for a 429, how long Telegram asked to wait. No grammY import: serve.ts loads grammY only
 * when a bot is configured, and its retry loop needs this type either way.
 */
export class TelegramStartError extends Error {
  constructor(
    reason: string,
    /** Telegram's retry_after (429), seconds; null when it did not say. */
    readonly retryAfterS: number | null = null,
  ) {
    super(reason);
    this.name = "TelegramStartError";
  }
}
