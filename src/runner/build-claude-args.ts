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

/**
 * Order: the rest of cfg.command, cfg.flags, then what the runner needs:
 * `-p` (unless `-p`/`--print` is already there), `--output-format stream-json` (unless an
 * `--output-format` is given: the user's choice wins, but the parser only understands
 * stream-json), `--verbose` (stream-json refuses to run without it), then `--model`,
 * `--max-turns`, `--allowedTools a,b`, `--permission-mode` from config when set, the permission
 * channel (claude.permissions: ask: `--input-format stream-json --permission-prompt-tool stdio`;
 * bypass: `--dangerously-skip-permissions`), and `--resume <id>` last when continuing a session.
 * Throws only when cfg.command is empty (config validation should make that impossible).
 */
export function buildClaudeArgs(
  cfg: ClaudeConfig,
  opts: { resumeSessionId?: string | null; allowRules?: readonly string[]; maxBudgetUsd?: number | null } = {},
): ClaudeInvocation {
  const [file, ...lead] = cfg.command;
  if (!file) throw new Error("claude.command is empty: set it to the claude executable (default 'claude')");

  const args = [...lead, ...cfg.flags];
  if (!hasFlag(args, "-p", "--print")) args.push("-p");
  if (!hasFlag(args, "--output-format")) args.push("--output-format", "stream-json");
  if (!hasFlag(args, "--verbose")) args.push("--verbose");

  if (cfg.model) args.push("--model", cfg.model);
  if (cfg.max_turns != null) args.push("--max-turns", String(cfg.max_turns));
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
  // One run cannot overshoot the day's budget by much: the CLI stops it at what is left.
  if (opts.maxBudgetUsd != null && opts.maxBudgetUsd > 0 && !hasFlag(args, "--max-budget-usd")) args.push("--max-budget-usd", opts.maxBudgetUsd.toFixed(4));
  if (opts.resumeSessionId) args.push("--resume", opts.resumeSessionId);

  return { file, args };
}
