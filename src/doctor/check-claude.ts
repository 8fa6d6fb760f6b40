import { execa } from "execa";
import { stat } from "node:fs/promises";
import os from "node:os";
import { buildChildEnv } from "../runner/child-env.js";
import { notLoggedInText, type RunFacts } from "../runner/describe-failure.js";
import { parseResult } from "../runner/parse-stream-line.js";
import { resolveClaudeCommand, type ClaudeCommandSource } from "../runner/resolve-claude-command.js";
import { fail, ok, skip, type DoctorCheck, type DoctorContext } from "./doctor-check.js";
import { findExecutable } from "./find-executable.js";
import { seconds } from "./run-doctor.js";

/**
 * The Claude CLI checks: found (as a run would resolve it), its version, and logged in (a tiny
 * real run). They share one lookup per context, so the three run concurrently.
 */

interface ClaudeLookup {
  /** The command a run starts (resolve-claude-command.ts). */
  command: string[];
  source: ClaudeCommandSource;
  /** Its executable, or null when there is none to start. */
  executable: string | null;
}

const INSTALL_FIX = "install Claude Code (npm install -g @anthropic-ai/claude-code), or set CLAUDE_CLI_PATH / claude.command to its path";
const LOGIN_FIX = "run 'claude' once and /login, or set ANTHROPIC_API_KEY";
/** Most of the CLI's output a check keeps (a --version line, one JSON result). */
const MAX_OUTPUT = 1024 * 1024;

const lookups = new WeakMap<DoctorContext, Promise<ClaudeLookup>>();

function lookup(ctx: DoctorContext): Promise<ClaudeLookup> {
  let found = lookups.get(ctx);
  if (!found) {
    found = (async () => {
      const resolved = await resolveClaudeCommand(ctx.config.claude.command, { env: ctx.env });
      const file = resolved.command[0] ?? "";
      const executable = resolved.source === "missing" ? null : await findExecutable(file, ctx.env, ctx.config.claude.project_dir);
      return { ...resolved, executable };
    })();
    lookups.set(ctx, found);
  }
  return found;
}

const FROM: Record<ClaudeCommandSource, string> = {
  configured: "CLAUDE_CLI_PATH / claude.command",
  path: "PATH",
  project: "the project's node_modules",
  missing: "nowhere",
};

export const claudeFoundCheck: DoctorCheck = {
  id: "claude.found",
  title: "Claude CLI",
  network: false,
  limitMs: (t) => t.local,
  async run(ctx) {
    const found = await lookup(ctx);
    const shown = found.command.join(" ");
    if (found.executable === null) {
      const why = found.source === "configured" ? `${found.command[0]} (from ${FROM.configured}) is not an executable file` : "no claude on PATH nor in node_modules/.bin";
      return fail("claude.found", `Claude CLI not found: ${why}`, INSTALL_FIX);
    }
    const at = found.executable === found.command[0] ? "" : `: ${found.executable}`;
    return ok("claude.found", `Claude CLI found: ${shown} (from ${FROM[found.source]}${at})`);
  },
};

const childEnv = (ctx: DoctorContext) => buildChildEnv(ctx.env, ctx.config.secret_env_names);

export const claudeVersionCheck: DoctorCheck = {
  id: "claude.version",
  title: "claude --version",
  network: false,
  limitMs: (t) => t.claudeVersion,
  async run(ctx) {
    const found = await lookup(ctx);
    if (found.executable === null) return skip("claude.version", "Claude CLI version: skipped (no CLI found)");
    const [file, ...rest] = found.command as [string, ...string[]];
    const r = await execa(file, [...rest, "--version"], {
      env: childEnv(ctx),
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: ctx.timeouts.claudeVersion,
      maxBuffer: MAX_OUTPUT,
    });
    const line = lastLine(r.stdout);
    if (r.timedOut) return fail("claude.version", `claude --version did not answer within ${seconds(ctx.timeouts.claudeVersion)}`, "run 'claude --version' by hand: a first start may ask something");
    if (r.exitCode !== 0 || line === "") {
      const said = lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.exitCode ?? r.signal}`;
      return fail("claude.version", `claude --version failed: ${said}`, INSTALL_FIX);
    }
    return ok("claude.version", `Claude CLI version ${line}`);
  },
};

/** The tiny real run's prompt and flags: one turn, one JSON answer. */
export const LOGIN_ARGS = ["-p", "Reply with OK", "--output-format", "json", "--max-turns", "1"];

export const claudeLoginCheck: DoctorCheck = {
  id: "claude.login",
  title: "Claude CLI login (a tiny real run)",
  network: true,
  limitMs: (t) => t.claudeLogin,
  async run(ctx) {
    const found = await lookup(ctx);
    if (found.executable === null) return skip("claude.login", "Claude CLI login: skipped (no CLI found)");
    const [file, ...rest] = found.command as [string, ...string[]];
    const dir = ctx.config.claude.project_dir;
    const cwd = (await stat(dir).then((s) => s.isDirectory(), () => false)) ? dir : os.tmpdir();
    const started = performance.now();
    const r = await execa(file, [...rest, ...LOGIN_ARGS], {
      cwd,
      env: childEnv(ctx),
      extendEnv: false,
      stdin: "ignore",
      reject: false,
      timeout: ctx.timeouts.claudeLogin,
      forceKillAfterDelay: 2_000,
      maxBuffer: MAX_OUTPUT,
    });
    const took = seconds(performance.now() - started);
    if (r.timedOut) return fail("claude.login", `Claude CLI login: the tiny run gave no answer within ${seconds(ctx.timeouts.claudeLogin)}`, `run 'claude -p "Reply with OK"' by hand to see what it waits for`);
    const result = resultOf(r.stdout);
    const facts = { result, stderrTail: r.stderr, lastMalformedLine: lastLine(r.stdout) || null } as RunFacts;
    const said = notLoggedInText(facts);
    if (said) return fail("claude.login", `Claude CLI not logged in (it said: "${said}")`, LOGIN_FIX);
    // An answer, or a run that stopped at its one turn: either way the model answered, so the login works.
    if (result && (!result.is_error || result.subtype === "error_max_turns")) return ok("claude.login", `Claude CLI logged in (a tiny run answered in ${took})`);
    const why = result?.result ?? result?.errors[0] ?? (lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.exitCode ?? r.signal}`);
    return fail("claude.login", `Claude CLI: the tiny run failed: ${why}`, `run 'claude -p "Reply with OK"' by hand; if it asks you to log in: ${LOGIN_FIX}`);
  },
};

/** The last `{"type":"result"}` line (json prints one object; stream-json ends with one). */
function resultOf(stdout: string): ReturnType<typeof parseResult> | null {
  const lines = stdout.split(/\r?\n/).reverse();
  for (const line of lines) {
    try {
      const msg = JSON.parse(line) as { type?: unknown };
      if (msg && msg.type === "result") return parseResult(msg as Parameters<typeof parseResult>[0]);
    } catch {
      // not JSON: a banner or a warning
    }
  }
  return null;
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).at(-1)?.trim() ?? "";
}
