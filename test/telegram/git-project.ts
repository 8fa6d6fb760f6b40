/**
 * A bot harness project with a real git work tree: a temp repository (test/git's makeRepo:
 * isolated from the machine's git config) with one commit, the orchestrator opened on it with
 * GitWorkTree, and a runner that edits the repository's files the way Claude would, then answers
 * as the ScriptedRunner does. Optional checks: a Verifier and orchestrator.verify settings.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import type { Verifier } from "../../src/orchestrator/verifier.js";
import type { RunHooks, RunRequest } from "../../src/runner/runner.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import type { RunOutcome } from "../../src/core/run-outcome.js";
import { MemoryStateStore } from "../../src/store/state-store.js";
import { makeRepo, type TestRepo } from "../git/git-test-repo.js";
import type { BotHarnessOptions } from "./bot-harness.js";

/** What one run does to the project's files before it answers. */
export type Edit = (dir: string) => Promise<void>;

/** A ScriptedRunner whose n-th run first applies the n-th edit to `dir` (no edit: changes nothing). */
export class EditingRunner extends ScriptedRunner {
  readonly #edits: (Edit | null)[];

  constructor(
    readonly dir: string,
    edits: (Edit | null)[],
    ...scripts: Script[]
  ) {
    super(...scripts);
    this.#edits = [...edits];
  }

  override async run(request: RunRequest, hooks: RunHooks = {}): Promise<RunOutcome> {
    const edit = this.#edits.shift();
    if (edit) await edit(this.dir);
    return super.run(request, hooks);
  }
}

export const put = (rel: string, content: string): Edit => async (dir) => {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), content);
};

export const both = (...edits: Edit[]): Edit => async (dir) => {
  for (const e of edits) await e(dir);
};

export interface GitProject {
  repo: TestRepo;
  open: NonNullable<BotHarnessOptions["open"]>;
}

/** `app.txt` ("one\ntwo\nthree\n") committed on main; the orchestrator works in that repository. */
export async function gitProject(opts: { verifier?: Verifier; verify?: string[]; verifyRetries?: number } = {}): Promise<GitProject> {
  const repo = await makeRepo();
  await writeFile(path.join(repo.dir, "app.txt"), "one\ntwo\nthree\n");
  await repo.git(["add", "-A"]);
  await repo.git(["commit", "-q", "-m", "first"]);
  const open: GitProject["open"] = async ({ prefix, clock, runner, initial }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    const tasksDir = path.join(dir, "orchestrator_tasks");
    const logsDir = path.join(dir, "orchestrator_logs");
    await mkdir(tasksDir, { recursive: true });
    await mkdir(logsDir, { recursive: true });
    const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
    config.paths.tasks_dir = tasksDir;
    config.paths.logs_dir = logsDir;
    const logLines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
    const orchestrator = await Orchestrator.open({
      store: new MemoryStateStore(initial),
      runner,
      clock,
      policy: config.orchestrator,
      logger,
      logsDir,
      bootId: "boot-1",
      killOrphan: async () => {},
      workTree: await repo.open(),
      verifier: opts.verifier ?? null,
      checks: { verify: opts.verify ?? [], verifyRetries: opts.verifyRetries ?? 0, commit: "none" },
    });
    const control = new Control({ orchestrator, config, clock });
    return { dir, tasksDir, logsDir, config, logLines, logger, orchestrator, control, cleanup: () => repo.cleanup() };
  };
  return { repo, open };
}
