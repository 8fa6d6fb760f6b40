/**
 * A real pm2 daemon of its own for one suite: the pinned pm2 of tools/pm2 (installed by
 * tools/pm2/run-pm2-tests.sh), with PM2_HOME in a temp folder so it never touches ~/.pm2 or a
 * pm2 the person runs. Every pm2 command is bounded; close() ends the daemon and whatever it
 * started, whatever state the test left it in, and removes the folder.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { REPO, isAlive, waitFor } from "../support/run-orchestrator-bin.js";

export const PM2_PACKAGE = path.join(REPO, "tools/pm2/node_modules/pm2");
const PM2_CLI = path.join(PM2_PACKAGE, "bin/pm2");
/** One pm2 command (start, stop, jlist...): a stop waits up to the app's kill_timeout (30 s). */
const COMMAND_TIMEOUT_MS = 45_000;

/** What `pm2 jlist` says of one app (the fields the tests read). */
export interface Pm2App {
  name: string;
  pid: number;
  pm_id: number;
  pm2_env: {
    status: string;
    restart_time: number;
    unstable_restarts: number;
    pm_cwd: string;
    args: string[];
    exit_code?: number;
    pm_out_log_path: string;
    pm_err_log_path: string;
    treekill?: boolean;
    kill_timeout?: number;
  };
}

export class Pm2Daemon {
  private constructor(
    /** PM2_HOME: the daemon's sockets, pid file, dump and logs. */
    readonly home: string,
  ) {}

  /**
   * A fresh PM2_HOME (under `root` when given: the run script's folder, which it sweeps on exit).
   * The daemon starts with the first command.
   */
  static async create(root = os.tmpdir()): Promise<Pm2Daemon> {
    if (!existsSync(PM2_CLI)) throw new Error(`pm2 is not installed in tools/pm2: run \`npm run test:pm2\` (it installs the pinned version first).`);
    const home = await mkdtemp(path.join(root, "orch-pm2-home-"));
    // pm2's first command in a new PM2_HOME prints a banner and reports the install to pm2's
    // version server unless this file exists: this machine reaches no such server, and a test
    // must not try.
    await writeFile(path.join(home, "touch"), "0");
    return new Pm2Daemon(home);
  }

  /**
   * `pm2 <args>` with only `env` (plus PATH, HOME, PM2_HOME) in its environment: what `pm2 start`
   * is given is what the app gets, so jest's NODE_OPTIONS must not leak into the service.
   */
  async run(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
    const r = await execa(process.execPath, [PM2_CLI, ...args], {
      reject: false,
      stdin: "ignore",
      extendEnv: false,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.homedir(), PM2_HOME: this.home, PM2_DISABLE_VERSION_CHECK: "1", ...env },
      timeout: COMMAND_TIMEOUT_MS,
    });
    if (r.timedOut) throw new Error(`pm2 ${args.join(" ")} did not finish within ${COMMAND_TIMEOUT_MS} ms`);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  /** `pm2 <args>`, failing with its output unless it exits 0. */
  async ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await this.run(args, env);
    if (r.exitCode !== 0) throw new Error(`pm2 ${args.join(" ")} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** `pm2 jlist`: every app the daemon knows. */
  async jlist(): Promise<Pm2App[]> {
    const out = await this.ok(["jlist"]);
    // pm2 may print a notice line before the JSON.
    const json = out.slice(out.indexOf("["));
    return JSON.parse(json) as Pm2App[];
  }

  /** The app named `name` once `check` holds (bounded by `ms`, failing with `what`). */
  appWhere(name: string, check: (app: Pm2App) => boolean, what: string, ms = 30_000): Promise<Pm2App> {
    return waitFor(async () => (await this.jlist()).find((a) => a.name === name && check(a)), ms, what);
  }

  /** The daemon's pid (PM2_HOME/pm2.pid), or null before it started. */
  async daemonPid(): Promise<number | null> {
    const text = await readFile(path.join(this.home, "pm2.pid"), "utf8").catch(() => "");
    return /^\d+/.test(text.trim()) ? Number(text.trim()) : null;
  }

  /** pm2's own log (PM2_HOME/pm2.log): starts, exits with code and signal, SIGKILLs after kill_timeout. */
  daemonLog(): Promise<string> {
    return readFile(path.join(this.home, "pm2.log"), "utf8").catch(() => "");
  }

  /**
   * Ends it all, whatever happened: `pm2 kill` (bounded), then SIGKILL of the daemon and of every
   * app pid pm2 recorded, if any is still alive; then the folder goes.
   */
  async close(): Promise<void> {
    const appPids = await this.recordedAppPids();
    const daemon = await this.daemonPid();
    if (daemon !== null && isAlive(daemon)) await this.run(["kill"]).catch(() => undefined);
    for (const pid of [daemon, ...appPids]) {
      if (pid === null || !isAlive(pid)) continue;
      // Only what is still pm2 or our service: a pid that ended may be someone else's by now.
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (!/PM2|orchestrator\.js/.test(cmdline)) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await rm(this.home, { recursive: true, force: true });
  }

  /** The pids in PM2_HOME/pids/ (one file per app instance; pm2 rewrites it at each restart). */
  private async recordedAppPids(): Promise<number[]> {
    const dir = path.join(this.home, "pids");
    const files = await readdir(dir).catch(() => [] as string[]);
    const pids: number[] = [];
    for (const f of files) {
      const text = (await readFile(path.join(dir, f), "utf8").catch(() => "")).trim();
      if (/^\d+$/.test(text)) pids.push(Number(text));
    }
    return pids;
  }
}

/**
 * The JSON log lines (pino) the app printed to stdout under pm2: `time: true` puts pm2's own
 * timestamp and ": " in front of each line.
 */
export async function appLogLines(app: Pm2App): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(app.pm2_env.pm_out_log_path, "utf8").catch(() => "");
  return text.split("\n").flatMap((line) => {
    const at = line.indexOf("{");
    if (at < 0) return [];
    try {
      return [JSON.parse(line.slice(at)) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
