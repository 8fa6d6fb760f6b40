/**
 * Everything the bot sends goes through here: HTML parse mode, splitting at 4096 characters,
 * one queue per chat so messages arrive in the order they were produced (a 429 that auto-retry
 * waits out holds back that chat's later messages instead of letting them overtake).
 *
 * Nothing here throws: a message Telegram refuses is logged and dropped. In particular a refused
 * message is never re-sent as plain text: a 400 "can't parse entities" is a bug to fix, and a
 * 429 is auto-retry's business (FIELD-NOTES).
 *
 * Every wait is bounded. A message has `deliverMs` (default 120 s) from the moment it is queued
 * to reach Telegram, retries (auto-retry: 429, 5xx, network) and its turn in the chat's queue
 * included; after that it is given up and an error line names it and the last reason. The same at
 * shutdown: once `signal` is aborted, whatever is still queued is given up at once, each logged.
 * So a Telegram outage costs messages, loudly, but never holds the process or the queue for good.
 */
import { GrammyError, InputFile, type Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Logger } from "../logging/create-logger.js";
import { describeTelegramError } from "./describe-telegram-error.js";
import { splitHtml } from "./rendering/split-message.js";
import { apiSignal, type ApiSignal } from "./telegram-link.js";

type ChatId = string | number;

export interface ChatSenderOptions {
  /** Time a message has to be delivered, from when it is queued, ms (default 120 000). */
  deliverMs?: number;
  /** Aborted at shutdown: every pending message is given up (logged) instead of waited for. */
  signal?: AbortSignal;
  /** Why Telegram calls fail right now (TelegramLink.problem), named when a message is given up. */
  problem?: () => string | null;
  /** Time the button spinner's answer may take, ms (default 10 000): Telegram stops waiting sooner. */
  answerMs?: number;
}

export const DEFAULT_DELIVER_MS = 120_000;

export class ChatSender {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #deliverMs: number;
  readonly #answerMs: number;
  readonly #stop: AbortSignal;
  readonly #problem: () => string | null;
  #pending = 0;

  constructor(
    readonly api: Api,
    readonly log: Logger,
    options: ChatSenderOptions = {},
  ) {
    this.#deliverMs = options.deliverMs ?? DEFAULT_DELIVER_MS;
    this.#answerMs = options.answerMs ?? 10_000;
    this.#stop = options.signal ?? new AbortController().signal;
    this.#problem = options.problem ?? (() => null);
  }

  /**
   * Sends `html` (in several messages when longer than one), the keyboard under the last part;
   * `replyTo`: as a reply to that message (the first part). Resolves with the last part's message
   * id, or null when it could not be sent (logged).
   */
  send(chatId: ChatId, html: string, keyboard: InlineKeyboardMarkup | null = null, options: { replyTo?: number } = {}): Promise<number | null> {
    return this.#enqueue(chatId, "sendMessage", html, async (signal) => {
      const parts = splitHtml(html);
      let last: number | null = null;
      // A reply to a message that is gone is sent as a plain message rather than refused.
      const reply = options.replyTo !== undefined ? { reply_parameters: { message_id: options.replyTo, allow_sending_without_reply: true } } : {};
      for (const [i, part] of parts.entries()) {
        const markup = keyboard && i === parts.length - 1 ? { reply_markup: keyboard } : {};
        const message = await this.api.sendMessage(chatId, part, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...(i === 0 ? reply : {}), ...markup }, signal);
        last = message.message_id;
      }
      return last;
    });
  }

  /** Replaces a message's text; without a keyboard its buttons go away. Resolves false on failure. */
  edit(chatId: ChatId, messageId: number, html: string, keyboard: InlineKeyboardMarkup | null = null): Promise<boolean> {
    return this.#enqueue(chatId, "editMessageText", html, async (signal) => {
      const text = splitHtml(html)[0] ?? html;
      await this.api.editMessageText(chatId, messageId, text, { parse_mode: "HTML", link_preview_options: { is_disabled: true }, ...(keyboard ? { reply_markup: keyboard } : {}) }, signal);
      return true;
    }).then((ok) => ok ?? false);
  }

  /** Sends `content` as a file (for text too long to read as messages, like a big log tail). */
  sendDocument(chatId: ChatId, filename: string, content: string, captionHtml: string): Promise<number | null> {
    return this.#enqueue(chatId, "sendDocument", captionHtml, async (signal) => {
      const message = await this.api.sendDocument(chatId, new InputFile(Buffer.from(content, "utf8"), filename), { caption: captionHtml, parse_mode: "HTML" }, signal);
      return message.message_id;
    });
  }

  /**
   * Stops the button's spinner, with an optional toast. Not queued: Telegram wants the answer
   * within seconds, whatever else the chat is waiting for.
   */
  async answerCallback(queryId: string, text?: string): Promise<void> {
    try {
      await this.api.answerCallbackQuery(queryId, text ? { text } : {}, apiSignal(AbortSignal.any([this.#stop, AbortSignal.timeout(this.#answerMs)])));
    } catch (error) {
      this.log.warn({ err: describeTelegramError(error) }, "answerCallbackQuery failed");
    }
  }

  /** Messages queued or being sent, over all chats. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves when every queued message has been sent (or has failed), or after `ms`. */
  async idle(ms = 5000): Promise<void> {
    const all = Promise.allSettled([...this.#queues.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  #enqueue<T>(chatId: ChatId, method: string, html: string, job: (signal: ApiSignal) => Promise<T>): Promise<T | null> {
    const key = String(chatId);
    // The deadline runs from now: a message stuck behind others in a long outage is not sent
    // minutes late, out of context. AbortSignal.timeout's timer never keeps the process alive.
    const signal = AbortSignal.any([this.#stop, AbortSignal.timeout(this.#deliverMs)]);
    this.#pending++;
    const run = (this.#queues.get(key) ?? Promise.resolve())
      .then(() => job(apiSignal(signal)))
      .catch((error: unknown) => {
        this.#report(key, method, html, signal, error);
        return null;
      })
      .finally(() => this.#pending--);
    this.#queues.set(key, run);
    // Forget a drained queue so a chat that went quiet holds no promise chain.
    void run.then(() => {
      if (this.#queues.get(key) === run) this.#queues.delete(key);
    });
    return run;
  }

  #report(chatId: string, method: string, html: string, signal: AbortSignal, error: unknown): void {
    const what = preview(html);
    if (signal.aborted) {
      const why = this.#stop.aborted ? "the service is stopping" : `not delivered within ${this.#deliverMs / 1000} s`;
      const last = this.#problem() ?? (error instanceof Error && error.name !== "AbortError" && !/aborted/i.test(error.message) ? describeTelegramError(error) : null);
      this.log.error({ chat_id: chatId, method, what, reason: last }, `Telegram ${method} given up (${why}${last ? `; last error: ${last}` : ""}): "${what}" is lost`);
      return;
    }
    const level = error instanceof GrammyError && /message is not modified/.test(error.description) ? "debug" : "error";
    this.log[level]({ chat_id: chatId, method, what, err: describeTelegramError(error) }, `Telegram ${method} failed; dropped`);
  }
}

/** The message's first line as plain text (tags and entities out), for a log line. */
function preview(html: string): string {
  const line = html.split("\n").find((l) => l.trim() !== "") ?? "";
  const text = line.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&").trim();
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}
