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
 * `--max-turns`, `--allowedTools a,b`, `--permission-mode` from config when set, and
 * `--resume <id>` last when continuing a session.
 * Throws only when cfg.command is empty (config validation should make that impossible).
 */
export function buildClaudeArgs(
  cfg: ClaudeConfig,
  opts: { resumeSessionId?: string | null } = {},
): ClaudeInvocation {
  const [file, ...lead] = cfg.command;
  if (!file) throw new Error("claude.command is empty: set it to the claude executable (default 'claude')");

  const args = [...lead, ...cfg.flags];
  if (!hasFlag(args, "-p", "--print")) args.push("-p");
  if (!hasFlag(args, "--output-format")) args.push("--output-format", "stream-json");
  if (!hasFlag(args, "--verbose")) args.push("--verbose");

  if (cfg.model) args.push("--model", cfg.model);
  if (cfg.max_turns != null) args.push("--max-turns", String(cfg.max_turns));
  if (cfg.allowed_tools.length > 0) args.push("--allowedTools", cfg.allowed_tools.join(","));
  if (cfg.permission_mode) args.push("--permission-mode", cfg.permission_mode);
  if (opts.resumeSessionId) args.push("--resume", opts.resumeSessionId);

  return { file, args };
}
