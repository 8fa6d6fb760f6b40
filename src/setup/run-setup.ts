import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Api } from "grammy";
import { APPROVAL_MODES, type ApprovalMode } from "../core/approval-policy.js";
import type { Clock } from "../core/clock.js";
import { findWorkTree } from "../git/find-work-tree.js";
import { gitChildEnv } from "../git/git-child-env.js";
import { maskToken } from "./mask-secret.js";
import { renderConfigYaml, renderDotenv, type SetupAnswers } from "./setup-answers.js";
import { SetupError } from "./setup-error.js";
import type { Check, SetupPrompts } from "./setup-prompts.js";
import { checkBotToken, sendTestMessage, setupApi, waitForChat } from "./telegram-setup.js";
import { existingSetupFiles, writeSetupFiles } from "./write-setup-files.js";

/** The command line of `orchestrator init`: each flag answers its question; with --yes the rest take defaults. */
export interface SetupFlags {
  yes: boolean;
  force: boolean;
  projectDir?: string;
  approvalMode?: string;
  botToken?: string;
  chatId?: string;
  /** false: --no-telegram. */
  telegram: boolean;
  n8nNotifyUrl?: string;
  /** false: --no-n8n. */
  n8n: boolean;
}

export interface SetupDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  /** The questions; null with --yes (nothing is asked). */
  prompts: SetupPrompts | null;
  /** Where config.yaml goes (the .env beside it). */
  configFile: string;
  clock: Clock;
  /** Ctrl-C / SIGTERM: init ends with nothing written (exit 130). */
  signal: AbortSignal;
  /** How long to wait for the person's message to the bot (2 minutes in the command). */
  chatWaitMs: number;
}

const MODE_HELP: Record<ApprovalMode, string> = {
  required: "stop for your approval before each task, except documentation and testing tasks (default)",
  auto: "run tasks back to back; stop only where a task or its type asks for it",
  manual: "stop for your approval before every task",
};

/**
 * The whole of `orchestrator init`: asks (or takes from the flags) the project folder, the
 * approval mode, Telegram (token checked with getMe, chat found with getUpdates, a test message
 * sent) and n8n, then writes config.yaml and .env (writeSetupFiles) and prints what it wrote.
 * Throws SetupError (with its exit code) when it cannot finish; nothing is written then.
 */
export async function runSetup(flags: SetupFlags, deps: SetupDeps): Promise<{ answers: SetupAnswers; configFile: string; dotenvFile: string }> {
  const say = (line = "") => void deps.out.write(`${line}\n`);
  const ask = deps.prompts;
  const configDir = path.dirname(deps.configFile);

  const overwrite = await mayReplace(flags, deps);

  // The project folder.
  const checkDir: Check = async (value) => ((await isDirectory(path.resolve(deps.cwd, value))) ? true : `${path.resolve(deps.cwd, value)} is not a folder`);
  let dirAnswer = flags.projectDir;
  if (dirAnswer !== undefined && (await checkDir(dirAnswer)) !== true) {
    if (!ask) throw new SetupError(`--project-dir: ${await checkDir(dirAnswer)}. Give the folder Claude should work in.`);
    dirAnswer = undefined;
  }
  dirAnswer ??= ask ? await ask.text("The project folder Claude works in", { default: deps.cwd, validate: checkDir }) : deps.cwd;
  const projectDir = path.resolve(deps.cwd, dirAnswer);
  const top = await gitTop(projectDir, deps.env);
  say(top ? `  ${projectDir}: a git repository${top !== projectDir ? ` (top: ${top})` : ""}: each task gets a checkpoint you can diff and roll back.` : `  ${projectDir}: not a git repository: diff and rollback stay off (git init there to turn them on).`);

  // The approval mode.
  let approvalMode = flags.approvalMode as ApprovalMode | undefined;
  if (approvalMode !== undefined && !APPROVAL_MODES.includes(approvalMode)) {
    if (!ask) throw new SetupError(`--approval-mode: "${approvalMode}" is not one of ${APPROVAL_MODES.join(", ")}.`);
    approvalMode = undefined;
  }
  approvalMode ??= ask ? await ask.choose("Approval mode", APPROVAL_MODES.map((m) => ({ value: m, description: MODE_HELP[m] })), "required") : "required";

  const telegram = await setUpTelegram(flags, deps, say);
  const n8nNotifyUrl = await setUpN8n(flags, ask);

  const answers: SetupAnswers = { projectDir: asWritten(projectDir, configDir), approvalMode, telegram, n8nNotifyUrl, webhookSecret: randomBytes(32).toString("hex") };
  if (deps.signal.aborted) throw new SetupError("cancelled: nothing written.", 130);
  const written = await writeSetupFiles({ configFile: deps.configFile, configText: renderConfigYaml(answers), dotenvText: renderDotenv(answers), overwrite });

  say();
  say(`Wrote ${written.configFile}: orchestrator.approval_mode ${answers.approvalMode}, claude.project_dir ${answers.projectDir}`);
  say(`Wrote ${written.dotenvFile} (mode 0600):`);
  say("  WEBHOOK_SECRET      generated (64 hex characters; read it from the file for n8n or curl)");
  if (telegram) say(`  TELEGRAM_BOT_TOKEN  ${maskToken(telegram.botToken)} (@${telegram.botName})`);
  if (telegram) say(`  TELEGRAM_CHAT_ID    ${telegram.chatId}`);
  if (n8nNotifyUrl) say(`  N8N_NOTIFY_URL      ${new URL(n8nNotifyUrl).origin}/…`);
  if (!telegram) say("  Telegram: off (run init again to set it up)");
  if (!n8nNotifyUrl) say("  n8n: off");
  say();
  say("Next: npm start   (or: npx orchestrator serve)");
  return { answers, ...written };
}

/** Whether existing files may be replaced: asked on a terminal; with --yes only --force says yes. */
async function mayReplace(flags: SetupFlags, deps: SetupDeps): Promise<boolean> {
  const existing = await existingSetupFiles(deps.configFile);
  if (existing.length === 0 || flags.force) return flags.force;
  const names = existing.map((f) => path.relative(deps.cwd, f) || f).join(" and ");
  if (!deps.prompts) throw new SetupError(`${names} already exist${existing.length === 1 ? "s" : ""}; nothing written. Pass --force to replace ${existing.length === 1 ? "it" : "them"}, or --config <file> to write elsewhere.`);
  if (await deps.prompts.yesNo(`${names} already exist${existing.length === 1 ? "s" : ""}. Replace ${existing.length === 1 ? "it" : "them"}?`, false)) return true;
  throw new SetupError(`kept ${names}; nothing written.`, 1);
}

async function setUpTelegram(flags: SetupFlags, deps: SetupDeps, say: (line?: string) => void): Promise<SetupAnswers["telegram"]> {
  const ask = deps.prompts;
  if (!flags.telegram) return null;
  if (flags.botToken === undefined && (!ask || !(await ask.yesNo("Drive it from Telegram (a bot of your own, from @BotFather)?", true)))) return null;
  // Like the bot: TELEGRAM_API_ROOT when set (a local Bot API server, or tests' fake), else api.telegram.org.
  const apiRoot = deps.env.TELEGRAM_API_ROOT || null;

  let api: Api | null = null;
  let botName = "";
  const tryToken: Check = async (value) => {
    const token = value.trim();
    if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) return "a bot token looks like 123456789:AA…, as @BotFather gives it";
    const candidate = setupApi(token, apiRoot);
    try {
      botName = await checkBotToken(candidate, deps.signal);
    } catch (error) {
      if (error instanceof SetupError && error.exitCode === 130) throw error;
      return (error as Error).message;
    }
    api = candidate;
    return true;
  };
  if (flags.botToken !== undefined) {
    const verdict = await tryToken(flags.botToken);
    if (verdict !== true) {
      if (!ask) throw new SetupError(`--bot-token ${maskToken(flags.botToken.trim())}: ${verdict}`);
      say(`  --bot-token: ${verdict}`);
    }
  }
  if (!api && ask) await ask.secret("Bot token (from @BotFather)", tryToken);
  const checked = api as Api | null;
  if (!checked) throw new SetupError("no bot token was checked.");
  say(`  ✓ @${botName}`);

  let chatId: number;
  if (flags.chatId !== undefined) {
    if (!/^-?\d+$/.test(flags.chatId.trim())) throw new SetupError(`--chat-id: "${flags.chatId}" is not a chat id (a whole number, negative for a group).`);
    chatId = Number(flags.chatId.trim());
  } else {
    say(`  Send any message to @${botName} now (from the Telegram account that will use it). Waiting up to ${Math.round(deps.chatWaitMs / 1000)} s; Ctrl-C cancels.`);
    const found = await waitForChat(checked, { clock: deps.clock, waitMs: deps.chatWaitMs, signal: deps.signal });
    chatId = found.chatId;
    say(`  ✓ chat ${chatId}${found.from ? ` (${found.from})` : ""}`);
  }
  await sendTestMessage(checked, chatId, deps.signal);
  say("  ✓ test message sent: \"Orchestrator is set up ✓\"");
  return { botToken: checked.token, chatId, botName };
}

async function setUpN8n(flags: SetupFlags, ask: SetupPrompts | null): Promise<string | null> {
  if (!flags.n8n) return null;
  const checkUrl: Check = (value) => {
    try {
      const url = new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? true : "an http:// or https:// URL";
    } catch {
      return "an http:// or https:// URL, like http://localhost:5678/webhook/orchestrator";
    }
  };
  if (flags.n8nNotifyUrl !== undefined) {
    const verdict = checkUrl(flags.n8nNotifyUrl);
    if (verdict === true) return flags.n8nNotifyUrl.trim();
    if (!ask) throw new SetupError(`--n8n-notify-url: ${verdict}.`);
  } else if (!ask || !(await ask.yesNo("Send every event to an n8n webhook?", false))) return null;
  return (await ask.text("n8n webhook URL (N8N_NOTIFY_URL)", { validate: checkUrl })).trim();
}

/** claude.project_dir as written: relative to the config's folder when inside it ("." for the folder itself), else absolute. */
function asWritten(dir: string, configDir: string): string {
  const rel = path.relative(configDir, dir);
  if (rel === "") return ".";
  return rel.startsWith("..") || path.isAbsolute(rel) ? dir : rel;
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((s) => s.isDirectory(), () => false);
}

/** The git work tree's top, or null (not a repository, or git cannot tell: init only reports it). */
async function gitTop(dir: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return findWorkTree({ dir, env: gitChildEnv(env), timeoutMs: 10_000 }).catch(() => null);
}
