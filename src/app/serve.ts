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
import { settleWithin } from "../util/settle-within.js";
import { startBotWithRetries } from "./start-bot-with-retries.js";
import { ensureWebhookSecret } from "./webhook-secret.js";
import { dashboardAuthFor } from "../dashboard/dashboard-auth.js";
import { dashboardEnabled } from "../dashboard/dashboard-settings.js";
import { startupCheckLines } from "../doctor/startup-check.js";

export interface Service {
  app: App;
  control: Control;
  url: string;
  /** What is on, what is off and why, and how to talk to it: printed at start. */
  banner: string[];
  /** Stops taking commands, ends a running task (interrupted), stops the bot, closes the server. */
  stop(): Promise<void>;
  /** The steps of stop() under way (empty before stop and once it is done): what a stuck stop waits for. */
  pendingStop(): string[];
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
  // doctor's fast subset, while the service opens; its lines go into the banner (never rejects, 5 s at most).
  const setup = startupCheckLines(baseConfig, opts.env);
  const secret = await ensureWebhookSecret(baseConfig);
  const config: Config = { ...baseConfig, webhooks: { ...baseConfig.webhooks, secret: secret.secret } };
  const notifyUrl = config.webhooks.n8n_notify_url;
  const app = await openApp(config, { ...opts, outbox: notifyUrl !== null });
  const log = app.logger.child({ module: "serve" });
  const control = new Control({ orchestrator: app.orchestrator, config, clock: app.clock, reports: app.reports, history: app.history });
  let bot: TelegramBot | null = null;
  let notifier: N8nNotifier | null = null;
  let server: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  let stopping: Promise<void> | null = null;
  // Aborted by stop(): ends the bot's start-up tries, mid-attempt or mid-pause.
  const botStart = new AbortController();
  let botStarting: Promise<boolean> = Promise.resolve(false);
  const pending = new Set<string>();
  const step = async <T>(name: string, work: () => Promise<T> | undefined): Promise<T | undefined> => {
    pending.add(name);
    try {
      return await work();
    } finally {
      pending.delete(name);
    }
  };
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
        // The report written when a session completes reaches the chats as a document.
        reports: app.reports,
        onApiError: (method, reason) => app.metrics?.telegramApiError(method, reason),
      });
    }
    const http = createHttpApp({
      control,
      secret: secret.secret,
      logger: app.logger,
      clock: app.clock,
      version: await readVersion(),
      accessLogFile: path.join(config.paths.logs_dir, "webhook-access.log"),
      logHealth: app.logHealth,
      // The dashboard (dashboard.enabled; auto: loopback, or a secret set explicitly); its links name the bound address unless dashboard.url.
      dashboard: dashboardAuthFor(config, baseConfig.webhooks.secret !== null, secret.secret, app.clock, () => server?.url ?? `http://${config.server.host}:${config.server.port}`),
      // GET /metrics (metrics.enabled), behind the secret unless metrics.public.
      metrics: app.metrics,
      metricsPublic: config.metrics.public,
      mount: (express) => {
        if (bot?.webhookHandler) express.post("/telegram/webhook", bot.webhookHandler);
      },
    });
    if (config.webhooks.enabled) server = await startHttpServer(http, config.server.host, config.server.port);
    if (notifyUrl) {
      notifier = new N8nNotifier({ url: notifyUrl, secret: secret.secret, orchestrator: app.orchestrator, logger: app.logger, onDeliveryFailure: (kind) => app.metrics?.notifyFailed(kind) });
      notifier.start();
    }
    if (bot) botStarting = startBotWithRetries(bot, log, botStart.signal);
  } catch (error) {
    await bot?.stop().catch(() => undefined);
    await notifier?.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await app.close();
    throw error;
  }
  const url = server?.url ?? "(HTTP API disabled)";
  const banner = describeServiceLines({ config, url, secret, telegram: bot !== null, state: app.orchestrator.state, problems: app.orchestrator.problems, setup: await setup, dashboard: dashboardEnabled(config, baseConfig.webhooks.secret !== null) });
  for (const line of banner) log.info(line);
  return {
    app,
    control,
    url,
    banner,
    pendingStop: () => [...pending],
    stop: () =>
      (stopping ??= (async () => {
        log.info("stopping: no new commands; a running task is ended and marked interrupted");
        botStart.abort();
        // The orchestrator refuses commands from here on; the bot stays up a moment longer so the
        // "interrupted" notice reaches the phone.
        await step("ending the running task (orchestrator shutdown)", () => app.orchestrator.shutdown());
        // One short chance to deliver what shutdown produced; the rest waits in the outbox.
        await step("n8n notifier: last delivery (2 s at most)", () => (notifier ? settleWithin(notifier.idle(), 2000) : undefined));
        // bot.stop() gives queued messages 5 s at most, then cancels every Telegram request.
        await step("Telegram bot: last messages, then cancelling its requests", () => bot?.stop().catch((error: unknown) => log.error({ err: error }, "stopping the Telegram bot failed")));
        await step("Telegram bot: start-up tries", () => settleWithin(botStarting, 2000));
        await step("n8n notifier: stopping", () => notifier?.stop());
        await step("HTTP server: closing", () => server?.close());
        await step("state store: closing", () => app.close());
      })()),
  };
}
