/**
 * paths.logs_dir read-only, for real (a read-only bind mount: chmod does not stop root; root
 * only, otherwise skipped with the reason printed), at start and in the middle of a session.
 * `orchestrator serve` as a real process, with a crashing claude. The person hears it once,
 * loudly: one stderr line, the banner, /status, /health, and one n8n notification (the phone),
 * and once more when logs work again. A log that was not written is never recorded
 * (output_log null), why is recorded (output_log_error), stderr's tail is kept in the state,
 * and the crash's reason says where to look.
 * The figures go to RELIABILITY.md; `FAULT_FIGURES=1` prints them.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { processesWithMarker } from "./fault-helpers.js";

const SECRET = "fault-suite-secret";
const CONFIG = "orchestrator:\n  approval_mode: required\n  auto_approve: []\nclaude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: 1\n";
const CRASH_REASON = "exited 3: fatal: something broke (the output log could not be written: the end of stderr is kept in the state, in the task's stderr_tail)";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`readonly-logs.test.ts figures:\n${figures.join("\n")}\n`);
});

const task = (n: number, scenario: string) => `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;

async function project(tasks: string): Promise<{ dir: string; logs: string }> {
  const dir = await tempDir("orch-fault-rologs-");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await writeFile(path.join(dir, "orchestrator_tasks", "tasks.md"), `# Tasks\n\n${tasks}`);
  await writeFile(path.join(dir, "config.yaml"), CONFIG);
  const logs = path.join(dir, "logs");
  await mkdir(logs);
  return { dir, logs };
}

/** Makes `dir` read-only in place (a read-only bind mount over itself); undo() unmounts it. Null and why when that cannot be done. */
async function readOnly(dir: string): Promise<{ undo(): Promise<void> } | string> {
  if (process.getuid?.() !== 0) return "not root: cannot make a read-only mount (chmod would not stop root)";
  const bind = await execa("mount", ["--bind", dir, dir], { reject: false });
  if (bind.exitCode !== 0) return `mount --bind failed: ${bind.stderr}`;
  const ro = await execa("mount", ["-o", "remount,bind,ro", dir], { reject: false });
  let mounted = true;
  const undo = async () => {
    if (!mounted) return;
    mounted = false;
    await execa("umount", [dir], { reject: false });
  };
  cleanups.push(undo);
  if (ro.exitCode !== 0) {
    await undo();
    return `mount -o remount,bind,ro failed: ${ro.stderr}`;
  }
  return { undo };
}

/** An n8n stand-in that keeps every notification it is sent. */
async function n8n(): Promise<{ url: string; received: NotificationPayload[] }> {
  const received: NotificationPayload[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body) as NotificationPayload);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function post(service: RunningService, route: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${service.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-webhook-secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const sessionStatus = (service: RunningService, want: string) =>
  waitFor(async () => {
    const s = await post(service, "/webhook/status");
    return s.json.status === want ? s.json : undefined;
  }, 15_000, `status ${want}`);

/** The whole saved state, read with the service stopped (whatever the store's layout). */
async function savedState(dir: string): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json"], { cwd: dir, env: { PORT: "1" } });
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as SessionState;
}

/** Stops the service; its whole stderr (execa keeps it) and exit code. */
async function stop(service: RunningService): Promise<{ exitCode: number | undefined; stderr: string }> {
  service.process.kill("SIGTERM");
  const r = await service.process;
  return { exitCode: r.exitCode, stderr: String(r.stderr ?? "") };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("read-only logs", () => {
  it("at start: said once on stderr, in the banner, /status, /health and to the phone; the crash is kept in the state", async () => {
    const { dir, logs } = await project(task(1, "crash"));
    const ro = await readOnly(logs);
    if (typeof ro === "string") return void process.stdout.write(`readonly-logs.test.ts skipped: ${ro}\n`);
    const phone = await n8n();
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET, N8N_NOTIFY_URL: phone.url }, ["--logs", logs]);
    const dailyLog = path.join(logs, `${localDate(new Date())}.log`);
    let stopped: Awaited<ReturnType<typeof stop>>;
    try {
      const problem = `logs are not being written: EROFS: read-only file system, open '${dailyLog}'`;
      expect(service.output()).toContain(`⚠️ degraded: ${problem}`);
      const health = await fetch(`${service.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "degraded", problems: [problem] });
      const status = await post(service, "/webhook/status");
      expect(status.json.problems).toEqual([problem]);
      expect(status.json.message).toContain(`⚠️ ${problem}`);

      // A task runs anyway, and crashes: its reason says where its stderr went.
      expect((await post(service, "/webhook/start", { task_file: "tasks.md" })).status).toBe(200);
      expect((await post(service, "/webhook/approve")).status).toBe(200);
      const failed = await sessionStatus(service, "task_failed");
      expect(failed.current_task).toMatchObject({ status: "failed", error: CRASH_REASON });
      await waitFor(async () => (phone.received.some((n) => n.event === "task_failed") ? true : undefined), 15_000, "task_failed at n8n");
      expect(phone.received.filter((n) => n.event === "logs_failing")).toEqual([
        expect.objectContaining({ type: "error", message: expect.stringContaining(`Logs are not being written: EROFS: read-only file system, open '${dailyLog}'`) }),
      ]);
    } finally {
      stopped = await stop(service);
    }
    expect(stopped.exitCode).toBe(0);
    expect(count(stopped.stderr, "orchestrator: logs are not being written")).toBe(1);
    expect(stopped.stderr).toContain(`orchestrator: logs are not being written: EROFS: read-only file system, open '${dailyLog}'`);
    expect(await processesWithMarker(`${service.process.pid}-`)).toEqual([]);
    const [t] = (await savedState(dir)).tasks;
    expect(t).toMatchObject({
      status: "failed",
      output_log: null,
      output_log_error: expect.stringMatching(/^could not open the output log: EROFS: read-only file system, mkdir '.*\/logs\/[^/]+'$/),
      stderr_tail: "fatal: something broke",
      error: CRASH_REASON,
    });
    figures.push(`read-only logs_dir at start: 1 stderr line, 1 n8n notification, banner + /status + /health name EROFS; output_log null, stderr tail kept`);
  });

  it("mid-run: the next task's log cannot be opened; said once, and once more when logs work again", async () => {
    const { dir, logs } = await project(task(1, "success") + "\n---\n\n" + task(2, "crash"));
    const phone = await n8n();
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET, N8N_NOTIFY_URL: phone.url }, ["--logs", logs]);
    let stopped: Awaited<ReturnType<typeof stop>>;
    let recoveredMs = 0;
    let firstLog: string | null = null;
    try {
      expect((await post(service, "/webhook/start", { task_file: "tasks.md" })).status).toBe(200);
      expect((await post(service, "/webhook/approve")).status).toBe(200);
      await waitFor(async () => {
        const s = await post(service, "/webhook/status");
        return s.json.status === "waiting_approval" && s.json.task === 2 ? true : undefined;
      }, 15_000, "task 1 done");
      const ro = await readOnly(logs);
      if (typeof ro === "string") return void process.stdout.write(`readonly-logs.test.ts skipped: ${ro}\n`);
      expect((await post(service, "/webhook/approve")).status).toBe(200);
      const failed = await sessionStatus(service, "task_failed");
      expect(failed.current_task).toMatchObject({ error: CRASH_REASON });
      const status = await post(service, "/webhook/status");
      expect(status.json.problems).toEqual([expect.stringMatching(/^logs are not being written: could not open the output log: EROFS: read-only file system, open '.*task-2-output\.log'$/)]);
      expect((await fetch(`${service.url}/health`)).status).toBe(503);

      // Writable again: noticed by itself (the re-check), said once more; the retry's log is written.
      await ro.undo();
      const undone = Date.now();
      await waitFor(async () => ((await fetch(`${service.url}/health`)).status === 200 ? true : undefined), 20_000, "health ok again");
      recoveredMs = Date.now() - undone;
      expect((await post(service, "/webhook/retry")).status).toBe(200);
      await sessionStatus(service, "task_failed");
      await waitFor(async () => (phone.received.filter((n) => n.event === "task_failed").length === 2 ? true : undefined), 15_000, "two task_failed at n8n");
      expect(phone.received.filter((n) => n.event.startsWith("logs_")).map((n) => n.event)).toEqual(["logs_failing", "logs_recovered"]);
      firstLog = path.join(logs, String(status.json.session_id), "task-1-output.log");
    } finally {
      stopped = await stop(service);
    }
    expect(stopped.exitCode).toBe(0);
    expect(count(stopped.stderr, "orchestrator: logs are not being written")).toBe(1);
    expect(count(stopped.stderr, "orchestrator: logs are being written again")).toBe(1);
    const [t1, t2] = (await savedState(dir)).tasks;
    expect(t1).toMatchObject({ status: "completed", output_log: firstLog, output_log_error: null });
    // The retry wrote its log in full: its path is recorded, stderr is in the log, not the state.
    expect(t2).toMatchObject({ status: "failed", attempts: 2, output_log: expect.stringMatching(/task-2-output\.log$/), output_log_error: null, stderr_tail: null });
    expect(t2?.error).toMatch(/^exited 3: fatal: something broke \(stderr is at the end of .*task-2-output\.log\)$/);
    figures.push(`read-only logs_dir mid-run: 1 stderr line + 1 n8n notification when it failed, 1 + 1 when writable again (noticed ${recoveredMs} ms after)`);
  });
});
