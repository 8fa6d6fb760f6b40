/**
 * A real n8n (the pinned one in tools/n8n/, kept out of the app's dependencies) for the
 * `npm run test:n8n` suite: a user folder of its own under a temp dir, loopback ports only, no
 * telemetry, no network. The CLI imports a credential and the workflows and publishes them while
 * n8n is stopped (an import always deactivates), then `n8n start` runs them.
 */
import { execa } from "execa";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "../support/run-orchestrator-bin.js";
import { freePort } from "../support/start-service.js";

export const N8N_DIR = path.join(REPO, "tools/n8n");
export const N8N_BIN = path.join(N8N_DIR, "node_modules/n8n/bin/n8n");
export const WORKFLOWS_DIR = path.join(REPO, "n8n_workflows");

/** The credential the workflows name (by id, and by name for a UI import). */
export const CREDENTIAL = { id: "orchestratorTelegramBot", name: "Orchestrator Telegram bot" } as const;

export interface WorkflowFile {
  file: string;
  /** The workflow as committed. */
  json: WorkflowJson;
}

export interface WorkflowJson {
  id?: string;
  name: string;
  nodes: { name: string; type: string; typeVersion: number; parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }[];
  connections: Record<string, Record<string, { node: string; type: string; index: number }[][]>>;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function readWorkflows(): Promise<WorkflowFile[]> {
  const files = (await readdir(WORKFLOWS_DIR)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(files.map(async (file) => ({ file, json: JSON.parse(await readFile(path.join(WORKFLOWS_DIR, file), "utf8")) as WorkflowJson })));
}

export interface N8nOptions {
  /** A fresh temp dir: n8n's user folder (database, config, logs) goes under it. */
  dir: string;
  /** Where the workflows' Telegram nodes send (the fake Bot API's root URL) and the token. */
  telegram: { baseUrl: string; token: string };
  /** The settings the workflows read ($vars || $env): given as n8n's environment. */
  env: { ORCHESTRATOR_URL: string; WEBHOOK_SECRET: string; TELEGRAM_CHAT_ID: string };
  /** The port n8n listens on (127.0.0.1); a free one when omitted. */
  port?: number;
  /** Changes to the workflows before import (the tests' schedule override), by file name. */
  edit?: (file: string, workflow: WorkflowJson) => void;
}

export interface RunningN8n {
  url: string;
  /** n8n's pid, also its process group (it was started detached). */
  pid: number | undefined;
  /** Workflow ids given at import, by file name. */
  ids: Record<string, string>;
  /** Everything n8n printed. */
  log(): string;
  stop(): Promise<void>;
}

/** Fails fast with a clear message when `npm run test:n8n` did not install n8n. */
export function assertInstalled(): void {
  if (!existsSync(N8N_BIN)) {
    throw new Error(`n8n is not installed in ${N8N_DIR}: run \`npm run test:n8n\` (it installs it), or \`npm install\` there.`);
  }
}

export function installedVersion(): string {
  return (JSON.parse(readFileSync(path.join(N8N_DIR, "node_modules/n8n/package.json"), "utf8")) as { version: string }).version;
}

/**
 * Imports the credential and the workflows (copies with `edit` applied and a workflow id each, so
 * that they can be published: the files carry none), publishes them, then starts n8n and resolves
 * once it serves and has activated all of them. On failure it stops n8n and throws with its log.
 */
export async function startN8n(opts: N8nOptions): Promise<RunningN8n> {
  assertInstalled();
  const [port, brokerPort] = [opts.port ?? (await freePort()), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const userFolder = path.join(opts.dir, "n8n-home");
  const importDir = path.join(opts.dir, "n8n-import");
  await mkdir(userFolder, { recursive: true });
  await mkdir(importDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: userFolder,
    N8N_USER_FOLDER: userFolder,
    N8N_ENCRYPTION_KEY: "n8n-test-encryption-key-0123456789",
    N8N_LISTEN_ADDRESS: "127.0.0.1",
    N8N_HOST: "127.0.0.1",
    N8N_PORT: String(port),
    N8N_PROTOCOL: "http",
    WEBHOOK_URL: `${url}/`,
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: "127.0.0.1",
    N8N_DIAGNOSTICS_ENABLED: "false",
    N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
    N8N_TEMPLATES_ENABLED: "false",
    N8N_PERSONALIZATION_ENABLED: "false",
    N8N_SECURE_COOKIE: "false",
    // No editor: nothing to click here, and it saves copying 50 MB of UI assets per run.
    N8N_DISABLE_UI: "true",
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "false",
    N8N_LOG_LEVEL: process.env.N8N_TEST_LOG_LEVEL ?? "info",
    N8N_LOG_OUTPUT: "console",
    GENERIC_TIMEZONE: "UTC",
    DB_SQLITE_POOL_SIZE: "2",
    // The workflows read their settings from the environment.
    N8N_BLOCK_ENV_ACCESS_IN_NODE: "false",
    ...opts.env,
  };

  // The credential, pointing the Telegram nodes at the fake Bot API.
  const credFile = path.join(opts.dir, "credentials.json");
  await writeFile(
    credFile,
    JSON.stringify([{ ...CREDENTIAL, type: "telegramApi", data: { accessToken: opts.telegram.token, baseUrl: opts.telegram.baseUrl } }]),
  );
  const ids: Record<string, string> = {};
  for (const [i, { file, json }] of (await readWorkflows()).entries()) {
    const copy = structuredClone(json);
    ids[file] = copy.id ?? `orchTest${i}${"x".repeat(8)}`.slice(0, 16);
    copy.id = ids[file];
    opts.edit?.(file, copy);
    await writeFile(path.join(importDir, file), JSON.stringify(copy, null, 2));
  }
  // The CLI can log an error and still exit 0: each step must also print what it did.
  const cli = async (expect: RegExp, ...args: string[]) => {
    const r = await execa(process.execPath, [N8N_BIN, ...args], { env, extendEnv: false, reject: false, timeout: 120_000, all: true });
    if (r.exitCode !== 0 || !expect.test(r.all ?? "") || /GOT ERROR|An error occurred/.test(r.all ?? "")) {
      throw new Error(`n8n ${args.join(" ")} failed (exit ${r.exitCode}):\n${r.all}`);
    }
  };
  await cli(/Successfully imported 1 credential/, "import:credentials", `--input=${credFile}`);
  await cli(new RegExp(`Successfully imported ${Object.keys(ids).length} workflows`), "import:workflow", "--separate", `--input=${importDir}`);
  for (const id of Object.values(ids)) await cli(/Publishing workflow/, "publish:workflow", `--id=${id}`);

  const logFile = path.join(opts.dir, "n8n.log");
  const logStream = createWriteStream(logFile);
  let log = "";
  const child: ChildProcess = spawn(process.execPath, [N8N_BIN, "start"], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const onData = (chunk: Buffer) => {
    log += chunk.toString();
    logStream.write(chunk);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // n8n runs in its own process group: if this process dies without stopping it, take it along.
  const killOnExit = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  };
  process.once("exit", killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(child, exited);
    process.off("exit", killOnExit);
    logStream.end();
  };

  try {
    const names = Object.keys(ids).length;
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`n8n exited (${child.exitCode}) before it was ready`);
      const activated = (log.match(/Activated workflow|Published workflow/g) ?? []).length;
      if (activated < names) return false;
      const res = await fetch(`${url}/healthz/readiness`).catch(() => null);
      return res?.ok === true;
    }, 90_000, "n8n to start and activate every workflow");
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- n8n log (${logFile}) ---\n${log.slice(-6000)}`);
  }
  return { url, pid: child.pid, ids, log: () => log, stop };
}

/** SIGTERM to n8n's whole process group (n8n and its task runner), SIGKILL after 15 s. */
async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    signal("SIGTERM");
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref());
    if ((await Promise.race([exited.then(() => "exited" as const), timer])) === "timeout") signal("SIGKILL");
  }
  // Whatever n8n left in its group (a task runner) goes too.
  signal("SIGKILL");
}

/** Polls `check` every 200 ms until it returns true; throws after `ms`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
