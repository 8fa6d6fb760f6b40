import { describeCause, fail, ok, skip, type CheckResult, type DoctorCheck, type DoctorContext } from "./doctor-check.js";

/**
 * Telegram, when a bot token is set: the token is valid (getMe) and each allowed chat is one the
 * bot can reach (getChat). Plain fetch, not grammY: two calls need no bot, and the lines never
 * show the URL (it holds the token).
 */

const DEFAULT_API_ROOT = "https://api.telegram.org";

interface ApiAnswer {
  ok: boolean;
  result?: Record<string, unknown>;
  error_code?: number;
  description?: string;
}

async function call(ctx: DoctorContext, token: string, method: string, params: Record<string, string> = {}): Promise<ApiAnswer> {
  const root = (ctx.config.telegram.api_root ?? DEFAULT_API_ROOT).replace(/\/+$/, "");
  const res = await fetch(`${root}/bot${token}/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(params),
    signal: AbortSignal.timeout(ctx.timeouts.network),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as ApiAnswer;
  } catch {
    return { ok: false, error_code: res.status, description: `HTTP ${res.status}, not the Bot API's JSON` };
  }
}

const refused = (a: ApiAnswer) => `${a.description ?? "refused"}${a.error_code ? ` (${a.error_code})` : ""}`;

export const telegramCheck: DoctorCheck = {
  id: "telegram.token",
  title: "Telegram",
  network: true,
  limitMs: (t) => t.network * 2,
  async run(ctx) {
    const t = ctx.config.telegram;
    if (!t.bot_token) return skip("telegram.token", "Telegram: not configured (set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID to use it)");
    const token = t.bot_token;
    let me: ApiAnswer;
    try {
      me = await call(ctx, token, "getMe");
    } catch (error) {
      return fail("telegram.token", `Telegram: the Bot API did not answer (${describeCause(error)})`, "check the network (or telegram.api_root), then run orchestrator doctor again");
    }
    if (!me.ok) {
      return fail("telegram.token", `Telegram: the bot token was refused: ${refused(me)}`, "set TELEGRAM_BOT_TOKEN to the token @BotFather gave (/mybots → API Token)");
    }
    const bot = typeof me.result?.username === "string" ? `@${me.result.username}` : "the bot";
    const results: CheckResult[] = [ok("telegram.token", `Telegram: token valid (${bot})`)];
    if (t.chat_ids.length === 0) {
      return [...results, fail("telegram.chat", "Telegram: no allowed chat: the bot answers nobody", `set TELEGRAM_CHAT_ID (send ${bot} a message, then orchestrator init finds it)`)];
    }
    const chats = await Promise.all(
      t.chat_ids.map(async (id): Promise<CheckResult> => {
        const key = `telegram.chat:${id}`;
        try {
          const chat = await call(ctx, token, "getChat", { chat_id: id });
          if (!chat.ok) return fail(key, `Telegram: chat ${id} cannot be reached: ${refused(chat)}`, `send /start to ${bot} from that chat (a group: add ${bot} to it), or correct TELEGRAM_CHAT_ID`);
          const r = chat.result ?? {};
          const name = typeof r.title === "string" ? `"${r.title}"` : typeof r.first_name === "string" ? r.first_name : "";
          return ok(key, `Telegram: chat ${id} reachable (${[r.type, name].filter(Boolean).join(" ")})`);
        } catch (error) {
          return fail(key, `Telegram: getChat for ${id} did not answer (${describeCause(error)})`, "check the network, then run orchestrator doctor again");
        }
      }),
    );
    return [...results, ...chats];
  },
};
