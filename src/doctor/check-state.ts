import { readFile } from "node:fs/promises";
import { checkStatePath } from "../cli/check-state-path.js";
import { describeStateProblem, type SessionState } from "../core/state.js";
import { isProcessAlive } from "../store/lock-file.js";
import { describeCause, fail, ok, warn, type CheckResult, type DoctorCheck } from "./doctor-check.js";

/**
 * The state file is readable (a regular file holding a state, or none yet), and who holds its
 * lock (`<state>.lock`, see store/lock-file.ts): nobody, a live process (the service or a run:
 * fine), this process (serve's own check), or a dead one: a stale lock, a warning only, because
 * the next start takes it over (acquireLock does) and nothing needs removing by hand.
 * Read-only, no lock taken: doctor must never disturb a running service.
 */
export const stateCheck: DoctorCheck = {
  id: "state",
  title: "state file",
  network: false,
  limitMs: (t) => t.local,
  async run(ctx) {
    const file = ctx.config.paths.state_file;
    return [await readable(file), await lockOwner(`${file}.lock`)];
  },
};

async function readable(file: string): Promise<CheckResult> {
  try {
    await checkStatePath(file); // a FIFO would block the read below
  } catch (error) {
    return fail("state", (error as Error).message, "pass --state <file> or set paths.state_file to a file path");
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = describeCause(error);
    if (code === "ENOENT") return ok("state", `state file: none yet at ${file} (the first run creates it)`);
    return fail("state", `state file ${file} cannot be read (${code})`, `make it readable and writable by this user (chmod u+rw ${file}), or set paths.state_file`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    return fail("state", `state file ${file} is not valid JSON (${(error as Error).message})`, `the next start keeps it aside and restores ${file}.bak; or move it away to start afresh`);
  }
  const problem = describeStateProblem(state);
  if (problem) return fail("state", `${file} is not a state file: ${problem}`, "move it away, or point paths.state_file / --state at the right file");
  const s = state as SessionState;
  return ok("state", `state file ${file} readable (${s.status}${s.task_file ? `, ${s.task_file}` : ""})`);
}

async function lockOwner(lock: string): Promise<CheckResult> {
  let raw: string;
  try {
    raw = await readFile(lock, "utf8");
  } catch (error) {
    const code = describeCause(error);
    if (code === "ENOENT") return ok("state.lock", "state lock: free (no orchestrator uses this state file)");
    return fail("state.lock", `state lock ${lock} cannot be read (${code})`, `make it readable, or remove it if no orchestrator is running`);
  }
  const m = /^\s*(\d+)\s*$/.exec(raw);
  const pid = m ? Number(m[1]) : null;
  const takeOver = "nothing to do: the next start takes it over (or remove it when no orchestrator runs)";
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return warn("state.lock", `state lock ${lock} holds no pid (${JSON.stringify(raw.slice(0, 40))})`, takeOver);
  if (pid === process.pid) return ok("state.lock", `state lock: held by this process (pid ${pid})`);
  if (isProcessAlive(pid)) return ok("state.lock", `state lock: locked by pid ${pid} (alive): the service or a run uses this state`);
  return warn("state.lock", `state lock: locked by pid ${pid}, which is not running (a stale lock)`, takeOver);
}
