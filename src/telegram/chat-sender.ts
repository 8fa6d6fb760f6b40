/**
 * Everything the bot sends goes through here: HTML parse mode, splitting at 4096 characters,
 * one queue per chat so messages arrive in the order they were produced (a 429 that auto-retry
 * waits out holds back that chat's later messages instead of letting them overtake).
 *
 * Nothing here throws: a message Telegram refuses is logged and dropped. In particular a refused
 * message is never re-sent as plain text: a 400 "can't parse entities" is a bug to fix, and a
 * 429 is auto-retry's business (FIELD-NOTES).
 */
import { GrammyError, InputFile, type Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Logger } from "../logging/create-logger.js";
import { splitHtml } from "./split-message.js";

type ChatId = string | number;

export class ChatSender {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly api: Api,
    readonly log: Logger,
  ) {}

  /**
   * Sends `html` (in several messages when longer than one), the keyboard under the last part.
   * Resolves with the last part's message id, or null when Telegram refused it (logged).
   */
  send(chatId: ChatId, html: string, keyboard: InlineKeyboardMarkup | null = null): Promise<number | null> {
    return this.#enqueue(chatId, "sendMessage", async () => {
      const parts = splitHtml(html);
      let last: number | null = null;
      for (const [i, part] of parts.entries()) {
        const markup = keyboard && i === parts.length - 1 ? { reply_markup: keyboard } : {};
        const message = await this.api.sendMessage(chatId, part, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...markup });
        last = message.message_id;
      }
      return last;
    });
  }

  /** Replaces a message's text; without a keyboard its buttons go away. Resolves false on failure. */
  edit(chatId: ChatId, messageId: number, html: string, keyboard: InlineKeyboardMarkup | null = null): Promise<boolean> {
    return this.#enqueue(chatId, "editMessageText", async () => {
      const text = splitHtml(html)[0] ?? html;
      await this.api.editMessageText(chatId, messageId, text, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...(keyboard ? { reply_markup: keyboard } : {}) });
      return true;
    }).then((ok) => ok ?? false);
  }

  /** Sends `content` as a file (for text too long to read as messages, like a big log tail). */
  sendDocument(chatId: ChatId, filename: string, content: string, captionHtml: string): Promise<number | null> {
    return this.#enqueue(chatId, "sendDocument", async () => {
      const message = await this.api.sendDocument(chatId, new InputFile(Buffer.from(content, "utf8"), filename), { caption: captionHtml, parse_mode: "HTML" });
      return message.message_id;
    });
  }

  /**
   * Stops the button's spinner, with an optional toast. Not queued: Telegram wants the answer
   * within seconds, whatever else the chat is waiting for.
   */
  async answerCallback(queryId: string, text?: string): Promise<void> {
    try {
      await this.api.answerCallbackQuery(queryId, text ? { text } : {});
    } catch (error) {
      this.log.warn({ err: describe(error) }, "answerCallbackQuery failed");
    }
  }

  /** Resolves when every queued message has been sent (or has failed), or after `ms`. */
  async idle(ms = 5000): Promise<void> {
    const all = Promise.allSettled([...this.#queues.values()]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  }

  #enqueue<T>(chatId: ChatId, method: string, job: () => Promise<T>): Promise<T | null> {
    const key = String(chatId);
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(job).catch((error: unknown) => {
      const level = error instanceof GrammyError && /message is not modified/.test(error.description) ? "debug" : "error";
      this.log[level]({ chat_id: key, method, err: describe(error) }, `Telegram ${method} failed; dropped`);
      return null;
    });
    this.#queues.set(key, run);
    // Forget a drained queue so a chat that went quiet holds no promise chain.
    void run.then(() => {
      if (this.#queues.get(key) === run) this.#queues.delete(key);
    });
    return run;
  }
}

function describe(error: unknown): string {
  if (error instanceof GrammyError) return `${error.error_code} ${error.description}`;
  return error instanceof Error ? error.message : String(error);
}
