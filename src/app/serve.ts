import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";
import { Control } from "../control/control.js";
import { createHttpApp } from "../http/create-http-app.js";
import { startHttpServer } from "../http/start-http-server.js";
import { N8nNotifier } from "../notify/n8n-notifier.js";
import type { TelegramBot } from "../telegram/create-telegram-bot.js";
import { openApp, type App, type OpenAppOptions } from "./open-app.js";
import { describeServiceLines } from "./describe-service.js";
import { ensureWebhookSecret } from "./webhook-secret.js";

export interface Service {
  app: App;
  control: Control;
  url: string;
  /** What is on, what is off and why, and how to talk to it: printed at start. */
  banner: string[];
  /** Stops taking commands, ends a running task (interrupted), stops the bot, closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts the bot without holding up the service: when Telegram cannot be reached at boot
 * (network down, wrong TELEGRAM_API_ROOT) the HTTP API still serves, and the bot tries again
 * with a growing pause (5 s doubling to 5 min) until it is up or stopped.
 */
function startBotWithRetries(bot: TelegramBot, log: App["logger"], stopping: () => boolean, delayMs = 5000): void {
  bot.start().catch((error: unknown) => {
    if (stopping()) return;
    log.error({ err: error, retry_in_s: delayMs / 1000 }, "the Telegram bot could not start; retrying");
    setTimeout(() => {
      if (!stopping()) startBotWithRetries(bot, log, stopping, Math.min(delayMs * 2, 300_000));
    }, delayMs).unref();
  });
}

export async function readVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * `orchestrator serve` (what `npm start` runs): the orchestrator, the HTTP API, the Telegram bot
 * (when a token is set and telegram.inbound is "bot") and the n8n notifier (when a URL is set),
 * in one process around one state machine.
 */
export async function serve(baseConfig: Config, opts: OpenAppOptions): Promise<Service> {
  const secret = await ensureWebhookSecret(baseConfig);
  const config: Config = { ...baseConfig, webhooks: { ...baseConfig.webhooks, secret: secret.secret } };
  const notifyUrl = config.webhooks.n8n_notify_url;
  const app = await openApp(config, { ...opts, outbox: notifyUrl !== null });
  const log = app.logger.child({ module: "serve" });
  const control = new Control({ orchestrator: app.orchestrator, config, clock: app.clock });
  let bot: TelegramBot | null = null;
  let notifier: N8nNotifier | null = null;
  let server: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  let stopping: Promise<void> | null = null;
  try {
    const token = config.telegram.bot_token;
    if (token && config.telegram.inbound === "bot") {
      // Telegram's secret_token allows [A-Za-z0-9_-]; derived so restarts keep the same one.
      const secretToken = createHash("sha256").update(`telegram:${secret.secret}`).digest("hex").slice(0, 64);
      // Loaded only when a bot is configured: grammY stays out of HTTP-only setups.
      const { createTelegramBot } = await import("../telegram/create-telegram-bot.js");
      bot = createTelegramBot({
        token,
        apiRoot: config.telegram.api_root,
        chatIds: config.telegram.chat_ids,
        control,
        orchestrator: app.orchestrator,
        tasksDir: config.paths.tasks_dir,
        conversationFile: `${config.paths.state_file}.telegram.json`,
        logger: app.logger,
        clock: app.clock,
        webhook: config.telegram.webhook_url ? { url: config.telegram.webhook_url, secretToken } : null,
      });
    }
    const http = createHttpApp({
      control,
      secret: secret.secret,
      logger: app.logger,
      clock: app.clock,
      version: await readVersion(),
      accessLogFile: path.join(config.paths.logs_dir, "webhook-access.log"),
      mount: (express) => {
        if (bot?.webhookHandler) express.post("/telegram/webhook", bot.webhookHandler);
      },
    });
    if (config.webhooks.enabled) server = await startHttpServer(http, config.server.host, config.server.port);
    if (notifyUrl) {
      notifier = new N8nNotifier({ url: notifyUrl, secret: secret.secret, orchestrator: app.orchestrator, logger: app.logger });
      notifier.start();
    }
    if (bot) startBotWithRetries(bot, log, () => stopping !== null);
  } catch (error) {
    await bot?.stop().catch(() => undefined);
    await notifier?.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await app.close();
    throw error;
  }
  const url = server?.url ?? "(HTTP API disabled)";
  const banner = describeServiceLines({ config, url, secret, telegram: bot !== null, state: app.orchestrator.state });
  for (const line of banner) log.info(line);
  return {
    app,
    control,
    url,
    banner,
    stop: () =>
      (stopping ??= (async () => {
        log.info("stopping: no new commands; a running task is ended and marked interrupted");
        // The orchestrator refuses commands from here on; the bot stays up a moment longer so the
        // "interrupted" notice reaches the phone.
        await app.orchestrator.shutdown();
        // One short chance to deliver what shutdown produced; the rest waits in the outbox.
        await Promise.race([notifier?.idle(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        // bot.stop() lets its queued messages go out first (5 s at most).
        await bot?.stop().catch((error: unknown) => log.error({ err: error }, "stopping the Telegram bot failed"));
        await notifier?.stop();
        await server?.close();
        await app.close();
      })()),
  };
}
