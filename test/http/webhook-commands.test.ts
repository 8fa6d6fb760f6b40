import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CONTROL_COMMANDS } from "../../src/control/control-types.js";
import { startHarness, taskFileText, type Harness } from "./http-harness.js";

const failed = { outcome: { ok: false, kind: "exit_error" as const, reason: "exited 1: boom", summary: null, exit_code: 1 } };

describe("webhook commands", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("walks a session through every endpoint, in the seed's shapes", async () => {
    h = await startHarness({ scripts: [failed, {}] });

    const help = await h.post("/webhook/help");
    expect(help.status).toBe(200);
    expect(help.json).toMatchObject({ status: "ok", message: expect.stringContaining("/approve"), session: { status: "idle" } });

    const start = await h.post("/webhook/start");
    expect(start.status).toBe(200);
    expect(start.json).toMatchObject({
      status: "ok",
      task_file: path.join(h.tasksDir, `${h.today}-tasks.md`),
      tasks: [
        { id: 1, title: "Task number 1", type: "backend" },
        { id: 2, title: "Task number 2", type: "backend" },
        { id: 3, title: "Task number 3", type: "backend" },
      ],
      session: { status: "waiting_approval", task: 1, total: 3 },
    });
    expect(typeof start.json.message).toBe("string");

    // /webhook/status: the StatusData at top level, `status` being the session's.
    const status = await h.post("/webhook/status");
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ task: 1, total: 3, status: "waiting_approval", current_task: { id: 1, title: "Task number 1" }, commands: ["/approve", "/skip", "/pause"] });
    expect(status.json.message).toEqual(expect.stringContaining("Task number 1"));
    expect(status.json.session).toBeUndefined();
    // The same through /webhook/command, and as a typed line.
    expect((await h.post("/webhook/command", { command: "status" })).json).toMatchObject({ status: "waiting_approval", task: 1 });
    expect((await h.post("/webhook/command", { command: "/status@MyBot" })).json).toMatchObject({ status: "waiting_approval" });

    const pause = await h.post("/webhook/pause");
    expect(pause.json).toMatchObject({ status: "ok", session: { status: "paused" } });
    const resume = await h.post("/webhook/resume");
    expect(resume.json).toMatchObject({ status: "ok", session: { status: "waiting_approval" } });

    const skip = await h.post("/webhook/skip");
    expect(skip.status).toBe(200);
    expect(skip.json).toMatchObject({ status: "ok", session: { task: 2, status: "waiting_approval" } });

    // Task 2 fails (first script), then retry with feedback runs it again.
    expect((await h.post("/webhook/approve")).status).toBe(200);
    await h.until((s) => s.status === "task_failed");
    const retry = await h.post("/webhook/retry", { feedback: "use the other table" });
    expect(retry.status).toBe(200);
    expect(retry.json).toMatchObject({ status: "ok", session: { task: 2 } });
    await h.until((s) => s.tasks[1]?.status === "completed");
    expect(h.runner.calls).toHaveLength(2);
    expect(h.runner.calls[1]?.prompt).toContain("use the other table");

    // /webhook/command with a typed line carrying its argument.
    const approve = await h.post("/webhook/command", { command: "approve" });
    expect(approve.json).toMatchObject({ status: "ok", session: { task: 3 } });
    await h.until((s) => s.status === "completed");
  });

  it("answers logs with logs, lines and file", async () => {
    h = await startHarness();
    await mkdir(h.logsDir, { recursive: true });
    const file = path.join(h.logsDir, `${h.today}.log`);
    const line = (i: number) => JSON.stringify({ level: 30, time: h.clock.now().getTime(), module: "orchestrator", msg: `line ${i}` });
    await writeFile(file, Array.from({ length: 30 }, (_, i) => line(i)).join("\n") + "\n");
    const logs = await h.post("/webhook/logs", { lines: 5 });
    expect(logs.status).toBe(200);
    expect(logs.json).toMatchObject({ status: "ok", lines: 5, file, session: { status: "idle" } });
    expect(String(logs.json.logs).split("\n")).toHaveLength(5);
    expect(logs.json.logs).toContain("line 29");
    expect(logs.json.logs).not.toContain("line 24");
    const typed = await h.post("/webhook/command", { command: "/logs 2" });
    expect(typed.json).toMatchObject({ lines: 2 });
    const bad = await h.post("/webhook/logs", { lines: "many" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: "error", error: "bad_request", message: expect.stringContaining('"lines"') });
  });

  it("starts a named file through /webhook/command, as the seed's body or a typed line", async () => {
    h = await startHarness();
    await writeFile(path.join(h.tasksDir, "other.md"), taskFileText(2));
    const r = await h.post("/webhook/command", { command: "/start other.md" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: "ok", task_file: path.join(h.tasksDir, "other.md"), session: { total: 2 } });
  });

  it("refuses what the state does not allow with 409 and the machine's reason", async () => {
    h = await startHarness();
    const r = await h.post("/webhook/approve");
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      status: "error",
      error: "refused",
      message: "Nothing to approve: no session has started. Send /start to load a task file.",
      session: { status: "idle" },
    });
    expect((await h.post("/webhook/command", { command: "retry", feedback: "x" })).status).toBe(409);
  });

  it("answers an unknown or missing command with 400 listing the valid ones", async () => {
    h = await startHarness();
    for (const body of [{ command: "frobnicate" }, {}, { command: "/deploy now" }]) {
      const r = await h.post("/webhook/command", body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ status: "error", error: "bad_request" });
      expect(r.json.message).toContain(CONTROL_COMMANDS.join(", "));
    }
    const typed = await h.post("/webhook/start", { task_file: 7 });
    expect(typed.status).toBe(400);
    expect(typed.json.message).toContain('"task_file" must be a string');
  });

  it("404s when there is no task file for today", async () => {
    h = await startHarness({ todayFile: false });
    const r = await h.post("/webhook/start");
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: "error", error: "not_found", message: expect.stringContaining(`No task file for today (${h.today}-tasks.md)`) });
  });

  it("400s on a task file with mistakes, listing them", async () => {
    h = await startHarness();
    await writeFile(path.join(h.tasksDir, "broken.md"), "## Task 1: No body\n");
    const r = await h.post("/webhook/start", { task_file: "broken.md" });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: "error", error: "bad_request" });
    expect(Array.isArray(r.json.issues)).toBe(true);
  });

  it("503s while the orchestrator shuts down", async () => {
    h = await startHarness();
    await h.post("/webhook/start");
    await h.orchestrator.shutdown();
    const r = await h.post("/webhook/approve");
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ status: "error", error: "unavailable", message: expect.stringContaining("shutting down") });
  });

  it("503s a log that is not a regular file, naming it and what to do", async () => {
    h = await startHarness();
    // The day's log path is a folder: a known failure, answered with its reason, not a 500.
    const file = path.join(h.logsDir, `${h.today}.log`);
    await mkdir(file, { recursive: true });
    const r = await h.post("/webhook/logs");
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ status: "error", error: "unavailable", message: `Cannot read the log: ${file} is a directory, not a regular file. Remove it: the service writes its daily log there.` });
  });

  it("500s an unexpected failure without its details, and logs them", async () => {
    h = await startHarness();
    // A bug inside Control (not one of its known refusals) stands in for any unexpected failure.
    const bug = Object.assign(new Error("EISDIR: illegal operation on a directory, read"), { code: "EISDIR" });
    jest.spyOn(h.control, "execute").mockRejectedValueOnce(bug);
    const r = await h.post("/webhook/logs");
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ status: "error", error: "internal", message: "Internal error; the orchestrator log has the details." });
    const logged = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "request failed");
    expect(logged).toMatchObject({ module: "http", level: 50, path: "/webhook/logs" });
    expect(JSON.stringify(logged)).toContain("EISDIR");
    expect(h.logLines.join("")).not.toContain(h.secret);
  });
});
