import { access, stat } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Which Claude Code executable a run starts. An explicit choice wins: claude.command when it is
 * not the bare default, or CLAUDE_CLI_PATH (loadConfig already put it in claude.command). For the
 * bare default `claude`: `claude` on PATH when there is one, else the project's own copy
 * (`node_modules/.bin/claude`, from the pinned @anthropic-ai/claude-code devDependency), else
 * `claude` as it was, so the run fails with "claude not found" and says what to do.
 */

/** The project's own copy, relative to this package's root (src/runner/ -> ../../). */
export const PROJECT_CLAUDE = fileURLToPath(new URL("../../node_modules/.bin/claude", import.meta.url));

export type ClaudeCommandSource = "configured" | "path" | "project" | "missing";

export interface ResolvedClaudeCommand {
  command: string[];
  source: ClaudeCommandSource;
}

export interface ResolveClaudeOptions {
  /** The child's environment: PATH and CLAUDE_CLI_PATH are read from it. */
  env: NodeJS.ProcessEnv;
  /** The fallback executable (default PROJECT_CLAUDE); null for none. */
  projectClaude?: string | null;
  platform?: NodeJS.Platform;
}

const BARE = "claude";

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false; // stat follows the .bin symlink
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `claude` on the PATH (as spawn would find it), or null. */
export async function findOnPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const pathVar = env.PATH ?? env.Path ?? "";
  const exts = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean) : [""];
  for (const dir of pathVar.split(platform === "win32" ? ";" : ":")) {
    if (dir === "") continue;
    for (const ext of exts) {
      const candidate = path.join(dir, BARE + ext);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

export async function resolveClaudeCommand(command: readonly string[], opts: ResolveClaudeOptions): Promise<ResolvedClaudeCommand> {
  const [file, ...rest] = command;
  const explicit = (opts.env.CLAUDE_CLI_PATH ?? "") !== "";
  if (file !== BARE || explicit) return { command: [...command], source: "configured" };
  if ((await findOnPath(opts.env, opts.platform)) !== null) return { command: [...command], source: "path" };
  const project = opts.projectClaude === undefined ? PROJECT_CLAUDE : opts.projectClaude;
  if (project && (await isExecutableFile(project))) return { command: [project, ...rest], source: "project" };
  return { command: [...command], source: "missing" };
}
