import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { TaskFileError } from "../../src/core/errors.js";
import { loadTaskFile, loadTaskSet } from "../../src/tasks/load-task-file.js";
import { startPlanHarness, type PlanHarness } from "../http/plan-harness.js";

// loadTaskSet: a task file's tasks and its own spend cap (max_cost_usd); and that cap at work in
// a real orchestrator behind the HTTP API: the lower of it and daily_budget_usd stops the session,
// /budget raises it for today.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "load-task-set-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const yaml = (cap: string | null, count = 1): string =>
  `${cap === null ? "" : `max_cost_usd: ${cap}\n`}tasks:\n${Array.from({ length: count }, (_, i) => `  - id: t${i + 1}\n    name: Task ${i + 1}\n    description: do ${i + 1}\n`).join("")}`;

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("loadTaskSet", () => {
  it("returns the YAML file's max_cost_usd with its tasks", async () => {
    const set = await loadTaskSet(await write("capped.yaml", yaml("0.5", 2)));
    expect(set.max_cost_usd).toBe(0.5);
    expect(set.tasks.map((t) => t.id)).toEqual(["t1", "t2"]);
  });

  it("null without one; loadTaskFile gives the same tasks", async () => {
    const path = await write("free.yaml", yaml(null));
    expect((await loadTaskSet(path)).max_cost_usd).toBeNull();
    expect(await loadTaskFile(path)).toEqual((await loadTaskSet(path)).tasks);
  });

  it("a markdown file's **Max Cost USD:** line", async () => {
    const set = await loadTaskSet(await write("capped.md", "# Tasks\n**Max Cost USD:** 3.25\n\n## Task 1: A\n**Description:** d\n"));
    expect(set).toMatchObject({ max_cost_usd: 3.25, tasks: [{ id: 1 }] });
  });

  it("a bad value is a TaskFileError naming its line", async () => {
    const path = await write("bad.yaml", yaml("free"));
    const error = await loadTaskSet(path).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFileError);
    expect((error as TaskFileError).message).toBe(`${path}:1: \`max_cost_usd\` must be an amount of dollars > 0, e.g. 25 or 12.50 (got "free"); remove it for no cap of the file's own`);
  });
});

describe("a file's max_cost_usd in a running orchestrator", () => {
  let h: PlanHarness;
  afterEach(() => h.close());

  it("0.5 under a daily budget of 10: the session stops at $0.50; /budget raises it", async () => {
    h = await startPlanHarness({ dailyBudgetUsd: 10, scripts: [{ outcome: { cost_usd: 0.3 } }] });
    await writeFile(join(h.tasksDir, "capped.yaml"), yaml("0.5", 3));
    const start = await h.request("POST", "/webhook/start", { task_file: "capped.yaml" });
    expect(start.json).toMatchObject({ status: "ok", session: { status: "waiting_approval", budget: { spent_usd: 0, budget_usd: 0.5 } } });
    expect(h.orchestrator.state.max_cost_usd).toBe(0.5);

    await h.request("POST", "/webhook/approve", {});
    await h.until((s) => s.tasks[0]?.status === "completed" && s.status === "waiting_approval");
    expect(h.runner.calls[0]?.maxBudgetUsd).toBe(0.5);
    await h.request("POST", "/webhook/approve", {});
    const stopped = await h.until((s) => s.tasks[1]?.status === "completed" && s.status === "waiting_approval");
    expect(h.runner.calls[1]?.maxBudgetUsd).toBeCloseTo(0.2);
    expect(stopped.waiting_reason).toBe("Budget reached: $0.60 of $0.50 spent today");

    const refused = await h.request("POST", "/webhook/approve", {});
    expect(refused.status).toBe(409);
    expect(refused.json.message).toBe("Budget reached: $0.60 of $0.50 spent today. Send /budget <dollars> to raise today's budget, or wait for tomorrow.");
    const budget = await h.request("POST", "/webhook/budget", {});
    expect(budget.json).toMatchObject({ spent_usd: 0.6, budget_usd: 0.5 });

    const raised = await h.request("POST", "/webhook/budget", { usd: 2 });
    expect(raised.json.message).toBe("Today's budget is $2.00; $0.60 spent. Send /approve to go on.");
    expect((await h.request("POST", "/webhook/approve", {})).status).toBe(200);
    await h.until((s) => s.status === "completed");
    expect(h.runner.calls[2]?.maxBudgetUsd).toBeCloseTo(1.4);
  });
});
