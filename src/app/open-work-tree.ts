import path from "node:path";
import type { Config } from "../config/config.js";
import { ConfigError } from "../core/errors.js";
import { GitWorkTree } from "../git/git-work-tree.js";

/**
 * The orchestrator's own files, which must never be part of a task's snapshot: rolling them back
 * would rewind its own state and logs. The state file and every sibling it keeps (.bak, .tmp-…,
 * .tasks-…, .spare-…, .lock, the webhook secret beside it), the logs and daily folders, the
 * task files (a person may edit tomorrow's while a session runs), the day reports (written
 * when a session completes: a rollback must not take them back), and the feedback files and the
 * learnings file (written whenever a person rates a task or adds a lesson, often while the next
 * task runs: they are no task's change, and a rollback must not lose them).
 */
export function ownPaths(config: Config): string[] {
  const state = config.paths.state_file;
  return [`${state}*`, path.join(path.dirname(state), ".webhook-secret"), config.paths.logs_dir, config.paths.daily_dir, config.paths.tasks_dir, config.paths.results_dir, config.paths.feedback_dir, config.orchestrator.learnings_file];
}

/**
 * The git work tree the session's snapshots, diffs, commits and rollbacks use, per git.enabled:
 * false -> none; auto (the default) -> claude.project_dir's work tree, or none when it is not in
 * one (or git is not installed); true -> that work tree, and a ConfigError (exit 2) when there is none.
 */
export async function openWorkTree(config: Config, env: NodeJS.ProcessEnv): Promise<GitWorkTree | null> {
  const enabled = config.git.enabled;
  if (enabled === false) return null;
  let tree: GitWorkTree | null;
  try {
    tree = await GitWorkTree.open(config.claude.project_dir, { env, exclude: ownPaths(config) });
  } catch (error) {
    if (enabled === true) throw new ConfigError(`git.enabled is true, but git could not be used in ${config.claude.project_dir}: ${(error as Error).message}`, "git.enabled", { cause: error });
    return null;
  }
  if (tree === null && enabled === true) {
    throw new ConfigError(
      `git.enabled is true, but claude.project_dir (${config.claude.project_dir}) is not inside a git work tree. Run 'git init' there, or set git.enabled: auto to run without snapshots.`,
      "git.enabled",
    );
  }
  return tree;
}
