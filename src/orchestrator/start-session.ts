import type { Reply } from "../core/machine.js";
import type { Command } from "../core/events.js";
import { sessionBranch } from "../config/branch-name.js";
import type { Orchestrator } from "./orchestrator.js";

type Start = Extract<Command, { type: "start" }>;

/**
 * Starts a session; with git.branch, first creates and checks out the session's branch from the
 * current HEAD. A dirty tree (or an existing branch) refuses the start with git's reason and
 * nothing changes. A start the machine would refuse anyway (a session is active) is sent as is,
 * so no branch is made for it.
 */
export async function startSession(orchestrator: Orchestrator, start: Omit<Start, "git_branch">, branchTemplate: string | null): Promise<Reply> {
  const tree = orchestrator.workTree;
  const status = orchestrator.state.status;
  // With replace, an unfinished session that runs nothing is left for the new one (the machine checks the rest).
  const startable = status === "idle" || status === "completed" || (start.replace === true && status !== "running");
  if (!branchTemplate || !tree || !startable || start.tasks.length === 0) {
    return orchestrator.dispatch({ ...start, git_branch: null });
  }
  const name = sessionBranch(branchTemplate, start.session_id);
  try {
    await tree.createBranch(name);
  } catch (error) {
    return { ok: false, message: `Not started: git.branch wants the session on a new branch ${name}, but ${(error as Error).message}` };
  }
  return orchestrator.dispatch({ ...start, git_branch: name });
}
