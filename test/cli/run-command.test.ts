import { describe, expect, it } from "@jest/globals";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { liveProcesses } from "../support/live-processes.js";
import { groupAlive, orchestratorBin, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";

const task = (n: number, extra = "") => `## Task ${n}: Make file ${n}
**Type:** backend
**Requires Approval:** false
**Description:** Create file ${n}
**Acceptance Criteria:**
- file ${n} exists

**Claude Instruction:**
Create file number ${n}.
${extra}
---
`;

async function project(body: string, config = "orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: 20\n  idle_timeout: 20\n  kill_grace: 1\n"): Promise<string> {
  const dir = await tempDir();
  await writeFile(path.join(dir, "tasks.md"), `# Tasks\n\n${body}`);
  await writeFile(path.join(dir, "config.yaml"), config);
  return dir;
}

describe("orchestrator run", () => {
  it("runs a task file to the end: exit 0, a complete record, a log per task and per day", async () => {
    const dir = await project(task(1) + task(2) + task(3));
    const r = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    for (const t of state.tasks) {
      expect(t).toMatchObject({ status: "completed", result: "success", attempts: 1 });
      expect(t.claude_session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(t.cost_usd).toBeGreaterThan(0);
      expect(t.tokens?.output_tokens).toBeGreaterThan(0);
      expect(t.started_at && t.completed_at && t.duration_s !== null).toBeTruthy();
      const log = await readFile(t.output_log as string, "utf8");
      expect(log).toContain('"type":"result"');
    }
    const daily = (await readdir(path.join(dir, "orchestrator_logs"))).filter((f) => f.endsWith(".log"));
    expect(daily).toHaveLength(1);
    expect(await readFile(path.join(dir, "orchestrator_logs", daily[0] as string), "utf8")).toContain("complete: 3/3 (100%)");
    expect(r.stdout).toContain("Progress: 3/3 tasks (100%)");
  });

  it("stops at a checkpoint with no terminal (exit 3), and a later run --yes resumes there", async () => {
    const dir = await project(task(1) + task(2), "orchestrator:\n  approval_mode: required\n  auto_approve: []\n");
    const first = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(first.exitCode).toBe(3);
    expect(first.stdout).toMatch(/waits for approval/);
    expect((await readState(dir)).status).toBe("waiting_approval");
    const second = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain("Resuming session");
    const state = await readState(dir);
    expect(state.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    // A completed file is not run again by accident.
    const third = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(third.exitCode).toBe(0);
    expect(third.stdout).toMatch(/already completed.*--new/);
  });

  it("exits 1 when a task fails, with the reason in the state", async () => {
    const dir = await project(task(1, "FAKE_CLAUDE: crash") + task(2));
    const r = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    const state = await readState(dir);
    expect(state.status).toBe("task_failed");
    expect(state.tasks[0]?.error).toMatch(/exited 3: fatal: something broke/);
    expect(state.tasks[1]?.status).toBe("pending");
  });

  it("exits 2 on a bad task file, naming every bad line", async () => {
    const dir = await project("## Task 1: A\n**Requires Approval:** maybe\n**Description:** x\n---\n## Task 1: B\n**Description:** y\n");
    const r = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/tasks\.md:4: .*Requires Approval/i);
    expect(r.stderr).toMatch(/tasks\.md:7: .*duplicate/i);
  });

  it("survives kill -9 mid-task: the orphan is ended, the task is interrupted and re-run only when approved", async () => {
    const dir = await project(task(1) + task(2));
    const crashed = orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_SCENARIO: "hang" } });
    const pgid = await waitFor(async () => (await readState(dir)).tasks[0]?.pgid ?? undefined, 15_000, "a recorded pgid");
    // A second instance on the same state file refuses to start.
    const second = await orchestratorBin(["status", "--json"], { cwd: dir });
    expect(second.exitCode).toBe(0);
    const rival = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(rival.exitCode).toBe(4);
    expect(rival.stderr).toMatch(/already running \(pid \d+\)/);
    crashed.kill("SIGKILL");
    await crashed;
    expect(groupAlive(pgid)).toBe(true); // the claude child outlived its parent
    const restart = await orchestratorBin(["run", "tasks.md"], { cwd: dir });
    expect(restart.exitCode).toBe(3);
    expect(await liveProcesses({ pgid })).toEqual([]); // a zombie awaiting a slow init's reaping is dead
    let state = await readState(dir);
    expect(state.status).toBe("waiting_approval");
    expect(state.tasks[0]).toMatchObject({ status: "interrupted", attempts: 1 });
    const approved = await orchestratorBin(["run", "tasks.md", "--yes"], { cwd: dir });
    expect(approved.exitCode).toBe(0);
    state = await readState(dir);
    expect(state.tasks.map((t) => [t.status, t.attempts])).toEqual([["completed", 2], ["completed", 1]]);
  });

  it("takes --state and --logs before or after the command", async () => {
    const dir = await project(task(1));
    const r = await orchestratorBin(["--state", "s/one.json", "run", "tasks.md", "--logs", "l"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect((await readState(dir, "s/one.json")).status).toBe("completed");
    expect((await readdir(path.join(dir, "l"))).some((f) => f.endsWith(".log"))).toBe(true);
    const status = await orchestratorBin(["status", "--state", "s/one.json"], { cwd: dir });
    expect(status.stdout).toContain("✅ Completed");
  });
});

describe("orchestrator validate / help", () => {
  it("validate prints one line per task and exits 0", async () => {
    const dir = await project(task(1) + task(2));
    const r = await orchestratorBin(["validate", "tasks.md"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n").filter((l) => /^\s+\d+\. /.test(l))).toHaveLength(2);
  });

  it("--help lists the commands; an unknown option exits 2", async () => {
    const dir = await tempDir();
    expect((await orchestratorBin(["--help"], { cwd: dir })).stdout).toMatch(/run <file>.*\n[\s\S]*validate <file>/);
    const bad = await orchestratorBin(["run", "--frobnicate"], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/frobnicate/);
  });
});
