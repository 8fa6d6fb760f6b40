import { afterEach, describe, expect, it } from "@jest/globals";
import { access } from "node:fs/promises";
import path from "node:path";
import { heldStep, startPlanHarness, writeStep, type PlanHarness } from "./plan-harness.js";

// The plan routes over real HTTP on 127.0.0.1, a real orchestrator with a fake planner:
// POST /webhook/plan, GET /webhook/plan, POST /webhook/plan/start, POST /webhook/plan/discard,
// and POST /webhook/start's "replace".

let h: PlanHarness;
afterEach(() => h.close());

describe("POST /webhook/plan, GET /webhook/plan, POST /webhook/plan/start", () => {
  it("plans from today's daily log, shows the ready plan and its file, starts it", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir));
    const plan = await h.request("POST", "/webhook/plan", {});
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({ status: "ok", message: expect.stringContaining(`Planning from ${h.dailyLog} (plan ${h.today}-p1)`), session: { status: "idle" } });
    const ready = await h.until((s) => s.plan?.status === "ready");
    expect(h.planner.requests[0]).toMatchObject({ plan_id: `${h.today}-p1`, daily_log: h.dailyLog, date: h.today, round: 0, max_budget_usd: null });
    expect(ready.plan?.by).toMatch(/^HTTP .*127\.0\.0\.1/);

    const shown = await h.request("GET", "/webhook/plan");
    expect(shown.status).toBe(200);
    const file = path.join(h.tasksDir, `${h.today}-tasks.md`);
    expect(shown.json).toMatchObject({ status: "ok", plan: { id: `${h.today}-p1`, status: "ready", file, tasks: [{ title: "Task number 1" }, { title: "Task number 2" }] }, session: { status: "idle" } });
    expect(shown.json.message).toMatch(/^📝 Plan ready: 2 tasks from /);
    expect(shown.json.text).toContain("## Task 1: Task number 1");
    // The same as POST /webhook/plan_show, and as a typed line.
    expect((await h.request("POST", "/webhook/plan_show", {})).json.plan).toEqual(shown.json.plan);
    expect((await h.request("POST", "/webhook/command", { command: "/plan show" })).json.plan).toEqual(shown.json.plan);

    const wrongId = await h.request("POST", "/webhook/plan/start", { id: `${h.today}-p9` });
    expect(wrongId.status).toBe(409);
    expect(wrongId.json.message).toBe(`Plan ${h.today}-p9 is not the latest one (${h.today}-p1, ready); send /plan show to see it.`);

    const start = await h.request("POST", "/webhook/plan/start", { id: `${h.today}-p1` });
    expect(start.status).toBe(200);
    expect(start.json).toMatchObject({ status: "ok", tasks: [{ id: 1 }, { id: 2 }], session: { status: "waiting_approval", task_file: file, total: 2 } });
    expect(h.orchestrator.state.plan?.status).toBe("started");
    const again = await h.request("POST", "/webhook/plan/start", {});
    expect(again.status).toBe(409);
    expect(again.json.message).toBe(`Plan ${h.today}-p1 cannot be started: it has been started already (/status).`);
  });

  it("a daily log named in the body; one outside daily_logs/ or missing is refused", async () => {
    h = await startPlanHarness({ dailyLog: false });
    const missing = await h.request("POST", "/webhook/plan", {});
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe(`No daily log for today: write ${path.join("daily_logs", `${h.today}.md`)} (goals, context, notes), then send /plan again.`);
    const outside = await h.request("POST", "/webhook/plan", { daily_log: "../config.yaml" });
    expect(outside.status).toBe(400);
    expect(outside.json.message).toBe('daily_log must be a file inside daily_logs/ (got "../config.yaml").');
    expect(h.planner.requests).toHaveLength(0);
  });

  it("wrong types are a 400 that says what to send", async () => {
    h = await startPlanHarness();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["/webhook/plan", { daily_log: 3 }, `"daily_log" must be a string: the daily log to plan from, e.g. "2026-01-01.md" (default: today's in paths.daily_dir) (got the number 3).`],
      ["/webhook/plan/start", { id: ["x"] }, `"id" must be a string: the plan's id, e.g. "2026-01-01-p1" (default: the latest plan; GET /webhook/plan shows it) (got a list).`],
      ["/webhook/plan/start", { replace: "yes" }, `"replace" must be true or false (got "yes"): true starts even though a session is unfinished (it is left as it is).`],
      ["/webhook/plan/discard", { id: 7 }, `"id" must be a string: the plan's id, e.g. "2026-01-01-p1" (default: the latest plan; GET /webhook/plan shows it) (got the number 7).`],
      ["/webhook/start", { replace: 1 }, `"replace" must be true or false (got 1): true starts even though a session is unfinished (it is left as it is).`],
    ];
    for (const [route, body, message] of cases) {
      const r = await h.request("POST", route, body);
      expect([route, r.status, r.json]).toEqual([route, 400, { status: "error", error: "bad_request", message }]);
    }
    expect(h.planner.requests).toHaveLength(0);
  });

  it("GET needs the secret in the header; other methods and sub-paths are told what there is", async () => {
    h = await startPlanHarness();
    expect((await h.request("GET", "/webhook/plan", undefined, {})).status).toBe(401);
    expect((await h.request("GET", "/webhook/plan", undefined, { "x-webhook-secret": "wrong" })).status).toBe(401);
    const none = await h.request("GET", "/webhook/plan");
    expect(none.json).toMatchObject({ status: "ok", plan: null, text: null, message: "No plan yet: send /plan to draft today's task file from the daily log." });
    const put = await h.request("PUT", "/webhook/plan");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(put.json.message).toBe("/webhook/plan takes GET or POST, not PUT.");
    const getStart = await h.request("GET", "/webhook/plan/start");
    expect([getStart.status, getStart.headers.get("allow")]).toEqual([405, "POST"]);
    const unknown = await h.request("POST", "/webhook/plan/frobnicate", {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toContain("GET /webhook/plan, POST /webhook/plan/start, POST /webhook/plan/discard");
  });
});

describe("POST /webhook/plan/discard", () => {
  it("stops a running plan (409 for a second discard), then a ready one's file goes", async () => {
    const held = heldStep(writeStep("unused"));
    h = await startPlanHarness();
    h.planner.steps.push(held.step);
    expect((await h.request("POST", "/webhook/plan", {})).status).toBe(200);
    const busy = await h.request("POST", "/webhook/plan", {});
    expect(busy.status).toBe(409);
    expect(busy.json.message).toMatch(/^A plan is already being made\./);
    const discard = await h.request("POST", "/webhook/plan/discard", {});
    expect(discard.status).toBe(200);
    expect(discard.json.message).toBe(`Plan ${h.today}-p1 discarded (stopped while Claude drafted it). Send /plan to draft another, or /start [file] to load a task file.`);
    // The run saw its signal and ended; its cost counts toward today's spend.
    await h.until((s) => (s.spend?.usd ?? 0) > 0);
    expect(h.planner.requests[0]?.signal.aborted).toBe(true);
    expect((await h.request("POST", "/webhook/plan/discard", {})).status).toBe(409);

    h.planner.steps.push(writeStep(h.tasksDir));
    await h.request("POST", "/webhook/plan", {});
    const ready = await h.until((s) => s.plan?.status === "ready");
    const file = ready.plan?.file ?? "";
    await access(file);
    const dropped = await h.request("POST", "/webhook/plan/discard", { id: ready.plan?.id });
    expect(dropped.status).toBe(200);
    expect(dropped.json.message).toContain(`${file} removed`);
    await expect(waitGone(file)).resolves.toBe(true);
  });
});

describe("POST /webhook/start with replace", () => {
  it("refused over an unfinished session without it; with it, today's file starts", async () => {
    h = await startPlanHarness();
    h.planner.steps.push(writeStep(h.tasksDir, 3));
    await h.request("POST", "/webhook/plan", {});
    await h.until((s) => s.plan?.status === "ready");
    expect((await h.request("POST", "/webhook/start", {})).json).toMatchObject({ status: "ok", session: { status: "waiting_approval", total: 3 } });
    const first = h.orchestrator.state.session_id;
    h.clock.advance(2000);
    const refused = await h.request("POST", "/webhook/start", {});
    expect(refused.status).toBe(409);
    expect(refused.json.message).toContain('/start --replace (HTTP: "replace": true)');
    const replaced = await h.request("POST", "/webhook/start", { replace: true });
    expect(replaced.status).toBe(200);
    expect(replaced.json.message).toMatch(/is left unfinished\. Loaded 3 tasks/);
    expect(h.orchestrator.state.session_id).not.toBe(first);
    // As a typed line too.
    h.clock.advance(2000);
    expect((await h.request("POST", "/webhook/command", { command: "/start --replace" })).status).toBe(200);
  });
});

/** The file is removed by an effect after the answer: wait (bounded) for it to go. */
async function waitGone(file: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!(await access(file).then(() => true, () => false))) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
