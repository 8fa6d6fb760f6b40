import { Api, GrammyError, HttpError } from "grammy";
import type { Clock } from "../core/clock.js";
import { SetupError } from "./setup-error.js";

/** grammY's client with the same apiRoot handling as the bot (create-telegram-bot.ts); short requests. */
export function setupApi(token: string, apiRoot: string | null): Api {
  return new Api(token, { ...(apiRoot ? { apiRoot: apiRoot.replace(/\/+$/, "") } : {}), timeoutSeconds: LONG_POLL_S + 10 });
}

/** grammY types its AbortSignal from the abort-controller shim; Node's own is what it gets at run time. */
type GrammySignal = Parameters<Api["getMe"]>[0];
const forGrammy = (signal: AbortSignal | undefined) => signal as GrammySignal;

/** One getUpdates call waits at most this long for a message (Telegram's long polling). */
const LONG_POLL_S = 20;

/** The bot's @username, or a SetupError saying why the token is refused (401) or Telegram cannot be reached. */
export async function checkBotToken(api: Api, signal?: AbortSignal): Promise<string> {
  try {
    const me = await api.getMe(forGrammy(signal));
    return me.username;
  } catch (error) {
    throw telegramError(api, error, "check the bot token", signal);
  }
}

export interface WaitForChatOptions {
  clock: Clock;
  /** How long to wait for the person's message (the command uses 2 minutes). */
  waitMs: number;
  /** Ctrl-C: the wait ends with a SetupError exit 130. */
  signal?: AbortSignal;
}

/**
 * The chat of the first message sent to the bot after this call started. Updates already waiting
 * (older messages) are skipped, and the ones read are confirmed, so the service, when it starts,
 * does not answer the "hello" sent for the setup. Bounded by waitMs; SetupError when no message came.
 */
export async function waitForChat(api: Api, opts: WaitForChatOptions): Promise<{ chatId: number; from: string | null }> {
  const deadline = opts.clock.now().getTime() + opts.waitMs;
  try {
    // What is queued now came before the person was asked: skip it (confirmed by the next offset).
    const old = await api.getUpdates({ timeout: 0, limit: 100 }, forGrammy(opts.signal));
    let offset = old.length > 0 ? Math.max(...old.map((u) => u.update_id)) + 1 : undefined;
    for (;;) {
      const left = deadline - opts.clock.now().getTime();
      if (left <= 0) break;
      const updates = await api.getUpdates({ ...(offset !== undefined ? { offset } : {}), timeout: Math.max(1, Math.min(LONG_POLL_S, Math.floor(left / 1000))), limit: 100 }, forGrammy(opts.signal));
      for (const update of updates) {
        offset = update.update_id + 1;
        const message = update.message;
        if (!message) continue;
        await api.getUpdates({ offset, timeout: 0, limit: 1 }, forGrammy(opts.signal)); // confirm it
        const from = message.from?.username ? `@${message.from.username}` : (message.from?.first_name ?? null);
        return { chatId: message.chat.id, from };
      }
    }
  } catch (error) {
    throw telegramError(api, error, "read the bot's messages (getUpdates)", opts.signal);
  }
  throw new SetupError(`no message reached the bot within ${Math.round(opts.waitMs / 1000)} s. Send it a message in Telegram and run init again, or pass --chat-id <id>.`, 2);
}

/** The test message; a SetupError when Telegram refuses it (a wrong chat id, a bot the person blocked). */
export async function sendTestMessage(api: Api, chatId: number, signal?: AbortSignal): Promise<void> {
  try {
    await api.sendMessage(chatId, "Orchestrator is set up ✓", {}, forGrammy(signal));
  } catch (error) {
    throw telegramError(api, error, `send the test message to chat ${chatId}`, signal);
  }
}

/** Telegram's answer as a SetupError; the token never appears in it (a network error's text may hold the URL). */
function telegramError(api: Api, error: unknown, what: string, signal: AbortSignal | undefined): SetupError {
  const made = describeTelegramError(error, what, signal);
  return api.token && made.message.includes(api.token) ? new SetupError(made.message.split(api.token).join("<token>"), made.exitCode, { cause: made.cause }) : made;
}

function describeTelegramError(error: unknown, what: string, signal: AbortSignal | undefined): SetupError {
  if (error instanceof SetupError) return error;
  if (signal?.aborted) return new SetupError("cancelled: nothing written.", 130, { cause: error });
  if (error instanceof GrammyError) {
    const hint =
      error.error_code === 401 || error.error_code === 404
        ? " The token is wrong or revoked: copy it again from @BotFather (/mybots → API Token)."
        : error.error_code === 409
          ? " The bot has a webhook set, so its messages cannot be read here: pass --chat-id <id>, or remove the webhook (deleteWebhook)."
          : error.error_code === 400 || error.error_code === 403
            ? " Check the chat id, and that you have started a chat with the bot (it cannot write first)."
            : "";
    return new SetupError(`Telegram refused to ${what}: ${error.error_code} ${error.description}.${hint}`, 2, { cause: error });
  }
  if (error instanceof HttpError) {
    return new SetupError(`cannot reach Telegram to ${what}: ${(error.error as Error)?.message ?? error.message}. Check the network (and TELEGRAM_API_ROOT, if set).`, 1, { cause: error });
  }
  return new SetupError(`cannot ${what}: ${(error as Error)?.message ?? String(error)}`, 1, { cause: error });
}
