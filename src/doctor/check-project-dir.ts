import { stat } from "node:fs/promises";
import { findWorkTree } from "../git/find-work-tree.js";
import { gitChildEnv } from "../git/git-child-env.js";
import { fail, ok, skip, warn, type CheckResult, type DoctorCheck } from "./doctor-check.js";

/**
 * claude.project_dir exists (a folder), and whether it is a git work tree. With git.enabled auto
 * a folder outside git is a warning (the orchestrator runs without snapshots, diff and rollback);
 * with true it is a failure (serve refuses to start); with false git is not asked.
 */
export const projectDirCheck: DoctorCheck = {
  id: "project_dir",
  title: "claude.project_dir",
  network: false,
  limitMs: (t) => t.local,
  async run(ctx) {
    const dir = ctx.config.claude.project_dir;
    const enabled = ctx.config.git.enabled;
    const info = await stat(dir).then((s) => ({ folder: s.isDirectory(), code: null }), (error: NodeJS.ErrnoException) => ({ folder: false, code: error.code ?? error.message }));
    if (!info.folder) {
      const why = info.code === null ? "is not a folder" : info.code === "ENOENT" ? "does not exist" : `cannot be read (${info.code})`;
      return [
        fail("project_dir", `claude.project_dir ${dir} ${why}`, `create it (mkdir -p ${dir}) or set claude.project_dir to the project Claude works on`),
        skip("git", "git: skipped (no project_dir)"),
      ];
    }
    const results: CheckResult[] = [ok("project_dir", `claude.project_dir ${dir} exists`)];
    if (enabled === false) return [...results, ok("git", "git: off (git.enabled is false): no snapshots, diff or rollback")];
    let top: string | null;
    try {
      top = await findWorkTree({ dir, env: gitChildEnv(ctx.env), timeoutMs: ctx.timeouts.local });
    } catch (error) {
      const message = `git: ${(error as Error).message}`;
      const fix = "fix the repository or install git, or set git.enabled: false";
      return [...results, enabled === true ? fail("git", message, fix) : warn("git", message, fix)];
    }
    if (top !== null) return [...results, ok("git", `git: ${dir} is in the work tree ${top}`)];
    const fix = `run 'git init' in ${dir} (snapshots, diff and rollback need it), or set git.enabled: false`;
    return [
      ...results,
      enabled === true ? fail("git", `git: ${dir} is not in a git work tree, and git.enabled is true (serve refuses to start)`, fix) : warn("git", `git: ${dir} is not in a git work tree: tasks run without snapshots, diff or rollback`, fix),
    ];
  },
};
