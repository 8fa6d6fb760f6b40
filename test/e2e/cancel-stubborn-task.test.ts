/**
 * `POST /webhook/cancel` to the service (the real bin) while a task's Claude and its Bash-like
 * children ignore SIGTERM, one of them in a session of its own (the fake's ignore_sigterm_escaped):
 * the task ends as interrupted "cancelled by …" within kill_grace and a few seconds, the session
 * waits for a person, and nothing the run started is left. The same for a Verify command that
 * ignores SIGTERM while the task is being verified.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { processesWithMarker } from "../faults/fault-helpers.js";
import { makeE2eProject, postWebhook, type E2eProject } from "../support/e2e-project.js";
import { liveProcesses } from "../support/live-processes.js";
import { readState, REPO, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";

/** A verify command that ignores SIGTERM, as does the grandchild it starts; their pids go to argv[2]. */
const STUBBORN_VERIFY = path.join(REPO, "test/fixtures/verify/stubborn.mjs");

const SECRET = "cancel-e2e-webhook-secret";
const KILL_GRACE_S = 1;
/** Slack past kill_grace for the kill, the leftover sweep and the save, on a loaded machine. */
const SLACK_MS = 5000;

const TASKS = `## Task 1: Start a stubborn dev server
**Description:** It will not stop by itself
**Claude Instruction:**
Start the server.
FAKE_CLAUDE_WRITE: server.log starting\\n
FAKE_CLAUDE: ignore_sigterm_escaped
`;

describe("/cancel of a task that ignores SIGTERM", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  /**
   * A repo, the service on it (kill_grace 1 s, approval auto) and the session started on the task
   * file `tasks` writes for the project. `leftovers` names what to SIGKILL at cleanup.
   */
  async function startSessionOn(tasks: (p: E2eProject) => string, leftovers: () => Promise<number[]>): Promise<{ p: E2eProject; service: RunningService }> {
    const p: E2eProject = await makeE2eProject();
    cleanups.push(() => p.cleanup());
    await p.writeRepoFiles({ "README.md": "# Project\n" });
    await p.commitAll("initial");
    await p.writeConfig("orchestrator:\n  approval_mode: auto\n", { kill_grace: KILL_GRACE_S });
    await p.writeTasks("tasks.md", tasks(p));
    const service: RunningService = await startService(p.orchDir, { ...p.env, WEBHOOK_SECRET: SECRET });
    cleanups.push(() => service.stop("SIGKILL"));
    // Whatever happens, nothing of the run outlives the test (runs after the service is stopped).
    cleanups.push(async () => {
      for (const pid of await leftovers()) process.kill(pid, "SIGKILL");
    });
    expect((await postWebhook(service.url, "start", { task_file: "tasks.md" }, SECRET)).status).toBe(200);
    return { p, service };
  }

  it("ends Claude and its children, marks the task interrupted and waits", async () => {
    let marker: string | null = null;
    const { p, service } = await startSessionOn(() => TASKS, async () => (marker ? processesWithMarker(marker) : []));
    // Running, with both grandchildren up and ignoring SIGTERM.
    const ready = path.join(p.recordDir, "grandchildren-ready.txt");
    const grandchildren = await waitFor(async () => {
      const pids = (await readFile(ready, "utf8")).split("\n").filter(Boolean).map(Number);
      return pids.length === 2 ? pids : undefined;
    }, 15_000, "two SIGTERM-ignoring grandchildren");
    const running = await readState(p.orchDir);
    expect(running.status).toBe("running");
    const task = running.tasks[0]!;
    marker = task.run_marker;
    expect(marker).toEqual(expect.any(String));
    const claudePid = task.pid as number;
    expect(await processesWithMarker(marker as string)).toEqual(expect.arrayContaining([claudePid, ...grandchildren]));

    const cancelled = await postWebhook(service.url, "cancel", {}, SECRET, 20_000);
    expect(cancelled.status).toBe(200);
    expect(cancelled.ms).toBeLessThan(KILL_GRACE_S * 1000 + SLACK_MS);

    const state = await waitFor(async () => {
      const s = await readState(p.orchDir);
      return s.tasks[0]?.status === "interrupted" ? s : undefined;
    }, KILL_GRACE_S * 1000 + SLACK_MS, "the task to be interrupted");
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[0]?.error).toMatch(/^cancelled by \S/);
    expect(state.tasks[0]?.attempts).toBe(1);
    // What the task wrote before it was stopped is recorded (a person can diff or roll it back).
    expect(state.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["server.log"]);

    // Nothing of the run is left: Claude, the grandchild in its group, the one that left it.
    expect(await processesWithMarker(marker as string)).toEqual([]);
    expect(await liveProcesses({ pids: [claudePid, ...grandchildren], pgid: task.pgid ?? -1 })).toEqual([]);

    // It is never re-run without a person: still waiting a moment later, one Claude run in all.
    await new Promise((r) => setTimeout(r, 500));
    expect((await readState(p.orchDir)).status).toBe("waiting_approval");
    expect(await p.calls()).toHaveLength(1);

    expect((await service.stop()).exitCode).toBe(0);
  });

  it("ends a Verify command that ignores SIGTERM, and its child, while the task is being verified", async () => {
    let verify: { pid: number; grandchild_pid: number } | null = null;
    const pidFile = (p: E2eProject) => path.join(p.recordDir, "verify-pids.json");
    const { p, service } = await startSessionOn(
      (project) => `## Task 1: Write and check
**Description:** The check never ends
**Verify:** node ${STUBBORN_VERIFY} ${pidFile(project)}
**Claude Instruction:**
Write the result.
FAKE_CLAUDE_WRITE: result.txt done\\n
`,
      async () => (verify ? [verify.pid, verify.grandchild_pid] : []),
    );
    const pids = await waitFor(async () => JSON.parse(await readFile(pidFile(p), "utf8")) as { pid: number; grandchild_pid: number }, 15_000, "the verify command and its child");
    verify = pids;
    const running = await readState(p.orchDir);
    expect(running).toMatchObject({ status: "running", tasks: [{ status: "running", phase: "verifying" }] });
    const marker = running.tasks[0]?.run_marker as string;
    expect(marker).toEqual(expect.any(String)); // the verify command carries it too
    expect(await processesWithMarker(marker)).toEqual(expect.arrayContaining([pids.pid, pids.grandchild_pid]));

    const cancelled = await postWebhook(service.url, "cancel", {}, SECRET, 20_000);
    expect(cancelled.status).toBe(200);
    expect(cancelled.ms).toBeLessThan(KILL_GRACE_S * 1000 + SLACK_MS);
    const state = await waitFor(async () => {
      const s = await readState(p.orchDir);
      return s.tasks[0]?.status === "interrupted" ? s : undefined;
    }, KILL_GRACE_S * 1000 + SLACK_MS, "the task to be interrupted");
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[0]?.error).toMatch(/^cancelled by \S/);
    expect(state.tasks[0]?.files_changed?.map((f) => f.path)).toEqual(["result.txt"]);
    expect(await liveProcesses({ pids: [pids.pid, pids.grandchild_pid] })).toEqual([]);
    expect(await processesWithMarker(marker)).toEqual([]);

    expect((await service.stop()).exitCode).toBe(0);
  });
});
