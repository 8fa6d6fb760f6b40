// `orchestrator run` (the foreground, no service) at a usage limit: it waits for the reset with the
// state saved as waiting_limit, goes on by itself, and exits 0 when the file is done.
import { afterAll, describe, expect, it } from "@jest/globals";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { orchestratorBin, readState, tempDir } from "../support/run-orchestrator-bin.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const task = (n: number, scenario: string) => `## Task ${n}: Step ${n}\n**Type:** backend\n**Description:** step ${n}\n**Claude Instruction:**\nDo step ${n}.\nFAKE_CLAUDE: ${scenario}\n\n---\n`;

describe("orchestrator run at a usage limit", () => {
  it("waits for the reset, then the same Claude session goes on; exit 0", async () => {
    const dir = await tempDir("orch-run-limit-");
    dirs.push(dir);
    await writeFile(path.join(dir, "tasks.md"), `# Tasks\n\n${task(1, "usage_limit")}${task(2, "success")}`);
    await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\nclaude:\n  timeout: 20\n  idle_timeout: 20\n  kill_grace: 1\n");
    const started = Date.now();
    const r = await orchestratorBin(["run", "tasks.md"], { cwd: dir, env: { FAKE_CLAUDE_RESET_IN_S: "2", FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions") } });
    expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: "" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(r.stdout).toMatch(/Usage limit reached \(5-hour window\)\. Resuming at \d\d:\d\d/);
    expect(r.stdout).toContain("Usage limit reset: Task 1/2: Step 1 continues where it stopped");
    const state = await readState(dir);
    expect(state.status).toBe("completed");
    expect(state.tasks.map((t) => [t.status, t.attempts])).toEqual([["completed", 1], ["completed", 1]]);
    expect(state.tasks[0]?.summary).toBe("Continued after the usage limit reset.");
  }, 30_000);
});
