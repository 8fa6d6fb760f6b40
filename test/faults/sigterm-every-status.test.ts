/**
 * SIGTERM of `orchestrator serve` in every session status (idle, waiting_approval, running —
 * with a claude whose grandchildren are in and out of its group, and with one that also ignores
 * SIGTERM —, running with a pause requested, paused, task_failed, waiting_limit, completed): it exits 0 within the stop bound, the state file is
 * intact and consistent (a running task becomes interrupted, nothing else changes), the lock is
 * released and no process carrying the service's run marker is left.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stopDeadlineMs } from "../../src/cli/stop-deadline.js";
import { describeStateProblem, type SessionState, type SessionStatus } from "../../src/core/state.js";
import { readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService } from "../support/start-service.js";
import { processesWithMarker } from "./fault-helpers.js";

const linux = existsSync("/proc/self/environ");
const SECRET = "fault-suite-secret";
const KILL_GRACE_S = 1;
/** SIGTERM to exit: serve's own stop deadline (claude.kill_grace + 10 s; past it, it exits 1). */
const STOP_BOUND_MS = stopDeadlineMs(KILL_GRACE_S);
const CONFIG = `orchestrator:\n  approval_mode: required\n  auto_approve: []\nclaude:\n  timeout: 60\n  idle_timeout: 60\n  kill_grace: ${KILL_GRACE_S}\n`;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`sigterm-every-status.test.ts figures:\n${figures.join("\n")}\n`);
});

const task = (n: number, scenario: string) =>
  `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n`;

const post = async (url: string, route: string, body: unknown = {}) => {
  const res = await fetch(`${url}/webhook/${route}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`POST /webhook/${route}: ${res.status} ${await res.text()}`);
};

type Case = SessionStatus | "running with a pause requested" | "running, claude ignoring SIGTERM";

/** The task file and the commands that bring a fresh service into `status`. */
const cases: Record<Case, { scenario: string; drive: (url: string, dir: string) => Promise<void> }> = {
  idle: { scenario: "success", drive: async () => {} },
  waiting_approval: { scenario: "escaped_hang", drive: (url) => post(url, "start", { task_file: "t.md" }) },
  running: {
    scenario: "escaped_hang",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await grandchildrenReady(dir);
    },
  },
  "running, claude ignoring SIGTERM": {
    scenario: "ignore_sigterm_escaped",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await grandchildrenReady(dir);
    },
  },
  "running with a pause requested": {
    scenario: "escaped_hang",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await grandchildrenReady(dir);
      await post(url, "pause");
    },
  },
  paused: {
    scenario: "escaped_hang",
    drive: async (url) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "pause");
    },
  },
  task_failed: {
    scenario: "crash",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await statusIs(dir, "task_failed");
    },
  },
  waiting_limit: {
    // "You've hit your limit · resets 3pm (UTC)": the next 3pm, always ahead; the stop leaves the wait as it was.
    scenario: "usage_limit",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await statusIs(dir, "waiting_limit");
    },
  },
  completed: {
    scenario: "success",
    drive: async (url, dir) => {
      await post(url, "start", { task_file: "t.md" });
      await post(url, "approve");
      await statusIs(dir, "completed");
    },
  },
};

async function statusIs(dir: string, status: SessionStatus): Promise<SessionState> {
  return waitFor(async () => {
    const s = await readState(dir);
    return s.status === status ? s : undefined;
  }, 15_000, `status ${status}`);
}

/** Both grandchildren of the fake claude run (one left its group with setsid). */
async function grandchildrenReady(dir: string): Promise<void> {
  await waitFor(
    async () => ((await readFile(path.join(dir, "rec", "grandchildren-ready.txt"), "utf8")).split("\n").filter(Boolean).length >= 2 ? true : undefined),
    15_000,
    "the fake claude's grandchildren",
  );
}

// Skipped where there is no /proc (not Linux): run markers and process groups are found through it.
(linux ? describe : describe.skip)("SIGTERM of serve in every session status", () => {
  it.each(Object.keys(cases) as Case[])("%s: exits 0 within the stop bound, the state intact and consistent, nothing left", async (name) => {
    const { scenario, drive } = cases[name];
    const dir = await tempDir("orch-fault-sigterm-");
    dirs.push(dir);
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await mkdir(path.join(dir, "rec"));
    // One task (so `completed` is reached with one approval) for most; `task_failed` gets a second that never runs.
    const body = scenario === "crash" ? task(1, "crash") + "---\n\n" + task(2, "success") : task(1, scenario);
    await writeFile(path.join(dir, "orchestrator_tasks", "t.md"), `# Tasks\n\n${body}`);
    await writeFile(path.join(dir, "config.yaml"), CONFIG);
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET, FAKE_CLAUDE_RECORD: path.join(dir, "rec") });
    const ours = `${service.process.pid}-`;
    try {
      await drive(service.url, dir);
    } catch (error) {
      await service.stop("SIGKILL");
      throw error;
    }
    const before = existsSync(path.join(dir, "state.json")) ? await readState(dir) : null;
    const wasRunning = before?.status === "running";
    if (wasRunning) expect((await processesWithMarker(ours)).length).toBe(3); // claude + 2 grandchildren

    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      service.stop("SIGTERM"),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`serve did not exit within ${STOP_BOUND_MS + 5000} ms of SIGTERM`)), STOP_BOUND_MS + 5000))),
    ])
      .catch(async (error: unknown) => {
        service.process.kill("SIGKILL");
        throw error;
      })
      .finally(() => clearTimeout(timer));
    const ms = Date.now() - started;
    // On failure, the messages it logged say where it was.
    const said = stopped.exitCode === 0 ? "" : stopped.stdout.split("\n").map((l) => /"msg":"([^"]{0,80})/.exec(l)?.[1] ?? l.slice(0, 80)).join(" | ");
    expect({ exitCode: stopped.exitCode, said }).toEqual({ exitCode: 0, said: "" });
    expect(ms).toBeLessThan(STOP_BOUND_MS);
    expect(await processesWithMarker(ours)).toEqual([]);
    expect(existsSync(path.join(dir, "state.json.lock"))).toBe(false);

    if (before === null) {
      expect(name).toBe("idle"); // nothing was ever saved: nothing to check but that it stayed so
    } else {
      const after = await readState(dir);
      expect(describeStateProblem(after)).toBeNull();
      if (wasRunning) {
        expect(after).toMatchObject({ status: "waiting_approval", current_task_index: 0, pause_requested: false });
        expect(after.tasks[0]).toMatchObject({ status: "interrupted", result: "interrupted", pid: null, pgid: null, run_marker: null });
        expect(after.tasks[0]?.error).toBe("interrupted: the orchestrator stopped while this task ran (shutdown)");
      } else {
        expect(after).toEqual(before); // a stop changes nothing in a session that was not running
      }
    }
    figures.push(`SIGTERM of serve in ${name}: exit 0 after ${ms} ms, 0 processes left`);
  });

  it("SIGTERM while serve is still starting (a corrupt state file just reported, no banner yet): it starts, then stops cleanly and exits 0", async () => {
    const dir = await tempDir("orch-fault-sigterm-early-");
    dirs.push(dir);
    await writeFile(path.join(dir, "config.yaml"), CONFIG);
    // The store says so during the start, before the banner: the moment to send the signal.
    await writeFile(path.join(dir, "state.json"), "{ not json");
    const { execa } = await import("execa");
    const { BIN, FAKE_CLAUDE } = await import("../support/run-orchestrator-bin.js");
    const child = execa("node", [BIN, "serve"], { cwd: dir, reject: false, stdin: "ignore", env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, PORT: "0", WEBHOOK_SECRET: SECRET } });
    let out = "";
    let signalled = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      // The corrupt-state warning comes from inside the service's start, before its banner.
      if (!signalled && out.includes("state file was corrupt")) {
        expect(out).not.toContain("Orchestrator serving at");
        signalled = true;
        child.kill("SIGTERM");
      }
    });
    const r = await child;
    expect(signalled).toBe(true);
    expect({ exitCode: r.exitCode, signal: r.signal ?? null }).toEqual({ exitCode: 0, signal: null });
    expect(existsSync(path.join(dir, "state.json.lock"))).toBe(false);
  });
});
