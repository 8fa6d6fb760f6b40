/**
 * Serves only the allowed chats (telegram.chat_ids). An update from any other chat, or one with
 * no chat at all (inline queries...), gets no reply and changes nothing: not even a "not
 * allowed" answer, which would tell a stranger the bot is alive. It is logged, at most once a
 * minute per chat (default) so a stranger cannot flood the log; the next line counts the rest.
 */
import type { Context, MiddlewareFn } from "grammy";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";

/** Distinct chats remembered for rate limiting before the table is reset (bounds memory). */
const MAX_TRACKED_CHATS = 1000;

export function accessGuard(chatIds: string[], log: Logger, clock: Clock, logEveryMs = 60_000): MiddlewareFn<Context> {
  const allowed = new Set(chatIds.map((id) => String(id).trim()));
  const seen = new Map<string, { loggedAt: number; suppressed: number }>();
  return async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (chatId !== undefined && allowed.has(String(chatId))) return next();
    const key = String(chatId ?? "none");
    const now = clock.now().getTime();
    const entry = seen.get(key);
    if (entry && now - entry.loggedAt < logEveryMs) {
      entry.suppressed++;
      return;
    }
    if (seen.size >= MAX_TRACKED_CHATS) seen.clear();
    seen.set(key, { loggedAt: now, suppressed: 0 });
    log.warn(
      { chat_id: key, from_id: ctx.from?.id, username: ctx.from?.username, update_id: ctx.update.update_id, suppressed: entry?.suppressed ?? 0 },
      "ignored an update from a chat that is not in telegram.chat_ids (no reply sent)",
    );
  };
}
