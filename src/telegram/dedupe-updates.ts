/**
 * Handles each update_id once. Telegram re-sends a webhook update that was not acknowledged in
 * time, and long polling can re-deliver after a crash (FIELD-NOTES); a repeated /approve must
 * not be answered twice. Remembers the last `capacity` ids (default 1000), in memory only: a
 * re-delivery across a restart is not caught here (the state machine refuses most repeats).
 */
import type { Context, MiddlewareFn } from "grammy";
import type { Logger } from "../logging/create-logger.js";

export function dedupeUpdates(log: Logger, capacity = 1000): MiddlewareFn<Context> {
  const seen = new Set<number>();
  const order: number[] = [];
  return async (ctx, next) => {
    const id = ctx.update.update_id;
    if (seen.has(id)) {
      log.info({ update_id: id }, "ignored a repeated update (re-delivery)");
      return;
    }
    seen.add(id);
    order.push(id);
    if (order.length > capacity) seen.delete(order.shift() as number);
    await next();
  };
}
