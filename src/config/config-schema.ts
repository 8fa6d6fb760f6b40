/**
 * config.yaml as one zod schema: its sections and keys (strict: anything else is an error),
 * each key's default as the file would write it (`.prefault`, parsed like a written value),
 * the checks and messages (config-fields.ts), and what editors show (config.schema.json).
 * The Config type (config.ts) is this schema's output.
 *
 * What null (`key:` or `key: ~`) means is the key's own schema's answer: a key that refuses
 * null keeps its default; a nullable key takes null (no model, no bot token); a list is empty.
 */
import { z } from "zod";

import { APPROVAL_MODES } from "../core/approval-policy.js";
import * as field from "./config-fields.js";

const server = z.strictObject({
  host: field.text().prefault("127.0.0.1").describe(
    'Address of the HTTP control API; "0.0.0.0" when n8n runs on another machine (then set webhooks.secret). Env: HOST.',
  ),
  port: field.port().prefault(5000).describe("Port of the HTTP control API (0: any free port). Env: PORT."),
  debug: field.ignored("The seed's Flask debug switch: ignored (the HTTP server has no debug mode; use logging.level)."),
});

const orchestrator = z.strictObject({
  approval_mode: field.oneOf(APPROVAL_MODES).prefault("required").describe(
    "required: approve before every task except auto_approve types; auto: run back to back; manual: approve before every task.",
  ),
  checkpoint_after: field.stringList({ lower: true }).prefault(["database", "deployment"]).describe(
    "Task types after which the session always stops for approval (in auto mode too).",
  ),
  auto_approve: field.stringList({ lower: true }).prefault(["documentation", "testing"]).describe(
    "Task types that need no approval in required mode.",
  ),
  verify: field.commandList().prefault([]).describe(
    "Verify commands for every task that has none of its own (**Verify:** / verify): run in claude.project_dir after " +
      "Claude reports success, each split into arguments (never a shell); a task passes when each exits 0. A string or a list.",
  ),
  verify_timeout: field.seconds({ zeroAllowed: false }).prefault(600).describe("Time limit per verify command, seconds."),
  verify_retries: field.count(0).prefault(1).describe(
    "Times a failed verification is sent back to Claude (same session) to fix before the task fails (0: none).",
  ),
  daily_budget_usd: field.optionalDollars().prefault(null).describe(
    "What Claude may spend in a day (local date), all sessions together; reached, no new task starts until /budget raises it. null: no limit.",
  ),
  budget_warn_ratio: field.ratio().prefault(0.75).describe("Share of the day's budget at which one warning is sent."),
  learnings_file: field.path().prefault("orchestrator_learnings.md").describe(
    "Lessons for every task: /learn <text> appends a line, and the file's last 8 KiB go into every task's prompt. Need not exist.",
  ),
});

const webhooks = z.strictObject({
  secret: field.optionalText().prefault(null).describe("Shared secret for the HTTP API and the n8n webhooks. Env: WEBHOOK_SECRET."),
  n8n_notify_url: field.url().prefault(null).describe("n8n webhook that receives notifications; null: none. Env: N8N_NOTIFY_URL."),
  enabled: field.flag().prefault(true).describe("Serve the HTTP API and webhooks."),
});

const claude = z.strictObject({
  command: field.command().prefault("claude").describe(
    "The Claude Code executable and leading arguments: a string split like a shell would (never run through one), " +
      "or a list. Env: CLAUDE_CLI_PATH.",
  ),
  flags: field.argv().prefault("").describe("Extra arguments for every run (string or list)."),
  timeout: field.seconds({ zeroAllowed: false }).prefault(300).describe("Wall-clock limit per run, seconds."),
  idle_timeout: field.seconds({ zeroAllowed: false }).prefault(120).describe("End a run that prints nothing for this long, seconds."),
  kill_grace: field.seconds({ zeroAllowed: true }).prefault(5).describe("Seconds between SIGTERM and SIGKILL of the process group."),
  result_grace: field.seconds({ zeroAllowed: true }).prefault(5).describe(
    "Seconds a run may linger after its result line before it is ended.",
  ),
  model: field.optionalText().prefault(null).describe('--model for every run, e.g. "sonnet"; null: claude\'s own default.'),
  max_turns: field.optionalCount().prefault(null).describe("--max-turns per run; null: no limit."),
  allowed_tools: field.stringList({ lower: false }).prefault([]).describe('--allowedTools, e.g. ["Bash(npm test:*)", "Read"].'),
  permission_mode: field.permissionMode().prefault(null).describe("--permission-mode; null: claude's default."),
  permissions: field.oneOf(["ask", "preapproved", "bypass"]).prefault("ask").describe(
    "ask: a tool call the CLI's own rules do not allow is asked of a person (Telegram, HTTP, the terminal); " +
      "preapproved: only allowed_tools / permission_mode, a denied call is reported; bypass: --dangerously-skip-permissions (nothing is asked).",
  ),
  always_allow: field.stringList({ lower: false }).prefault([]).describe(
    'Rules never asked about, like allowed_tools (e.g. ["Bash(npm test:*)", "Write"]); with permissions: ask.',
  ),
  permission_timeout: field.seconds({ zeroAllowed: false }).prefault(1800).describe(
    "Seconds a tool call waits for a person (a reminder halfway); then it is denied and the task parked (interrupted, /retry continues it).",
  ),
  project_dir: field.path().prefault(".").describe("Working directory of claude: the project it works on."),
  max_continuations: field.count(0).prefault(2).describe("Automatic --resume runs after a run stops at its turn limit (0: none)."),
});

const git = z.strictObject({
  enabled: field.autoFlag().prefault("auto").describe(
    "auto: use git when claude.project_dir is inside a git work tree; true: it must be (else an error at start); false: off.",
  ),
  commit: field.oneOf(["none", "task"]).prefault("none").describe(
    'none: leave commits to you; task: commit each completed, verified task\'s changes as "Task N: <title>".',
  ),
  branch: field.branchTemplate().prefault(null).describe(
    'Branch each session creates and works on, e.g. "orchestrator/{session}" ({session}: the session id); null: the current branch.',
  ),
});

const paths = z.strictObject({
  tasks_dir: field.path().prefault("orchestrator_tasks").describe("Task files."),
  logs_dir: field.path().prefault("orchestrator_logs").describe("One log per task run. Command line: --logs."),
  daily_dir: field.path().prefault("daily_logs").describe("Daily notes."),
  results_dir: field.path().prefault("results").describe(
    "Day reports, results/<date>-report.md: written when a session completes and by orchestrator report / /report.",
  ),
  state_file: field.path().prefault("state.json").describe("Session state (survives restarts). Command line: --state."),
  feedback_dir: field.path().prefault("feedback").describe(
    "Your verdicts on tasks (👍/👎, n/5, notes): feedback/<date>.md, one section per task; they go into the day report.",
  ),
});

const logging = z.strictObject({
  level: field.logLevel().prefault("info").describe(
    "debug, info, warn or error (DEBUG, INFO, WARNING, ERROR also work). Env: LOG_LEVEL.",
  ),
  // pino writes JSON lines and formats them itself (pino-pretty for humans).
  format: field.ignored("The seed's Python logging format string: ignored (logs are JSON lines)."),
  task_logs: field.flag().prefault(true).describe("Write each task run's output to its own file in paths.logs_dir."),
  retention_days: field.optionalCount().prefault(30).describe(
    "Days task, verify and plan logs and the daily YYYY-MM-DD.log files are kept in paths.logs_dir: older ones are removed " +
      "at start and once a day (never the current session's, the event history, state or reports). A whole number >= 1; null: keep forever.",
  ),
});

const telegram = z.strictObject({
  bot_token: field.optionalText().prefault(null).describe("Bot token from @BotFather; null: no bot. Env: TELEGRAM_BOT_TOKEN."),
  chat_id: field.chatIds().prefault(null).describe(
    "Chat(s) allowed to control the orchestrator and receiving notifications: an id, a comma-separated string, " +
      "or a list. Env: TELEGRAM_CHAT_ID.",
  ),
  api_root: field.url().prefault(null).describe(
    "Bot API server (a local one or a proxy); null: https://api.telegram.org. Env: TELEGRAM_API_ROOT.",
  ),
  webhook_url: field.url().prefault(null).describe(
    "Public HTTPS URL for Telegram to deliver updates to; null: long polling. Env: TELEGRAM_WEBHOOK_URL.",
  ),
  inbound: field.oneOf(["bot", "n8n"]).prefault("bot").describe(
    'Who reads Telegram messages: "bot" (this service) or "n8n" (a workflow).',
  ),
  commands: field.ignored("The seed's list of enabled bot commands: ignored (every command is always available)."),
});

const metrics = z.strictObject({
  enabled: field.flag().prefault(true).describe(
    "Serve GET /metrics (Prometheus text format: tasks, durations, cost, tokens, waits, the outbox, process metrics) on the HTTP API.",
  ),
  public: field.flag().prefault(false).describe(
    "false: /metrics needs the webhook secret (X-Webhook-Secret, or Authorization: Bearer <secret> as Prometheus sends it); " +
      "true: anyone who reaches the port may read it.",
  ),
});

const dashboard = z.strictObject({
  enabled: field.autoFlag().prefault("auto").describe(
    "The web dashboard at / (sign in with the webhook secret or a /dashboard link from Telegram). auto: on when server.host is " +
      "loopback (127.0.0.1, localhost, ::1); on another host only once webhooks.secret is set explicitly. true / false: on / off.",
  ),
  url: field.url().prefault(null).describe(
    "The dashboard's public address for the one-time links /dashboard sends in Telegram (a proxy's https:// URL); null: http://<server.host>:<port>.",
  ),
  session_hours: field.count(1).prefault(12).describe("Hours a dashboard sign-in lasts (sessions are in memory: a restart signs everyone out)."),
  secure_cookie: field.flag().prefault(false).describe(
    "Mark the session cookie Secure: set it when the dashboard is reached over HTTPS (a proxy in front); the server itself speaks plain HTTP and cannot tell.",
  ),
});

/** The sections by name, for walking their keys. */
export const CONFIG_SECTIONS = { server, orchestrator, webhooks, claude, git, paths, logging, telegram, metrics, dashboard };

export const configSchema = z
  .strictObject({
    server: server.prefault({}),
    orchestrator: orchestrator.prefault({}),
    webhooks: webhooks.prefault({}),
    claude: claude.prefault({}),
    git: git.prefault({}),
    paths: paths.prefault({}),
    logging: logging.prefault({}),
    // The file names one or more chats `chat_id`; the Config holds the list as `chat_ids`.
    telegram: telegram.transform(({ chat_id, ...rest }) => ({ ...rest, chat_ids: chat_id })).prefault({}),
    metrics: metrics.prefault({}),
    dashboard: dashboard.prefault({}),
  })
  .meta({
    title: "Orchestrator config.yaml",
    description:
      "Every key is optional. Values may use ${VAR} or ${VAR:-default}. Relative paths resolve against this file's folder.",
  });

/** Keys ("section.key") whose values an error message must not quote. */
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "webhooks.secret",
  "webhooks.n8n_notify_url",
  "telegram.bot_token",
]);

/** A key's default as config.yaml would write it, or undefined for a key without one (an ignored key). */
export function defaultOf(key: z.ZodType): unknown {
  return key instanceof z.ZodPrefault ? key.def.defaultValue : undefined;
}

/** Keys of the seed's config.yaml that are accepted and never used (config-fields.ts ignored()). */
export function isIgnored(key: z.ZodType): boolean {
  return key.meta()?.deprecated === true;
}
