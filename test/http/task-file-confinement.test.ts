import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeFifo } from "../support/make-fifo.js";
import { startHarness, taskFileText, type Harness } from "./http-harness.js";

describe("task_file stays inside the tasks folder", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // A valid task file outside the tasks folder, reachable by `..`, an absolute path or a symlink.
    await mkdir(path.join(h.dir, "outside"), { recursive: true });
    await writeFile(path.join(h.dir, "outside", "evil.md"), taskFileText(1));
    await symlink(path.join(h.dir, "outside", "evil.md"), path.join(h.tasksDir, "link.md"));
  });
  afterAll(() => h.close());

  const cases: [string, () => string][] = [
    ["../../etc/passwd", () => "../../etc/passwd"],
    ["/etc/passwd", () => "/etc/passwd"],
    ["an absolute path outside", () => path.join(h.dir, "outside", "evil.md")],
    ["a relative path outside", () => "../outside/evil.md"],
    ["a symlink leading outside", () => "link.md"],
  ];

  it.each(cases)("refuses %s with 400 and starts nothing", async (_name, file) => {
    const r = await h.post("/webhook/start", { task_file: file() });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: "error", error: "bad_request" });
    expect(h.orchestrator.state.status).toBe("idle");
  });

  it("refuses the same through a typed /start line", async () => {
    const r = await h.post("/webhook/command", { command: "/start ../../etc/passwd" });
    expect(r.status).toBe(400);
    expect(h.orchestrator.state.status).toBe("idle");
  });

  it("404s a file that is not there, naming the ones that are", async () => {
    const r = await h.post("/webhook/start", { task_file: "missing.md" });
    expect(r.status).toBe(404);
    expect(r.json.message).toContain(`${h.today}-tasks.md`);
  });

  it("400s a FIFO at once, naming it and the files to send instead; eight of them leave /logs and /start answering", async () => {
    await makeFifo(path.join(h.tasksDir, "fifo.md"));
    const started = Date.now();
    // Before: each start tied up a libuv thread for good; after four, every file read (the log) hung.
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.post("/webhook/start", { task_file: "fifo.md" })));
    for (const r of answers) {
      expect(r.status).toBe(400);
      expect(r.json.message).toBe(`task_file "fifo.md" is a FIFO (named pipe), not a regular file: send the name of a .md or .yaml task file in orchestrator_tasks/. Files there: ${h.today}-tasks.md.`);
    }
    expect((await h.post("/webhook/logs")).status).toBe(200);
    expect((await h.post("/webhook/start")).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
