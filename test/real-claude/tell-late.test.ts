import { afterEach, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import path from "node:path";
import { bash, delayed, requestText, say } from "../fixtures/mock-messages-api/mock-messages-api.js";
import { readState } from "../support/run-orchestrator-bin.js";
import { realProject, taskMd } from "./real-claude-harness.js";
import { serveProject } from "./real-claude-service.js";

// A /tell that arrives while Claude writes its final answer: the CLI prints its result, then takes
// the told text as a new turn. stdin must stay open for that turn (--replay-user-messages says
// when a told message was taken), or its tool calls are refused ("Stream closed") and it is lost.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

it("a /tell during Claude's final answer is still read: its turn runs, and its tool call is asked and allowed", async () => {
  const marker = "TELL-LATE";
  const p = await realProject(taskMd(1, "Late", marker, ["x"]), {
    claude: { permissions: "ask", allowed_tools: null, permission_mode: null },
    orchestrator: ["  approval_mode: auto", "  checkpoint_after: []"],
    paths: { tasks_dir: "." },
  });
  cleanups.push(() => p.close());
  const s = await serveProject(p);
  cleanups.push(() => s.stop());
  // The first answer is slow (2.5 s), so the tell lands while it is being written; the told turn touches a file.
  p.api.script(marker, (req, turn) =>
    requestText(req).includes("LATE-TELL") ? (requestText(req).includes("told-late") && turn >= 2 ? say("Heard you, made it.") : bash("touch told-late.txt")) : delayed(2500, say("First answer.")),
  );
  expect((await s.post("start", { task_file: "tasks.md" })).status).toBe(200);
  await p.api.waitFor((r) => r.script === marker);
  await new Promise((r) => setTimeout(r, 500));
  const told = await s.post("tell", { text: "LATE-TELL: also create told-late.txt" });
  expect(told.status).toBe(200);
  const asked = await s.untilAsked((x) => JSON.stringify(x.input).includes("told-late"), 30_000);
  expect((await s.post("permission", { id: asked.id, decision: "allow" })).status).toBe(200);
  await s.untilStatus("completed", 30_000);
  expect(existsSync(path.join(p.repo, "told-late.txt"))).toBe(true);
  const task = (await readState(p.work)).tasks[0];
  expect(task?.status).toBe("completed");
  expect(task?.summary).toContain("Heard you, made it.");
});
