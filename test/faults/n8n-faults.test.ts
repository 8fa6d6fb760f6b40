/**
 * n8n faults, against the real `orchestrator serve` process and a stand-in n8n on 127.0.0.1
 * (test/fixtures/http-catcher.ts):
 * - kill -9 between a task's finish and the delivery of its notification (held at n8n, or not yet
 *   sent): after the restart every notification the outbox held arrives, with the same id and
 *   Idempotency-Key; a duplicate is only the one that was in flight at the kill (at least once);
 * - n8n answering 500: retried with backoff, kept in the outbox, delivered in order once it recovers;
 * - n8n hanging: each request ends at the sender's timeout, tasks run at their normal pace, SIGTERM
 *   exits promptly;
 * - n8n refusing connections: the same, and no tight loop (log lines counted over 10 s);
 * - n8n answering 200 with an endless body: delivered once, memory stays flat.
 */
import { describe, it, expect, afterAll, afterEach } from "@jest/globals";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { HttpCatcher, type CaughtRequest } from "../fixtures/http-catcher.js";
import { orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { exitWithin, processesWithMarker } from "./fault-helpers.js";

const SECRET = "n8n-faults-secret-0123456789";
const dirs: string[] = [];
const catchers: HttpCatcher[] = [];
const services: RunningService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) {
    s.process.kill("SIGKILL");
    await s.process.catch(() => undefined);
  }
  for (const c of catchers.splice(0)) await c.close();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** One task of the fake claude: `scenario` decides how it behaves. */
function task(n: number, scenario: string, approval = false): string {
  return `## Task ${n}: Step ${n}\n**Requires Approval:** ${approval}\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;
}

/** A folder to serve from: approval_mode auto (tasks run one after the other), the task file `day.md`. */
async function workspace(tasks: string[]): Promise<string> {
  const dir = await tempDir("orch-n8n-faults-");
  dirs.push(dir);
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\n");
  await mkdir(path.join(dir, "orchestrator_tasks"));
  await writeFile(path.join(dir, "orchestrator_tasks", "day.md"), `# Tasks\n\n${tasks.join("\n---\n\n")}`);
  return dir;
}

async function serveWith(dir: string, notifyUrl: string, env: Record<string, string> = {}): Promise<RunningService> {
  const s = await startService(dir, { N8N_NOTIFY_URL: notifyUrl, WEBHOOK_SECRET: SECRET, ...env });
  services.push(s);
  return s;
}

async function call(s: RunningService, endpoint: string, body: object = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/webhook/${endpoint}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The saved state, read as a person would with no service to ask (PORT=1: nothing answers there). */
async function savedState(dir: string): Promise<SessionState> {
  const r = await orchestratorBin(["status", "--json"], { cwd: dir, env: { PORT: "1" } });
  expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  return JSON.parse(r.stdout) as SessionState;
}

const payload = (r: CaughtRequest) => r.body as NotificationPayload;
const delivered = (c: HttpCatcher) => c.requests.filter((r) => r.answer === 200);
/** How many requests each id took, for the ids that came more than once. */
function repeats(requests: CaughtRequest[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const r of requests) n[payload(r).id] = (n[payload(r).id] ?? 0) + 1;
  return Object.fromEntries(Object.entries(n).filter(([, c]) => c > 1));
}

async function sessionDone(s: RunningService, ms = 15_000): Promise<void> {
  await waitFor(async () => ((await call(s, "status")).json.status === "completed" ? true : undefined), ms, "the session to complete");
}

/** Log lines the service printed since `from` (characters into its output). */
function logLines(s: RunningService, from = 0): Record<string, unknown>[] {
  return s
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("kill -9 between a task's finish and its notification", () => {
  // held: the task_completed request reached n8n, which had not answered when the service died.
  // queued: n8n holds an earlier notification, so task_completed was never sent before the kill.
  for (const where of ["held", "queued"] as const) {
    it(`the notification is still delivered after the restart, same id and key (${where})`, async () => {
      const catcher = await HttpCatcher.start(200);
      catchers.push(catcher);
      const url = `${catcher.url}/webhook/orchestrator`;
      // Task 1 takes 1.5 s; task 2 waits for approval, so the session rests after task 1.
      const dir = await workspace([task(1, "slow"), task(2, "success", true)]);
      const first = await serveWith(dir, url);
      if (where === "queued") catcher.setMode("hang");
      expect((await call(first, "start", { task_file: "day.md" })).status).toBe(200);
      if (where === "held") {
        await catcher.waitForCount(2, 5000); // session_started, task_started: delivered
        catcher.setMode("hang");
        await waitFor(async () => (catcher.requests.some((r) => payload(r).event === "task_completed") ? true : undefined), 10_000, "task_completed at n8n");
      } else {
        await waitFor(async () => (((await call(first, "status")).json.progress as { completed: number }).completed === 1 ? true : undefined), 10_000, "task 1 to complete");
      }
      const beforeKill = catcher.requests.length;
      first.process.kill("SIGKILL");
      await first.process.catch(() => undefined);

      const atKill = await savedState(dir);
      const waiting = atKill.outbox.map((e) => e.id);
      const completedEntry = atKill.outbox.find((e) => e.event === "task_completed");
      // The task's result is saved, and its notification with it.
      expect(atKill.tasks[0]?.status).toBe("completed");
      expect(completedEntry).toBeDefined();

      catcher.setMode(200);
      const second = await serveWith(dir, url);
      await waitFor(async () => (waiting.every((id) => delivered(catcher).some((r) => payload(r).id === id)) ? true : undefined), 10_000, "every waiting notification");
      await waitFor(async () => ((await savedState(dir)).outbox.length === 0 ? true : undefined), 5000, "the outbox to empty");
      const stopped = await second.stop();
      expect(stopped.exitCode).toBe(0);

      // None lost: every id the outbox held at the kill reached n8n with a 200.
      const lost = waiting.filter((id) => !delivered(catcher).some((r) => payload(r).id === id));
      expect(lost).toEqual([]);
      // Every request carries its id as Idempotency-Key, and a resend is byte-for-byte the same notification.
      for (const r of catcher.requests) {
        expect(r.headers["idempotency-key"]).toBe(payload(r).id);
        expect(r.headers["x-webhook-secret"]).toBe(SECRET);
      }
      for (const id of Object.keys(repeats(catcher.requests))) {
        const copies = catcher.requests.filter((r) => payload(r).id === id).map((r) => JSON.stringify(r.body));
        expect(new Set(copies).size).toBe(1);
      }
      // A duplicate is only the request that was in flight at the kill; nothing n8n had taken comes again.
      const inFlight = catcher.requests.slice(0, beforeKill).filter((r) => r.answer === "hang").map((r) => payload(r).id);
      expect(inFlight).toHaveLength(1);
      expect(repeats(catcher.requests)).toEqual({ [inFlight[0]!]: 2 });
      expect(delivered(catcher).filter((r) => payload(r).id === completedEntry!.id)).toHaveLength(1);
      // After the restart: exactly what was waiting, in order, each once.
      expect(catcher.requests.slice(beforeKill).map((r) => payload(r).id)).toEqual(waiting);
      expect(await processesWithMarker(`${first.process.pid}-`)).toEqual([]);
    });
  }
});

describe("n8n answering 500", () => {
  it("retries with backoff, keeps the notification in the outbox and delivers it when n8n recovers", async () => {
    // 500 to the first three tries, then n8n is back: the fourth try (the last before the minute's
    // pause) must go through. Deciding in the catcher, not from the test, leaves no race with the backoff.
    const catcher = await HttpCatcher.start(200);
    catchers.push(catcher);
    catcher.answerNext(500, 500, 500);
    const dir = await workspace([task(1, "success"), task(2, "success")]);
    const s = await serveWith(dir, `${catcher.url}/hook`);
    const started = Date.now();
    expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
    // The tasks do not wait for n8n.
    await sessionDone(s, 10_000);
    const sessionMs = Date.now() - started;
    const events = ["session_started", "task_started", "task_completed", "task_started", "task_completed", "session_completed"];
    // While n8n fails, the oldest entry holds the line and every entry stays in the saved outbox
    // (the first may just have gone through, if the three backoffs were all short).
    const held = await savedState(dir);
    expect(held.outbox.length).toBeGreaterThanOrEqual(events.length - 1);
    expect(held.outbox.map((e) => e.event)).toEqual(events.slice(events.length - held.outbox.length));
    await waitFor(async () => (delivered(catcher).length >= events.length ? true : undefined), 10_000, "delivery after n8n recovered");
    await waitFor(async () => ((await savedState(dir)).outbox.length === 0 ? true : undefined), 5000, "the outbox to empty");
    // The first notification: three 500s, then delivered on the fourth try, same id each time.
    const firstId = payload(catcher.requests[0]!).id;
    expect(catcher.requests.slice(0, 4).map((r) => [payload(r).id, r.answer])).toEqual([
      [firstId, 500],
      [firstId, 500],
      [firstId, 500],
      [firstId, 200],
    ]);
    // Then each of the others exactly once, in order.
    expect(delivered(catcher).map((r) => payload(r).event)).toEqual(events);
    expect(catcher.requests).toHaveLength(events.length + 3);
    expect(sessionMs).toBeLessThan(5000);
    expect((await s.stop()).exitCode).toBe(0);
  });
});

describe("n8n hanging (never answers)", () => {
  it("the sender times out, tasks keep their pace, SIGTERM exits promptly", async () => {
    const catcher = await HttpCatcher.start(200);
    catchers.push(catcher);
    const dir = await workspace([task(1, "success"), task(2, "success"), task(3, "success")]);
    const s = await serveWith(dir, `${catcher.url}/hook`);
    // Pace with n8n answering...
    let t = Date.now();
    expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
    await sessionDone(s);
    const normalMs = Date.now() - t;
    await waitFor(async () => ((await savedState(dir)).outbox.length === 0 ? true : undefined), 5000, "the first session's notifications");
    // ...and with n8n hanging.
    catcher.setMode("hang");
    const sent = catcher.requests.length;
    t = Date.now();
    expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
    await sessionDone(s);
    const hangingMs = Date.now() - t;
    expect(hangingMs).toBeLessThan(normalMs + 1500);
    // The API answers at once meanwhile.
    const h0 = Date.now();
    expect((await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
    expect(Date.now() - h0).toBeLessThan(500);
    // One request in flight, held; after the sender's timeout (10 s) the same id is tried again.
    await waitFor(async () => (catcher.requests.length > sent ? true : undefined), 5000, "a request to the hanging n8n");
    const heldAt = Date.now();
    expect(catcher.requests.length).toBe(sent + 1);
    await waitFor(async () => (catcher.requests.length > sent + 1 ? true : undefined), 15_000, "the retry after the timeout");
    const timeoutMs = Date.now() - heldAt;
    expect(payload(catcher.requests[sent + 1]!).id).toBe(payload(catcher.requests[sent]!).id);
    expect(timeoutMs).toBeGreaterThan(9000);
    // SIGTERM with a request hanging: out within the stop timeout, code 0.
    s.process.kill("SIGTERM");
    const exit = await exitWithin(s.process, 8000);
    expect(exit.exitCode).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(4000);
    if (process.env.FAULT_FIGURES) process.stderr.write(`n8n hanging: normal ${normalMs} ms, hanging ${hangingMs} ms, timeout ${timeoutMs} ms, SIGTERM exit ${exit.elapsedMs} ms\n`);
  });
});

describe("n8n refusing connections", () => {
  it("tasks keep their pace, no tight loop in the log, SIGTERM exits promptly", async () => {
    // A port nothing listens on: every connection is refused at once.
    const port = await freePort();
    const dir = await workspace([task(1, "success"), task(2, "success"), task(3, "success")]);
    const s = await serveWith(dir, `http://127.0.0.1:${port}/hook`, { LOG_LEVEL: "debug" });
    const from = s.output().length;
    const t = Date.now();
    expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
    await sessionDone(s);
    const sessionMs = Date.now() - t;
    expect(sessionMs).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - t)));
    const lines = logLines(s, from);
    const notifyLines = lines.filter((l) => l.module === "notify");
    // 4 tries (1 + 3 retries, debug lines), then one warning and a minute's pause: a few lines, not a storm.
    expect(notifyLines.length).toBeGreaterThanOrEqual(2);
    expect(notifyLines.length).toBeLessThanOrEqual(6);
    expect(notifyLines.some((l) => l.level === 40 && /stays in the outbox/.test(String(l.msg)))).toBe(true);
    expect(notifyLines.every((l) => !String(l.msg).includes(String(port)))).toBe(true);
    expect((await savedState(dir)).outbox.length).toBeGreaterThan(0);
    s.process.kill("SIGTERM");
    const exit = await exitWithin(s.process, 8000);
    expect(exit.exitCode).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(4000);
    if (process.env.FAULT_FIGURES) process.stderr.write(`n8n refusing: session ${sessionMs} ms, ${notifyLines.length} notify lines / ${lines.length} lines in 10 s, SIGTERM exit ${exit.elapsedMs} ms\n`);
  });
});

/** Resident memory of a process, in MB (Linux). */
async function rssMb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

describe("n8n answering 200 with an endless body", () => {
  it("counts each notification delivered once and keeps memory flat", async () => {
    // A misconfigured proxy or a streaming endpoint: the status comes at once, the body never ends.
    const ids: string[] = [];
    const chunk = Buffer.alloc(1 << 20, 120);
    const server: Server = createServer((req, res) => {
      const body: Buffer[] = [];
      req.on("data", (c: Buffer) => body.push(c));
      req.on("end", () => {
        ids.push((JSON.parse(Buffer.concat(body).toString()) as NotificationPayload).id);
        res.writeHead(200, { "Content-Type": "application/json" });
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
        };
        res.on("drain", pump);
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const dir = await workspace([task(1, "success")]);
      const s = await serveWith(dir, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      const pid = s.process.pid!;
      const baseline = await rssMb(pid);
      expect((await call(s, "start", { task_file: "day.md" })).status).toBe(200);
      await sessionDone(s);
      let peak = baseline;
      // Before the fix each request read the body until the 10 s timeout (gigabytes), then was sent again.
      await waitFor(
        async () => {
          peak = Math.max(peak, await rssMb(pid));
          return ids.length >= 4 && (await savedState(dir)).outbox.length === 0 ? true : undefined;
        },
        8000,
        "all four notifications delivered",
      );
      await new Promise((r) => setTimeout(r, 500));
      peak = Math.max(peak, await rssMb(pid));
      expect(ids).toEqual([...new Set(ids)]);
      expect(ids).toHaveLength(4);
      expect(peak - baseline).toBeLessThan(150);
      expect((await s.stop()).exitCode).toBe(0);
      if (process.env.FAULT_FIGURES) process.stderr.write(`n8n endless body: rss ${baseline.toFixed(0)} -> peak ${peak.toFixed(0)} MB, ${ids.length} requests\n`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
