import type { ClaudeConfig } from "../config/config.js";

/**
 * The argv for one headless run of the Claude Code CLI. The result is passed to execa as
 * (file, args): never through a shell, so no quoting or injection concerns.
 */
export interface ClaudeInvocation {
  file: string;
  args: string[];
}

/** Whether `name` already appears in args, as `--name`, or as `--name=value`. */
function hasFlag(args: readonly string[], ...names: string[]): boolean {
  return args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** The tools a read-only run (planning) may use: it reads the code, nothing more. */
export const READ_ONLY_TOOLS = ["Read", "Glob", "Grep", "LS"] as const;
/** Refused to a read-only run even where a mode or rule would allow them: they change things or reach out. */
export const READ_ONLY_DENIED_TOOLS = ["Bash", "Edit", "Write", "MultiEdit", "NotebookEdit", "WebFetch", "WebSearch"] as const;

/** Options that take one value (`--name v` or `--name=v`) and say how permissions work: a read-only run drops them. */
const PERMISSION_OPTIONS = ["--permission-mode", "--input-format", "--permission-prompt-tool"];
/** Options that take every following argument up to the next flag (the CLI's `<tools...>`). */
const PERMISSION_LISTS = ["--allowedTools", "--allowed-tools", "--disallowedTools", "--disallowed-tools"];
/** Switches that widen permissions or belong to the permission channel. */
const PERMISSION_SWITCHES = ["--dangerously-skip-permissions", "--allow-dangerously-skip-permissions", "--replay-user-messages"];

/**
 * args without what grants tools or routes permissions (claude.command's and claude.flags'), so
 * a read-only run's own flags are the only ones: a `--dangerously-skip-permissions` in
 * claude.flags must not turn a plan into a run that writes.
 */
function withoutPermissionFlags(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (PERMISSION_SWITCHES.includes(a) || [...PERMISSION_OPTIONS, ...PERMISSION_LISTS].some((n) => a.startsWith(`${n}=`))) continue;
    if (PERMISSION_OPTIONS.includes(a)) {
      i++; // and its value
      continue;
    }
    if (PERMISSION_LISTS.includes(a)) {
      while (i + 1 < args.length && !(args[i + 1] ?? "").startsWith("-")) i++;
      continue;
    }
    kept.push(a);
  }
  return kept;
}

/**
 * Order: the rest of cfg.command, cfg.flags, then what the runner needs:
 * `-p` (unless `-p`/`--print` is already there), `--output-format stream-json` (unless an
 * `--output-format` is given: the user's choice wins, but the parser only understands
 * stream-json), `--verbose` (stream-json refuses to run without it), then `--model`,
 * `--max-turns`, `--allowedTools a,b`, `--permission-mode` from config when set, the permission
 * channel (claude.permissions: ask: `--input-format stream-json --permission-prompt-tool stdio`;
 * bypass: `--dangerously-skip-permissions`), and `--resume <id>` last when continuing a session.
 * readOnly (planning): instead of the allowed tools, the mode and the channel, `--permission-mode
 * plan --allowedTools Read,Glob,Grep,LS --disallowedTools Bash,Edit,…`, and the permission flags
 * of cfg.command / cfg.flags are dropped; never the channel, never a bypass.
 * Throws only when cfg.command is empty (config validation should make that impossible).
 */
export function buildClaudeArgs(
  cfg: ClaudeConfig,
  opts: { resumeSessionId?: string | null; allowRules?: readonly string[]; maxBudgetUsd?: number | null; readOnly?: boolean } = {},
): ClaudeInvocation {
  const [file, ...lead] = cfg.command;
  if (!file) throw new Error("claude.command is empty: set it to the claude executable (default 'claude')");

  const args = opts.readOnly ? withoutPermissionFlags([...lead, ...cfg.flags]) : [...lead, ...cfg.flags];
  if (!hasFlag(args, "-p", "--print")) args.push("-p");
  if (!hasFlag(args, "--output-format")) args.push("--output-format", "stream-json");
  if (!hasFlag(args, "--verbose")) args.push("--verbose");

  if (cfg.model) args.push("--model", cfg.model);
  if (cfg.max_turns != null) args.push("--max-turns", String(cfg.max_turns));
  if (opts.readOnly) {
    args.push("--permission-mode", "plan", "--allowedTools", READ_ONLY_TOOLS.join(","), "--disallowedTools", READ_ONLY_DENIED_TOOLS.join(","));
    return { file, args: withBudgetAndResume(args, opts) };
  }
  const mode = cfg.permissions ?? "preapproved";
  // With the permission channel, claude.always_allow and the session's "always" rules are the
  // CLI's own allow rules too: what was allowed for good is never asked again.
  const allowed = mode === "ask" ? [...new Set([...cfg.allowed_tools, ...(cfg.always_allow ?? []), ...(opts.allowRules ?? [])])] : cfg.allowed_tools;
  if (allowed.length > 0) args.push("--allowedTools", allowed.join(","));
  if (cfg.permission_mode) args.push("--permission-mode", cfg.permission_mode);
  if (mode === "ask") {
    // The prompt goes in as a stream-json user message and stdin stays open for the answers.
    if (!hasFlag(args, "--input-format")) args.push("--input-format", "stream-json");
    if (!hasFlag(args, "--permission-prompt-tool")) args.push("--permission-prompt-tool", "stdio");
    // Echoes each stdin user message when Claude takes it: a /tell not yet taken keeps stdin open past a result.
    if (!hasFlag(args, "--replay-user-messages")) args.push("--replay-user-messages");
  }
  if (mode === "bypass" && !hasFlag(args, "--dangerously-skip-permissions")) args.push("--dangerously-skip-permissions");
  return { file, args: withBudgetAndResume(args, opts) };
}

/** `--max-budget-usd <what remains>` and `--resume <id>`, last, on every kind of run. */
function withBudgetAndResume(args: string[], opts: { resumeSessionId?: string | null; maxBudgetUsd?: number | null }): string[] {
  // One run cannot overshoot the day's budget by much: the CLI stops it at what is left.
  if (opts.maxBudgetUsd != null && opts.maxBudgetUsd > 0 && !hasFlag(args, "--max-budget-usd")) args.push("--max-budget-usd", opts.maxBudgetUsd.toFixed(4));
  if (opts.resumeSessionId) args.push("--resume", opts.resumeSessionId);
  return args;
}
