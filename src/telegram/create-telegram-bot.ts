/**
 * The Telegram bot: phone control of the orchestrator (commands, buttons, questions) and reports
 * of what it does, to the allowed chats only. Built on grammY; every command goes through
 * Control.execute, like the HTTP API's.
 *
 * Middleware order matters: de-duplicate update ids -> allow-list (messages and button presses
 * alike) -> conversations (persisted in conversationFile) -> permission buttons, replies to
 * permission messages, /tell, /permissions -> commands / buttons / text. bot.catch logs a
 * failing handler so polling goes on.
 *
 * Telegram can be unreachable, slow or flooding us with 429s; none of it may hang the service
 * (see TelegramLink, ChatSender). The Api layers, innermost first:
 * - TelegramLink.observe: logs once when calls start failing and once when they work again;
 * - @grammyjs/auto-retry: for messages, 429 (retry_after up to 5 min), 5xx and network errors,
 *   5 tries for 429/5xx, each message bounded by its delivery deadline (ChatSender). For
 *   getUpdates only 429 (its wait is cancellable; grammY's own wait after a 429 is not): network
 *   errors and 5xx go back to grammY's polling loop, which tries again every 3 s, so the bot hears
 *   commands again within seconds of an outage ending (auto-retry's backoff grows to an hour);
 * - TelegramLink.withStopSignal: stop() cancels every request and every wait between retries.
 * Start-up calls and progress edits use a plain Api (no auto-retry): one try each, bounded.
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { conversations, createConversation } from "@grammyjs/conversations";
import express, { type RequestHandler } from "express";
import { Api, Bot, GrammyError, webhookCallback, type Context, type Transformer } from "grammy";
import type { Control } from "../control/control.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import { settleWithin } from "../util/settle-within.js";
import { accessGuard } from "./access-guard.js";
import type { BotContext, BotDeps } from "./bot-deps.js";
import { registerCallbacks } from "./commands/callback-handlers.js";
import { ChatSender } from "./chat-sender.js";
import { BOT_COMMANDS, registerCommands } from "./commands/command-handlers.js";
import { CommandOrigins } from "./command-origins.js";
import { FileConversationStorage } from "./conversations/conversation-storage.js";
import { dedupeUpdates } from "./dedupe-updates.js";
import { describeTelegramError } from "./describe-telegram-error.js";
import { PICK_TASK_FILE, pickTaskFileConversation } from "./conversations/pick-task-file-conversation.js";
import { ProgressTracker } from "./progress-tracker.js";
import { registerPermissionHandlers } from "./commands/permission-handlers.js";
import { PermissionMessages, permissionMessagesFileFor } from "./permissions/permission-messages.js";
import { PermissionReporter } from "./permissions/permission-reporter.js";
import { Reporter } from "./reporter.js";
import { SKIP_CONFIRM, skipConfirmConversation } from "./conversations/skip-confirm-conversation.js";
import { apiSignal, TelegramLink, type ApiSignal } from "./telegram-link.js";
import { TelegramStartError } from "./telegram-start-error.js";
import { updateSender } from "./update-sender.js";
import type { SessionReportOutcome } from "../report/day-reporter.js";
import { announceDayReport } from "./commands/report-command.js";
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
  /**
   * Which messages show which permission request (JSON, durable write), so a restart can still
   * edit them; default: beside conversationFile (`state.json.telegram.permissions.json`).
   */
  permissionMessagesFile?: string;
  logger: Logger;
  clock: Clock;
  /** Shortest time between two edits of the progress message (default 3000 ms). */
  progressEditMs?: number;
  /** Webhook mode (the lead mounts webhookHandler at /telegram/webhook); null/absent: long polling. */
  webhook?: { url: string; secretToken: string } | null;
  /** Time each start-up call (getMe, setMyCommands, deleteWebhook/setWebhook) may take, ms (default 10 000). */
  startCallMs?: number;
  /** Time a message has to reach Telegram once queued, ms (default 120 000; ChatSender). */
  deliverMs?: number;
  /** At stop, time queued messages get to go out before they are given up, ms (default 5000). */
  flushMs?: number;
  /** The app's day reports (App.reports): the one written when a session completes goes to the chats as a document. */
  reports?: { onSessionReport(listener: (outcome: SessionReportOutcome) => void): () => void } | null;
  /** Told of every failed Bot API attempt, retries included (method, "429"/"502"/"network"/"timeout"): /metrics counts them. */
  onApiError?: (method: string, reason: string) => void;
}

export interface TelegramBot {
  /**
   * ONE start-up attempt: getMe, setMyCommands, then setWebhook or long polling (resolves once
   * polling runs). Each call has startCallMs; `signal` and stop() cancel it. Rejects with a
   * TelegramStartError naming the reason (the caller retries: startBotWithRetries). Reports to
   * the chats begin with the first attempt that reaches Telegram. Resolves at once when started.
   */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Stops reporting and polling (confirming the last update), lets queued messages go out
   * (flushMs at most; not at all while Telegram is unreachable), then cancels every request
   * still pending: each message given up is logged. Settles within about flushMs + 2 s.
   */
  stop(): Promise<void>;
  /** Express handler for Telegram's webhook POSTs (parses its own JSON body); null in polling mode. */
  webhookHandler: RequestHandler | null;
}

/** Bump when a conversation's code changes shape: older persisted questions are then dropped. */
const CONVERSATION_VERSION = 1;
const ALLOWED_UPDATES = ["message", "callback_query"] as const;

/** grammY's per-request limit (default 500 s): long polling asks for 30 s, so 45 s means no answer. */
const REQUEST_TIMEOUT_S = 45;
const DEFAULT_START_CALL_MS = 10_000;
const DEFAULT_FLUSH_MS = 5000;
/** After the flush and the abort, how long stop() waits for polling and the sender to wind down. */
const WIND_DOWN_MS = 2000;

export function createTelegramBot(opts: TelegramBotOptions): TelegramBot {
  const log = opts.logger.child({ module: "telegram" });
  const link = new TelegramLink(log, opts.clock, opts.onApiError);
  const client = { ...(opts.apiRoot ? { apiRoot: opts.apiRoot.replace(/\/+$/, "") } : {}), timeoutSeconds: REQUEST_TIMEOUT_S };
  const bot = new Bot<BotContext>(opts.token, { client });
  const forMessages = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300 });
  const forPolling = autoRetry({ rethrowHttpErrors: true, rethrowInternalServerErrors: true });
  const retries: Transformer = (prev, method, payload, signal) => (method === "getUpdates" ? forPolling : forMessages)(prev, method, payload, signal);
  bot.api.config.use(link.observe, retries, link.withStopSignal);
  const plainApi = new Api(opts.token, client);
  plainApi.config.use(link.observe, link.withStopSignal);
  const sender = new ChatSender(bot.api, log, { deliverMs: opts.deliverMs, signal: link.signal, problem: () => link.problem });
  const origins = new CommandOrigins();
  const tracker = new ProgressTracker({ api: plainApi, editMs: opts.progressEditMs ?? 3000, clock: opts.clock, log, signal: link.signal });
  const reporter = new Reporter({ orchestrator: opts.orchestrator, sender, tracker, origins, chatIds: opts.chatIds, clock: opts.clock, log });
  const store = new PermissionMessages(opts.permissionMessagesFile ?? permissionMessagesFileFor(opts.conversationFile), log, opts.clock);
  const permissions = new PermissionReporter({ orchestrator: opts.orchestrator, sender, store, chatIds: opts.chatIds, clock: opts.clock, log });
  const deps: BotDeps = { control: opts.control, orchestrator: opts.orchestrator, sender, origins, permissions, tasksDir: opts.tasksDir, clock: opts.clock, log };

  bot.catch((error) => log.error({ err: error.error, update_id: error.ctx.update.update_id }, "handling a Telegram update failed; the bot goes on"));
  bot.use(dedupeUpdates(log));
  bot.use(accessGuard(opts.chatIds, log, opts.clock));
  bot.use(updateSender<BotContext>()); // who sent the update, for the event history (runCommand)
  bot.use(conversations<BotContext, Context>({ storage: { type: "key", version: CONVERSATION_VERSION, adapter: new FileConversationStorage(opts.conversationFile, log) } }));
  bot.use(createConversation<BotContext, Context>(skipConfirmConversation(deps), SKIP_CONFIRM));
  bot.use(createConversation<BotContext, Context>(pickTaskFileConversation(deps), PICK_TASK_FILE));
  registerPermissionHandlers(bot, deps);
  registerCommands(bot, deps);
  registerCallbacks(bot, deps);

  const webhook = opts.webhook ?? null;
  const startCallMs = opts.startCallMs ?? DEFAULT_START_CALL_MS;
  let polling: Promise<void> | null = null;
  let started = false;
  let stopped: Promise<void> | null = null;
  /** Stops the day reports reaching the chats (set once reports begin, at the first start that reaches Telegram). */
  let unwatchReports: (() => void) | null = null;
  const webhookHandler = webhook ? webhookRequestHandler(bot, webhook.secretToken, () => stopped !== null) : null;

  /** One start-up call: its own time limit, cancelled by the caller's signal and by stop(). */
  async function startCall<T>(what: string, signal: AbortSignal | undefined, call: (signal: ApiSignal) => Promise<T>): Promise<T> {
    const deadline = AbortSignal.timeout(startCallMs);
    try {
      return await call(apiSignal(AbortSignal.any([deadline, ...(signal ? [signal] : [])])));
    } catch (error) {
      if (stopped || signal?.aborted) throw error;
      if (deadline.aborted) throw new TelegramStartError(`${what}: no answer within ${startCallMs / 1000} s`);
      const retryAfter = error instanceof GrammyError ? (error.parameters.retry_after ?? null) : null;
      throw new TelegramStartError(`${what}: ${describeTelegramError(error)}${hint(error)}`, retryAfter);
    }
  }

  return {
    webhookHandler,
    async start(signal) {
      if (started) return;
      if (stopped) throw new TelegramStartError("the bot is stopping");
      bot.botInfo = await startCall("getMe", signal, (s) => plainApi.getMe(s));
      // Telegram answers: report from now on (a later failure below is retried by the caller).
      reporter.start();
      permissions.start();
      unwatchReports ??= opts.reports?.onSessionReport((outcome) => announceDayReport(sender, opts.chatIds, outcome)) ?? null;
      // The command menu is a convenience: a failure is logged, the bot still works.
      await startCall("setMyCommands", signal, (s) => plainApi.setMyCommands(BOT_COMMANDS, {}, s)).catch((error: unknown) => {
        if (stopped || signal?.aborted) throw error;
        log.warn({ reason: (error as Error).message }, "setMyCommands failed; the command menu may be out of date");
      });
      if (webhook) {
        await startCall("setWebhook", signal, (s) => plainApi.setWebhook(webhook.url, { secret_token: webhook.secretToken, allowed_updates: [...ALLOWED_UPDATES] }, s));
        started = true;
        log.info({ url: webhook.url, bot: bot.botInfo.username }, "Telegram webhook set");
        return;
      }
      // bot.start() deletes a webhook too, retrying without end: doing it first, bounded, means
      // a failure here is reported and retried by the caller instead of waiting silently.
      await startCall("deleteWebhook", signal, (s) => plainApi.deleteWebhook({}, s));
      // onStart comes once bot.start() has deleted the webhook (again); stop() or `signal` end the wait.
      const cancelled = new AbortController();
      const cancel = () => cancelled.abort();
      signal?.addEventListener("abort", cancel);
      link.signal.addEventListener("abort", cancel);
      try {
        await new Promise<void>((resolve, reject) => {
          cancelled.signal.addEventListener("abort", () => reject(new TelegramStartError("cancelled")));
          polling = bot.start({ allowed_updates: [...ALLOWED_UPDATES], onStart: () => resolve() }).catch((error: unknown) => {
            // Before onStart this fails start(); after it, polling is over: say so loudly.
            const reason = `${describeTelegramError(error)}${hint(error)}`;
            log.error({ reason }, `Telegram long polling stopped: ${reason}; the bot no longer receives commands`);
            reject(new TelegramStartError(`long polling: ${reason}`));
          });
        });
      } finally {
        signal?.removeEventListener("abort", cancel);
        link.signal.removeEventListener("abort", cancel);
      }
      started = true;
      log.info({ bot: bot.botInfo.username, chats: opts.chatIds.length }, "Telegram bot polling");
    },
    stop() {
      stopped ??= (async () => {
        reporter.stop();
        permissions.stop();
        unwatchReports?.();
        unwatchReports = null;
        // bot.stop() ends polling and confirms the last update; its request is cancelled with the rest below.
        const confirming = polling
          ? bot.stop().catch((error: unknown) => {
              if (!link.signal.aborted) log.warn({ reason: describeTelegramError(error) }, "confirming the last Telegram update failed; it may be delivered again");
            })
          : Promise.resolve();
        // One short chance for what is queued (the "interrupted" notice); none when Telegram does not answer.
        const flushMs = link.unreachable ? 0 : (opts.flushMs ?? DEFAULT_FLUSH_MS);
        if (sender.pending > 0) log.info({ pending: sender.pending, flush_ms: flushMs }, "stopping the Telegram bot: queued messages get a last chance");
        await settleWithin(Promise.all([confirming, permissions.idle(flushMs), sender.idle(flushMs)]), flushMs);
        // Everything still waiting on Telegram gives up now (each message given up is logged).
        link.abort();
        const wound = await settleWithin(Promise.all([confirming, polling ?? Promise.resolve(), sender.idle(WIND_DOWN_MS)]), WIND_DOWN_MS);
        if (!wound) log.warn({ pending_messages: sender.pending }, "the Telegram bot did not wind down within 2 s after cancelling its requests; going on");
        polling = null;
      })();
      return stopped;
    },
  };
}

/** What to check, for the answers that mean a setting is wrong rather than Telegram being down. */
function hint(error: unknown): string {
  if (!(error instanceof GrammyError)) return "";
  if (error.error_code === 401) return " (check TELEGRAM_BOT_TOKEN)";
  if (error.error_code === 404) return " (check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT)";
  return "";
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
