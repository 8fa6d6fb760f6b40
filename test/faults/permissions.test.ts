/**
 * Faults around Claude's permission requests (claude.permissions: ask, the CLI's stdio channel),
 * injected into the real orchestrator driven as a process from outside, with the fake claude
 * asking to run `Bash: touch x.txt` (FAKE_CLAUDE_ASK) and recording every ask and its answer
 * (FAKE_CLAUDE_RECORD permissions.jsonl):
 * - kill -9 of `serve` while a request is pending: the restart expires it, the task is
 *   interrupted and resumable; a late answer is refused (409) saying so; /retry continues;
 * - 20 concurrent HTTP answers to one request: exactly one applied, the others told who answered;
 * - nobody answering within claude.permission_timeout: one reminder halfway, then the task parked,
 *   and no watchdog fires meanwhile (idle_timeout and timeout shorter than the wait);
 * - SIGTERM of `serve` while a request is pending: exit 0 within the stop deadline, the task
 *   interrupted, the request expired;
 * - Stop pressed, with a claude that ignores the interrupt: the task still ends;
 * - `orchestrator run --yes` with no terminal: the request is denied at once saying no person was
 *   there, and the run goes on.
 * Each asserts that the state is intact, nothing is left running (the run marker) and Claude got
 * exactly one answer per request. The figures go to RELIABILITY.md; `FAULT_FIGURES=1` prints them.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { NOBODY_THERE } from "../../src/cli/commands/answer-permissions-inline.js";
import { stopDeadlineMs } from "../../src/cli/stop-deadline.js";
import { PARKED_PROMPT } from "../../src/core/draft.js";
import type { PermissionRecord } from "../../src/core/permission.js";
import type { SessionState } from "../../src/core/state.js";
import { orchestratorBin, readState, REPO, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { exitWithin, killWithLeftovers, processesWithMarker } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
const SECRET = "permission-fault-secret";
const KILL_GRACE_S = 1;
/** Past kill_grace: the group kill, the marker sweep and a save, on a loaded machine. */
const MARGIN_MS = 3000;
const TOUCH = "touch x.txt";
const ASK = `FAKE_CLAUDE_ASK: Bash ${JSON.stringify({ command: TOUCH })}`;
const WHAT = `Bash: ${TOUCH}`;
const STUBBORN = path.join(REPO, "test/faults/stubborn-claude.mjs");

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`permissions.test.ts figures:\n${figures.join("\n")}\n`);
});

/** Orchestrators this file started: whatever a failed test left is killed after it, with what carries their run marker. */
const started: Array<{ kill(signal: NodeJS.Signals): unknown; pid?: number }> = [];
function track<T extends { kill(signal: NodeJS.Signals): unknown; pid?: number }>(child: T): T {
  started.push(child);
  return child;
}
afterEach(async () => {
  for (const child of started.splice(0)) await killWithLeftovers(child);
});

/** One line of the fake's permissions.jsonl: an ask once settled, with the answer it got. */
interface AskLine {
  pid: number;
  session_id: string;
  request_id: string | null;
  tool: string;
  input: Record<string, unknown>;
  asked: boolean;
  response: Record<string, unknown> | null;
  closed?: boolean;
  cancelled?: boolean;
}

interface Call {
  argv: string[];
  prompt: string;
  pid: number;
}

interface Project {
  dir: string;
  rec: string;
  env: Record<string, string>;
  asks(): Promise<AskLine[]>;
  calls(): Promise<Call[]>;
}

const jsonLines = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

/**
 * A folder with config.yaml (claude.permissions: ask, approval_mode auto: a started session runs
 * at once; `claude` overrides keys of the claude section), orchestrator_tasks/tasks.md holding
 * `tasks`, and the fake's record folder. No git: the temp folder is in no work tree.
 */
async function project(tasks: string, claude: Record<string, unknown> = {}): Promise<Project> {
  const dir = await tempDir("orch-fault-perm-");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const rec = path.join(dir, "rec");
  for (const d of [path.join(dir, "orchestrator_tasks"), rec]) await mkdir(d, { recursive: true });
  const settings = { timeout: 60, idle_timeout: 60, kill_grace: KILL_GRACE_S, permissions: "ask", permission_timeout: 600, ...claude };
  const yaml = Object.entries(settings).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join("\n");
  await writeFile(path.join(dir, "config.yaml"), `claude:\n${yaml}\norchestrator:\n  approval_mode: auto\n`);
  await writeFile(path.join(dir, "orchestrator_tasks", "tasks.md"), `# Tasks\n\n${tasks}`);
  return {
    dir,
    rec,
    env: { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: rec, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions") },
    asks: () => jsonLines<AskLine>(path.join(rec, "permissions.jsonl")),
    calls: () => jsonLines<Call>(path.join(rec, "calls.jsonl")),
  };
}

const task = (n: number, lines: string[] = [ASK]) =>
  `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\n${lines.join("\n")}\n`;

const post = async (service: RunningService, route: string, body: Record<string, unknown> = {}, timeoutMs = 15_000) => {
  const t0 = performance.now();
  const res = await fetch(`${service.url}/webhook/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs), // an answer that does not come is a failure, not a hang
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, ms: performance.now() - t0 };
};

async function serve(p: Project, env: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService(p.dir, { ...p.env, ...env });
  track(service.process);
  return service;
}

const stateWhere = (p: Project, check: (s: SessionState) => boolean, what: string, ms = 20_000) =>
  waitFor(async () => {
    const s = await readState(p.dir);
    return check(s) ? s : undefined;
  }, ms, what);

const pendingOf = (s: SessionState): PermissionRecord[] => (s.permissions ?? []).filter((r) => r.status === "pending");

/** The first request pending in the saved state (saved before anyone is asked). */
const pendingRequest = async (p: Project) => pendingOf(await stateWhere(p, (s) => pendingOf(s).length > 0, "a pending permission request"))[0] as PermissionRecord;

/** The whole saved state, read the way a person would with the service stopped. */
async function savedState(p: Project): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json"], { cwd: p.dir, env: { ...p.env, PORT: "1" } });
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as SessionState;
}

/**
 * Exactly one answer reached Claude for `requestId`: one settled line in the fake's record, and no
 * control_response the fake had to ignore as "for no pending request" (a second answer) in the
 * run's output log (its stderr is appended there).
 */
async function answersTo(p: Project, requestId: string, outputLog: string | null): Promise<AskLine[]> {
  const lines = (await p.asks()).filter((a) => a.request_id === requestId);
  if (outputLog) expect(await readFile(outputLog, "utf8").catch(() => "")).not.toMatch(/control_response for no pending request/);
  return lines;
}

/** The service's log lines (pino JSON) for a notification event. */
const notices = (output: string, event: string) =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l) as { event?: string; msg?: string; time?: number };
      } catch {
        return {};
      }
    })
    .filter((l) => l.event === event);

const hasResume = (c: Call | undefined, sessionId: string) => {
  const i = c?.argv.indexOf("--resume") ?? -1;
  return i >= 0 && c?.argv[i + 1] === sessionId;
};

// Skipped where there is no /proc (not Linux): run markers are found through it.
(linux ? describe : describe.skip)("permissions: requests to a person under faults", () => {
  it("kill -9 of `serve` while a request is pending: the restart expires it, the task interrupted and resumable; a late answer 409 says so; /retry continues the same Claude session", async () => {
    const p = await project(task(1));
    const first = await serve(p);
    expect((await post(first, "start", { task_file: "tasks.md" })).status).toBe(200);
    const asked = await pendingRequest(p);
    expect(asked).toMatchObject({ tool: "Bash", input: { command: TOUCH }, index: 0, attempt: 1 });
    const running = await readState(p.dir);
    const marker = running.tasks[0]?.run_marker as string;
    expect(marker).toMatch(new RegExp(`^${first.process.pid}-`));
    expect((await processesWithMarker(`${first.process.pid}-`)).length).toBeGreaterThan(0);
    const askedLine = await waitFor(async () => (await p.calls())[0], 10_000, "the fake's first call");

    first.process.kill("SIGKILL");
    await first.process;
    const t0 = Date.now();
    const second = await serve(p);
    const restartMs = Date.now() - t0;
    // Nothing of the dead service's run is left by the time the new one answers.
    expect(await processesWithMarker(`${first.process.pid}-`)).toEqual([]);
    const after = await readState(p.dir);
    expect(after.status).toBe("waiting_approval");
    expect(after.tasks[0]).toMatchObject({ status: "interrupted", resume_on_retry: true, pid: null });
    expect(after.tasks[0]?.error).toMatch(/crash or restart/);
    const record = (after.permissions ?? []).find((r) => r.id === asked.id);
    expect(record).toMatchObject({ status: "expired", answered_by: null });
    expect(pendingOf(after)).toEqual([]);
    // The CLI that asked is gone; it got no answer from us (stdin closed when its parent died: refused, not allowed).
    const settled = await waitFor(async () => ((await p.asks()).length > 0 ? p.asks() : undefined), 10_000, "the fake's record of the ask");
    expect(settled.filter((a) => a.request_id === asked.request_id)).toEqual([expect.objectContaining({ asked: true, response: null, closed: true })]);
    expect(existsSync(path.join(p.dir, "x.txt"))).toBe(false);
    // The person hears it: the request expired, and why.
    const expiredNotice = await waitFor(async () => notices(second.output(), "permission_expired")[0], 5000, "the permission_expired notice");
    expect(expiredNotice.msg).toBe(`🔐 Task 1/1: Step 1: the request to run ${WHAT} expired: the task was interrupted by a restart; /retry continues it.`);

    // A late answer (an old message's button): refused, saying why and what to do.
    const late = await post(second, "permission", { id: asked.id, decision: "allow", by: "the fault suite" });
    expect(late.status).toBe(409);
    expect(late.json.message).toMatch(/^Expired: the task was interrupted by a restart; \/retry continues it\./);
    expect((await readState(p.dir)).tasks[0]?.status).toBe("interrupted"); // changed nothing

    // /retry: the same Claude session continues (--resume) and asks again.
    expect((await post(second, "retry")).status).toBe(200);
    const retried = await waitFor(async () => (await p.calls())[1], 10_000, "the retried run");
    const sessionId = settled[0]?.session_id as string;
    const resumed = hasResume(retried, sessionId);
    // The retried run asks (a fresh run's prompt holds the ask; the fake does not re-ask on --resume
    // by itself, so a resumed run's ask comes only from its prompt: see the figures).
    const again = await waitFor(async () => {
      const s = await readState(p.dir);
      return pendingOf(s)[0] ?? (s.status !== "running" ? null : undefined);
    }, 10_000, "the retried run to ask or end");
    if (again) {
      expect(again.id).not.toBe(asked.id);
      expect((await post(second, "permission", { id: again.id, decision: "allow", by: "the fault suite" })).status).toBe(200);
    }
    const done = await stateWhere(p, (s) => s.status === "completed", "the retried task to complete");
    expect(done.tasks[0]).toMatchObject({ status: "completed", attempts: 2 });
    if (again) {
      expect(existsSync(path.join(p.dir, "x.txt"))).toBe(true);
      expect(await answersTo(p, again.request_id, done.tasks[0]?.output_log ?? null)).toEqual([expect.objectContaining({ response: expect.objectContaining({ behavior: "allow" }) })]);
    }
    expect((await second.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]?.status).toBe("completed");
    expect(await processesWithMarker(`${second.process.pid}-`)).toEqual([]);
    figures.push(
      `kill -9 of serve while ${asked.id} was pending: restart (banner) in ${restartMs} ms, 0 processes left; the request expired, the task interrupted ` +
        `(resume_on_retry ${after.tasks[0]?.resume_on_retry}); late allow → ${late.status} "${String(late.json.message)}"; /retry: ` +
        `${resumed ? `--resume ${sessionId}` : `a fresh session (argv ${JSON.stringify(retried.argv.filter((a) => a.startsWith("--")))}; the first call's session ${sessionId}, claude_session_id ${after.tasks[0]?.claude_session_id ?? null})`}, prompt ${retried.prompt === PARKED_PROMPT ? "PARKED_PROMPT" : `the task's (${retried.prompt.length} chars)`}, asked again: ${again ? "yes" : "no"}; first call argv had no --resume: ${!askedLine.argv.includes("--resume")}`,
    );
    if (!resumed) {
      throw new Error(
        `after a kill -9 while a request was pending, /retry started a fresh Claude session instead of resuming ${sessionId}: ` +
          `the task's claude_session_id is ${after.tasks[0]?.claude_session_id ?? null} (it is only recorded when the run finishes, which a killed service never sees). ` +
          "Record the session id as soon as the init line arrives (or with permission_requested, which is saved before anyone is asked) so resume_on_retry can resume it.",
      );
    }
  });

  it("20 concurrent HTTP answers (allow, deny, always, stop) to one request: exactly one applied, the other 19 told 409 who answered", async () => {
    const p = await project(task(1));
    const service = await serve(p);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const asked = await pendingRequest(p);
    const decisions = ["allow", "deny", "always", "stop"] as const;
    // Which decision goes first changes from run to run (FAULT_DECISION_OFFSET=0..3 picks one): each is applied alone.
    const offset = Number(process.env.FAULT_DECISION_OFFSET ?? Math.floor(Math.random() * 4));
    const decisionOf = (i: number) => decisions[(i + offset) % 4] as (typeof decisions)[number];
    const t0 = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(service, "permission", { id: asked.id, decision: decisionOf(i), by: `answerer-${i}` }).then((r) => ({ ...r, i }))),
    );
    const allMs = performance.now() - t0;
    const won = replies.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    const winner = won[0] as (typeof replies)[number];
    const decision = decisionOf(winner.i);
    const lost = replies.filter((r) => r !== winner);
    expect(lost.map((r) => r.status)).toEqual(Array(19).fill(409));
    const how = { allow: "allowed", deny: "denied", always: "allowed \\(always\\)", stop: "stopped" }[decision];
    for (const r of lost) expect(r.json.message).toMatch(new RegExp(`^Already answered: ${how} by answerer-${winner.i} at \\d{4}-\\d\\d-\\d\\dT`));

    const ended = await stateWhere(p, (s) => s.status !== "running", "the task to end");
    const record = (ended.permissions ?? []).find((r) => r.id === asked.id);
    expect(record).toMatchObject({ answered_by: `answerer-${winner.i}`, status: { allow: "allowed", deny: "denied", always: "always", stop: "stopped" }[decision] });
    // Claude got that one answer, and only it.
    const answers = await answersTo(p, asked.request_id, ended.tasks[0]?.output_log ?? null);
    expect(answers).toHaveLength(1);
    const response = answers[0]?.response ?? {};
    expect(response.behavior).toBe(decision === "allow" || decision === "always" ? "allow" : "deny");
    expect(response.interrupt === true).toBe(decision === "stop");
    expect(Array.isArray(response.updatedPermissions)).toBe(decision === "always");
    expect(existsSync(path.join(p.dir, "x.txt"))).toBe(decision === "allow" || decision === "always");
    expect(ended.always_rules ?? []).toEqual(decision === "always" ? ["Bash(touch *)"] : []);
    if (decision === "stop") expect(ended.tasks[0]).toMatchObject({ status: "interrupted", error: `stopped by answerer-${winner.i} when asked to run ${WHAT}` });
    else expect(ended.tasks[0]).toMatchObject({ status: "completed" });
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]?.status).toBe(ended.tasks[0]?.status);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(
      `20 concurrent answers to ${asked.id}: 1 × 200 (answerer-${winner.i}, ${decision}), 19 × 409 "${String(lost[0]?.json.message)}"; all 20 answered in ${Math.round(allMs)} ms; ` +
        `1 response line in permissions.jsonl (${JSON.stringify(response)}); the task ${ended.tasks[0]?.status}; 0 processes left`,
    );
  });

  it("nobody answers within claude.permission_timeout (2 s): a reminder at ~1 s, then the task parked at ~2 s; no watchdog fires meanwhile (idle_timeout 1 s, timeout 1.5 s); /retry resumes the session", async () => {
    const p = await project(task(1), { permission_timeout: 2, idle_timeout: 1, timeout: 1.5 });
    const service = await serve(p);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const asked = await pendingRequest(p);
    const askedAt = Date.parse(asked.asked_at);
    const ended = await stateWhere(p, (s) => s.status !== "running", "the task to be parked", 15_000);
    const output = service.output();
    const reminders = notices(output, "permission_requested").filter((n) => /^⏰ Still waiting/.test(n.msg ?? ""));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.msg).toMatch(/wants to run Bash: touch x\.txt\. Unanswered, it is denied and the task parked in 1 s\./);
    const expired = notices(output, "permission_expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]?.msg).toMatch(/waited 2 s for permission to run Bash: touch x\.txt; it is parked\. Send \/retry to continue it/);
    const remindMs = (reminders[0]?.time as number) - askedAt;
    const expireMs = (expired[0]?.time as number) - askedAt;
    expect(remindMs).toBeGreaterThanOrEqual(1000);
    expect(remindMs).toBeLessThan(1000 + MARGIN_MS);
    expect(expireMs).toBeGreaterThanOrEqual(2000);
    expect(expireMs).toBeLessThan(2000 + MARGIN_MS);
    // Parked for the person, not ended by a watchdog: the wait was not counted as silence or work time.
    expect(ended.status).toBe("waiting_approval");
    expect(ended.tasks[0]).toMatchObject({ status: "interrupted", error: `waited 2 s for permission to run ${WHAT}`, resume_on_retry: true });
    expect(output).not.toMatch(/timed out after|idle timeout/);
    const banner = /unanswered for [^,"]+/.exec(output)?.[0] ?? "";
    expect((ended.permissions ?? []).find((r) => r.id === asked.id)).toMatchObject({ status: "expired", message: "no answer within 2 s" });
    const answers = await answersTo(p, asked.request_id, ended.tasks[0]?.output_log ?? null);
    expect(answers).toEqual([expect.objectContaining({ response: { behavior: "deny", message: "No one answered within 2 s; the task is parked until a person continues it.", interrupt: true } })]);
    const parkedMs = Date.parse(ended.tasks[0]?.completed_at as string) - askedAt;

    // /retry: the same session, told to carry on.
    expect((await post(service, "retry")).status).toBe(200);
    const retried = await waitFor(async () => (await p.calls())[1], 10_000, "the retried run");
    expect(hasResume(retried, answers[0]?.session_id as string)).toBe(true);
    expect(retried.prompt).toBe(PARKED_PROMPT);
    await stateWhere(p, (s) => s.status === "completed", "the resumed task to complete");
    expect((await service.stop()).exitCode).toBe(0);
    expect((await savedState(p)).tasks[0]).toMatchObject({ status: "completed", attempts: 2 });
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(
      `permission_timeout 2 s, idle_timeout 1 s, timeout 1.5 s: reminder at ${remindMs} ms, expiry at ${expireMs} ms, task interrupted at ${parkedMs} ms ("${ended.tasks[0]?.error}"); ` +
        `no watchdog; 1 answer (deny+interrupt); /retry --resume ${answers[0]?.session_id} completed; the banner says "${banner}"`,
    );
  });

  it("SIGTERM of `serve` while a request is pending: exit 0 within the stop deadline, the task interrupted, the request expired, nothing left", async () => {
    const p = await project(task(1));
    const service = await serve(p);
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const asked = await pendingRequest(p);
    const t0 = Date.now();
    const stopped = await service.stop("SIGTERM");
    const stopMs = Date.now() - t0;
    expect(stopped.exitCode).toBe(0);
    expect(stopMs).toBeLessThan(stopDeadlineMs(KILL_GRACE_S));
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    const s = await savedState(p);
    expect(s.tasks[0]).toMatchObject({ status: "interrupted", pid: null });
    expect(s.tasks[0]?.error).toMatch(/shutdown/);
    expect(pendingOf(s)).toEqual([]);
    const record = (s.permissions ?? []).find((r) => r.id === asked.id);
    expect(record).toMatchObject({ status: "expired" });
    // Claude was never allowed anything: at most the refusal a closed channel makes, never two lines.
    const lines = (await p.asks()).filter((a) => a.request_id === asked.request_id);
    expect(lines.length).toBeLessThanOrEqual(1);
    expect(lines.every((l) => l.response === null)).toBe(true);
    expect(existsSync(path.join(p.dir, "x.txt"))).toBe(false);
    const said = notices(stopped.stdout, "permission_expired").map((n) => n.msg);
    figures.push(
      `SIGTERM of serve while ${asked.id} was pending: exit 0 in ${stopMs} ms (deadline ${stopDeadlineMs(KILL_GRACE_S)} ms); "${s.tasks[0]?.error}", the request expired ("${record?.message}"), ` +
        `resume_on_retry ${s.tasks[0]?.resume_on_retry ?? false} (claude_session_id ${s.tasks[0]?.claude_session_id ?? null}); the fake recorded ${lines.length} line(s) for it${lines[0]?.closed ? " (closed)" : ""}; notice: ${JSON.stringify(said)}; 0 processes left`,
    );
  });

  it("Stop pressed while claude ignores an interrupt request (FAKE_CLAUDE_IGNORE_INTERRUPT=1): the task ends interrupted at once", async () => {
    const p = await project(task(1));
    const service = await serve(p, { FAKE_CLAUDE_IGNORE_INTERRUPT: "1" });
    expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
    const asked = await pendingRequest(p);
    const t0 = Date.now();
    const stop = await post(service, "permission", { id: asked.id, decision: "stop", by: "the fault suite" });
    expect(stop.status).toBe(200);
    const ended = await stateWhere(p, (s) => s.status !== "running", "the task to end", 15_000);
    const endMs = Date.now() - t0;
    expect(endMs).toBeLessThan(KILL_GRACE_S * 1000 + MARGIN_MS);
    expect(ended.tasks[0]).toMatchObject({ status: "interrupted", error: `stopped by the fault suite when asked to run ${WHAT}` });
    const answers = await answersTo(p, asked.request_id, ended.tasks[0]?.output_log ?? null);
    expect(answers).toEqual([expect.objectContaining({ response: expect.objectContaining({ behavior: "deny", interrupt: true }) })]);
    expect((await service.stop()).exitCode).toBe(0);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    figures.push(`Stop with FAKE_CLAUDE_IGNORE_INTERRUPT=1: the task interrupted ${endMs} ms after the press ("${ended.tasks[0]?.error}"): Stop is a deny with interrupt: true, not a control_request interrupt, so the fake's flag does not apply`);
  });

  for (const chatty of [false, true]) {
    const mode = chatty ? "keeps printing" : "goes silent";
    const limits = chatty ? { timeout: 6, idle_timeout: 60 } : { timeout: 60, idle_timeout: 4 };
    it(`Stop pressed while claude ignores it (swallows the deny with interrupt) and ${mode}: the task still ends, within kill_grace + a margin`, async () => {
      const p = await project(task(1), { ...limits, command: ["node", STUBBORN] });
      const service = await serve(p, { CLAUDE_CLI_PATH: "", ...(chatty ? { STUBBORN_CLAUDE_CHATTY: "1" } : {}) });
      expect((await post(service, "start", { task_file: "tasks.md" })).status).toBe(200);
      const asked = await pendingRequest(p);
      const t0 = Date.now();
      const stop = await post(service, "permission", { id: asked.id, decision: "stop", by: "the fault suite" });
      expect(stop.status).toBe(200);
      await waitFor(async () => ((await jsonLines(path.join(p.rec, "swallowed.jsonl"))).length > 0 ? true : undefined), 10_000, "the stubborn claude to swallow the Stop");
      const ended = await stateWhere(p, (s) => s.status !== "running", "the task to end", 30_000);
      const endMs = Date.now() - t0;
      const t = ended.tasks[0];
      expect(t?.status).toBe("interrupted");
      expect(t?.error).toBe(`stopped by the fault suite when asked to run ${WHAT}`);
      // One answer was sent (it never reached the fake, which was ended with its ask still open).
      expect((await p.asks()).filter((a) => a.request_id === asked.request_id && a.response !== null)).toEqual([]);
      expect(await jsonLines(path.join(p.rec, "swallowed.jsonl"))).toHaveLength(1);
      expect((await service.stop()).exitCode).toBe(0);
      expect((await savedState(p)).tasks[0]?.status).toBe("interrupted");
      expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
      figures.push(`Stop with a claude that swallows it and ${mode} (timeout ${limits.timeout} s, idle_timeout ${limits.idle_timeout} s, kill_grace ${KILL_GRACE_S} s): the task interrupted ${endMs} ms after the press ("${t?.error}"); 0 processes left`);
      if (endMs > KILL_GRACE_S * 1000 + MARGIN_MS) {
        throw new Error(
          `Stop was pressed, claude ignored the deny with interrupt and ${mode}: the task ran on for ${endMs} ms, until ${chatty ? "claude.timeout" : "claude.idle_timeout"} ended it ` +
            `(defaults: ${chatty ? "300" : "120"} s). After a Stop, end the run (SIGTERM to its group, SIGKILL after kill_grace) when it has not exited within kill_grace.`,
        );
      }
    });
  }

  it("`orchestrator run --yes` without a terminal meets a request: denied at once saying no person was there, the run goes on, exit 0", async () => {
    const p = await project(`${task(1)}\n---\n\n${task(2, [])}`);
    const t0 = Date.now();
    const child = track(orchestratorBin(["run", "orchestrator_tasks/tasks.md", "--yes"], { cwd: p.dir, env: p.env }));
    const r = await exitWithin(child, 30_000);
    const runMs = Date.now() - t0;
    const done = await child;
    const out = `${done.stdout}\n${done.stderr}`;
    expect(r.exitCode).toBe(0);
    const s = await readState(p.dir);
    expect(s.status).toBe("completed");
    expect(s.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(s.tasks[0]?.permission_denials).toEqual(["Bash"]);
    const record = (s.permissions ?? [])[0];
    expect(record).toMatchObject({ status: "denied", answered_by: "orchestrator run (no terminal)", message: NOBODY_THERE });
    const answers = await answersTo(p, record?.request_id as string, s.tasks[0]?.output_log ?? null);
    expect(answers).toEqual([expect.objectContaining({ response: { behavior: "deny", message: NOBODY_THERE } })]);
    expect(NOBODY_THERE).toMatch(/^No person was there to answer/);
    // Denied at once: the answer came as soon as it was asked.
    const deniedMs = Date.parse(record?.answered_at as string) - Date.parse(record?.asked_at as string);
    expect(deniedMs).toBeLessThan(1000);
    expect(existsSync(path.join(p.dir, "x.txt"))).toBe(false);
    expect(out).toMatch(/denied Bash: touch x\.txt: no terminal to ask/);
    expect(await processesWithMarker(`${child.pid}-`)).toEqual([]);
    figures.push(`run --yes, no terminal: the request denied ${deniedMs} ms after it was asked ("${NOBODY_THERE.slice(0, 60)}…" reached Claude), the run went on (2/2 completed), exit ${r.exitCode} in ${runMs} ms; 0 processes left`);
  });
});
