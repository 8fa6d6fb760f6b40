/**
 * Who sent the update being handled ("Telegram 123 @ana": the chat and the person), for the
 * event history. A middleware keeps it for the whole handling of the update, conversations and
 * button presses included, so runCommand can put it on every command without each handler
 * passing it along. Outside an update (a report, a timer) there is none.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, MiddlewareFn } from "grammy";
import type { User } from "grammy/types";

const storage = new AsyncLocalStorage<string>();

/** "Telegram 123 @ana", else "Telegram 123 Ana" (first name), else "Telegram 123". */
export function describeSender(chatId: number | string | undefined, from: Pick<User, "username" | "first_name"> | undefined): string {
  const chat = chatId === undefined ? "" : ` ${chatId}`;
  const who = from?.username ? ` @${from.username}` : from?.first_name ? ` ${from.first_name}` : "";
  return `Telegram${chat}${who}`;
}

export function updateSender<C extends Context>(): MiddlewareFn<C> {
  return (ctx, next) => storage.run(describeSender(ctx.chat?.id, ctx.from), next);
}

/** The sender of the update being handled, or null outside one. */
export function currentSender(): string | null {
  return storage.getStore() ?? null;
}
