/**
 * The Telegram bot: phone control of the orchestrator (commands, buttons, questions) and reports
 * of what it does, to the allowed chats only. Built on grammY; every command goes through
 * Control.execute, like the HTTP API's.
 *
 * Middleware order matters: de-duplicate update ids -> allow-list -> conversations (persisted in
 * conversationFile) -> commands / buttons / text. bot.catch logs a failing handler so polling
 * goes on; 429s are waited out by @grammyjs/auto-retry (except progress edits, see
 * progress-tracker.ts).
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { conversations, createConversation } from "@grammyjs/conversations";
import express, { type RequestHandler } from "express";
import { Api, Bot, webhookCallback, type Context } from "grammy";
import type { Control } from "../control/control.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import { accessGuard } from "./access-guard.js";
import type { BotContext, BotDeps } from "./bot-deps.js";
import { registerCallbacks } from "./callback-handlers.js";
import { ChatSender } from "./chat-sender.js";
import { BOT_COMMANDS, registerCommands } from "./command-handlers.js";
import { CommandOrigins } from "./command-origins.js";
import { FileConversationStorage } from "./conversation-storage.js";
import { dedupeUpdates } from "./dedupe-updates.js";
import { PICK_TASK_FILE, pickTaskFileConversation } from "./pick-task-file-conversation.js";
import { ProgressTracker } from "./progress-tracker.js";
import { Reporter } from "./reporter.js";
import { SKIP_CONFIRM, skipConfirmConversation } from "./skip-confirm-conversation.js";

export interface TelegramBotOptions {
  token: string;
  /** Bot API root without trailing slash (a local Bot API server, the test fake); null: api.telegram.org. */
  apiRoot: string | null;
  /** The only chats served and reported to. */
  chatIds: string[];
  control: Control;
  orchestrator: Orchestrator;
  tasksDir: string;
  /** Persisted conversation state (JSON, durable write), so a restart keeps an open question. */
  conversationFile: string;
  logger: Logger;
  clock: Clock;
  /** Shortest time between two edits of the progress message (default 3000 ms). */
  progressEditMs?: number;
  /** Webhook mode (the lead mounts webhookHandler at /telegram/webhook); null/absent: long polling. */
  webhook?: { url: string; secretToken: string } | null;
}

export interface TelegramBot {
  /** setMyCommands, then long polling (resolves once polling runs) or setWebhook. */
  start(): Promise<void>;
  /** Stops polling (confirming the last update), stops reporting, lets queued messages go out (5 s at most). */
  stop(): Promise<void>;
  /** Express handler for Telegram's webhook POSTs (parses its own JSON body); null in polling mode. */
  webhookHandler: RequestHandler | null;
}

/** Bump when a conversation's code changes shape: older persisted questions are then dropped. */
const CONVERSATION_VERSION = 1;
const ALLOWED_UPDATES = ["message", "callback_query"] as const;

export function createTelegramBot(opts: TelegramBotOptions): TelegramBot {
  const log = opts.logger.child({ module: "telegram" });
  const client = opts.apiRoot ? { apiRoot: opts.apiRoot.replace(/\/+$/, "") } : undefined;
  const bot = new Bot<BotContext>(opts.token, { client });
  // 429: wait retry_after and try again (5 tries, waits up to 5 minutes); 5xx and network errors too.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300 }));
  const sender = new ChatSender(bot.api, log);
  const origins = new CommandOrigins();
  const tracker = new ProgressTracker({ api: new Api(opts.token, client), editMs: opts.progressEditMs ?? 3000, clock: opts.clock, log });
  const reporter = new Reporter({ orchestrator: opts.orchestrator, sender, tracker, origins, chatIds: opts.chatIds, clock: opts.clock, log });
  const deps: BotDeps = { control: opts.control, orchestrator: opts.orchestrator, sender, origins, tasksDir: opts.tasksDir, clock: opts.clock, log };

  bot.catch((error) => log.error({ err: error.error, update_id: error.ctx.update.update_id }, "handling a Telegram update failed; the bot goes on"));
  bot.use(dedupeUpdates(log));
  bot.use(accessGuard(opts.chatIds, log, opts.clock));
  bot.use(conversations<BotContext, Context>({ storage: { type: "key", version: CONVERSATION_VERSION, adapter: new FileConversationStorage(opts.conversationFile, log) } }));
  bot.use(createConversation<BotContext, Context>(skipConfirmConversation(deps), SKIP_CONFIRM));
  bot.use(createConversation<BotContext, Context>(pickTaskFileConversation(deps), PICK_TASK_FILE));
  registerCommands(bot, deps);
  registerCallbacks(bot, deps);

  const webhook = opts.webhook ?? null;
  let polling: Promise<void> | null = null;
  let started = false;
  let stopped = false;
  const webhookHandler = webhook ? webhookRequestHandler(bot, webhook.secretToken, () => stopped) : null;

  return {
    webhookHandler,
    async start() {
      if (started) return;
      started = true;
      await bot.init();
      // The command menu is a convenience: a failure is logged, the bot still works.
      await bot.api.setMyCommands(BOT_COMMANDS).catch((error: unknown) => log.warn({ err: error }, "setMyCommands failed"));
      reporter.start();
      if (webhook) {
        await bot.api.setWebhook(webhook.url, { secret_token: webhook.secretToken, allowed_updates: [...ALLOWED_UPDATES] });
        log.info({ url: webhook.url, bot: bot.botInfo.username }, "Telegram webhook set");
        return;
      }
      await new Promise<void>((resolve, reject) => {
        polling = bot.start({ allowed_updates: [...ALLOWED_UPDATES], onStart: () => resolve() }).catch((error: unknown) => {
          // Before onStart this fails start(); after it, polling is over: say so loudly.
          log.error({ err: error }, "Telegram long polling stopped with an error; the bot no longer receives commands");
          reject(error);
        });
      });
      log.info({ bot: bot.botInfo.username, chats: opts.chatIds.length }, "Telegram bot polling");
    },
    async stop() {
      stopped = true;
      reporter.stop();
      if (polling) {
        await bot.stop().catch((error: unknown) => log.warn({ err: error }, "confirming the last Telegram update failed"));
        await polling;
        polling = null;
      }
      await sender.idle(5000);
    },
  };
}

/**
 * grammY's express adapter reads req.body, and the lead mounts this route before any JSON parser,
 * so it parses its own body. The secret token check (401 on mismatch) is grammY's. A slow update
 * is answered 200 after 9 s and finishes in the background ("return"), so Telegram does not
 * re-send it; a re-send anyway is dropped by dedupeUpdates. After stop() updates are answered
 * 503: Telegram keeps them and delivers them again once the service is back.
 */
function webhookRequestHandler(bot: Bot<BotContext>, secretToken: string, stopped: () => boolean): RequestHandler {
  const parse = express.json({ limit: "1mb" });
  const handle = webhookCallback(bot, "express", { secretToken, onTimeout: "return", timeoutMilliseconds: 9000 });
  return (req, res, next) => {
    if (stopped()) {
      res.status(503).json({ ok: false, description: "shutting down; send again later" });
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      handle(req, res).catch(next);
    });
  };
}
