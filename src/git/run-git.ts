import { execa } from "execa";
import { stat } from "node:fs/promises";
import { GitError } from "./git-error.js";
import { killProcessGroup } from "../runner/kill-process-group.js";

/** Where and how git runs: the folder, the base environment, the time one call may take. */
export interface GitContext {
  /** The folder git runs in (the work tree's root once it is known). */
  readonly dir: string;
  /** The base environment of every git child (already passed through gitChildEnv). */
  readonly env: Record<string, string>;
  /** How long one git call may take before it is killed. */
  readonly timeoutMs: number;
  /**
   * Pathspecs of the orchestrator's own files inside the work tree (`:(exclude,…)` magic, from
   * GitWorkTreeOptions.exclude): left out of snapshots, task commits and the dirty check, so its
   * state file and logs are never shown as a task's change, committed, or rolled back. Default none.
   */
  readonly exclude?: readonly string[];
}

/** `-- . <excludes>`: the whole tree minus the orchestrator's own files, for add and status. */
export function wholeTree(git: GitContext): string[] {
  return ["--", ".", ...(git.exclude ?? [])];
}

export interface RunGitOptions {
  /** Text written to git's stdin; without it stdin is closed (git never waits for input). */
  input?: string;
  /** Variables added to the context's environment for this call (GIT_INDEX_FILE, identity). */
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (`git diff --quiet` says 1 for "differs"). Default [0]. */
  okExitCodes?: number[];
  /** Overrides the context's timeout for this call. */
  timeoutMs?: number;
  /** The next step the error message suggests, when this call has a better one than the default. */
  next?: string;
}

export interface GitResult {
  /** stdout as it came (no final newline stripped: `-z` output and diff text must stay whole). */
  stdout: string;
  stderr: string;
  exitCode: number;
}

export const DEFAULT_GIT_TIMEOUT_MS = 60_000;
/** Largest stdout kept (a diff of a huge change): past it the call fails rather than eat memory. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** stderr lines quoted in an error message: the last ones say why. */
const STDERR_LINES = 5;
/** After SIGTERM at the timeout (git removes its lock files on SIGTERM), SIGKILL after this. */
const KILL_GRACE_MS = 2_000;

/** Prefix of every call: paths in human-readable output stay as they are (no "\303\251" escapes). */
const FIXED_ARGS = ["-c", "core.quotepath=false"];

const isFolder = (dir: string): Promise<boolean> => stat(dir).then((s) => s.isDirectory(), () => false);

/** `git add -A`, quoting arguments a reader could misread. */
export function describeGitCommand(args: string[]): string {
  return ["git", ...args].map((a) => (/^[\w@%+=:,./^{}-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** The last few non-empty lines of stderr, joined with " / " for a one-line message. */
export function stderrTail(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-STDERR_LINES)
    .join(" / ");
}

/**
 * Runs `git <args>` in ctx.dir with an argv (never a shell) and resolves with its output when it
 * exits with an accepted code. Anything else (another exit code, a signal, the timeout, git not
 * installed, output too large) rejects with a GitError naming the command, git's last stderr lines
 * and a next step.
 */
export async function runGit(ctx: GitContext, args: string[], opts: RunGitOptions = {}): Promise<GitResult> {
  const timeoutMs = opts.timeoutMs ?? ctx.timeoutMs;
  const command = describeGitCommand(args);
  // Its own process group, so the timeout also ends what git started (a filter, a hook): they
  // hold git's stdout/stderr open, and killing git alone would leave us waiting for them.
  const child = execa("git", [...FIXED_ARGS, ...args], {
    cwd: ctx.dir,
    env: opts.env ? { ...ctx.env, ...opts.env } : ctx.env,
    extendEnv: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" as const }),
    stripFinalNewline: false,
    maxBuffer: MAX_OUTPUT_BYTES,
    detached: true,
    forceKillAfterDelay: false,
    reject: false,
  });
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const pgid = child.pid;
  // SIGTERM first: git removes its lock files on SIGTERM (a SIGKILL would leave index.lock behind).
  const timer =
    timeoutMs > 0 && pgid !== undefined
      ? setTimeout(() => {
          timedOut = true;
          killProcessGroup(pgid, "SIGTERM");
          killTimer = setTimeout(() => killProcessGroup(pgid, "SIGKILL"), KILL_GRACE_MS);
        }, timeoutMs)
      : undefined;
  let result: Awaited<typeof child>;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    if (timedOut && pgid !== undefined) killProcessGroup(pgid, "SIGKILL"); // whatever ignored SIGTERM
  }
  const stderr = typeof result.stderr === "string" ? result.stderr : "";
  const stdout = typeof result.stdout === "string" ? result.stdout : "";
  const ok = opts.okExitCodes ?? [0];
  if (!timedOut && (!result.failed || (result.exitCode !== undefined && ok.includes(result.exitCode) && !result.isMaxBuffer))) {
    return { stdout, stderr, exitCode: result.exitCode ?? 0 };
  }
  const fail = (message: string): never => {
    throw new GitError(message, args, ctx.dir, stderr, { cause: result });
  };
  const code = (result as { code?: string }).code;
  if (result.exitCode === undefined && code !== undefined && !(await isFolder(ctx.dir))) {
    fail(`${command} could not start: ${ctx.dir} is not a folder (any more). Check the project folder setting, or create it.`);
  }
  if (code === "ENOENT" && result.exitCode === undefined) {
    fail(`${command} could not start: git is not installed or not on PATH (spawn git ENOENT). Install git, or put it on the orchestrator's PATH.`);
  }
  if (timedOut) {
    fail(
      `${command} did not finish within ${Math.round(timeoutMs / 100) / 10} s in ${ctx.dir} and was stopped. ` +
        "A very large work tree, a slow filter or a network file system can take longer: raise the git timeout, or run the same command there by hand to see what it waits for.",
    );
  }
  if (result.isMaxBuffer) {
    fail(`${command} in ${ctx.dir} wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB of output, so it was stopped. Look at the change by hand (git diff --stat).`);
  }
  const tail = stderrTail(stderr);
  const how = result.exitCode !== undefined ? `exit ${result.exitCode}` : result.signal ? `killed by ${result.signal}` : `could not run: ${code ?? "unknown error"}`;
  const why = tail || (code && result.exitCode === undefined ? String(result.shortMessage ?? code) : "no message on stderr");
  const next = opts.next ?? `Run \`${command}\` in ${ctx.dir} by hand to see the whole message, and fix what it names.`;
  return fail(`${command} failed in ${ctx.dir} (${how}): ${why}. ${next}`);
}
