import { describe, expect, it } from "@jest/globals";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { orchestratorBin, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService } from "../support/start-service.js";

// The whole wiring: `orchestrator serve` writes the history (openApp), a command from the CLI
// client and one over plain HTTP are recorded with who sent them, POST /webhook/history finds
// them while it runs, and `orchestrator history` finds them in the files after it stopped.

describe("the event history of a real service", () => {
  it("records the CLI's start and an HTTP approve, and answers who approved task 1 with and without the service", async () => {
    const dir = await tempDir("orch-history-service-");
    try {
      await mkdir(path.join(dir, "orchestrator_tasks"));
      await writeFile(path.join(dir, "orchestrator_tasks", "day-tasks.md"), "## Task 1: First\n**Description:** one\n---\n## Task 2: Second\n**Description:** two\n");
      const env = { PORT: String(await freePort()), WEBHOOK_SECRET: "s3cret-for-the-history-test" };
      const service = await startService(dir, env);
      const cli = (...args: string[]) => orchestratorBin(args, { cwd: dir, env });
      const post = (route: string, body: unknown) =>
        fetch(`${service.url}/webhook/${route}`, { method: "POST", headers: { "Content-Type": "application/json", "X-Webhook-Secret": env.WEBHOOK_SECRET }, body: JSON.stringify(body) });
      try {
        expect((await cli("start", "day-tasks.md")).exitCode).toBe(0);
        expect((await post("approve", {})).status).toBe(200);
        await waitFor(async () => {
          const r = (await (await post("history", { task: 1 })).json()) as { entries: { event: string }[] };
          return r.entries.some((e) => e.event === "task_finished") ? true : undefined;
        }, 15_000, "the task's end in the history");
        const found = (await (await post("history", { task: 1, grep: "approve" })).json()) as { entries: { event: string; by: string }[]; message: string };
        expect(found.entries[0]).toMatchObject({ event: "approve", by: "HTTP 127.0.0.1" });
        expect(found.message).toMatch(/\n\S+Z approve by HTTP 127\.0\.0\.1: Executing Task 1\/2: First/);
      } finally {
        expect((await service.stop("SIGTERM")).exitCode).toBe(0);
      }
      expect((await readdir(path.join(dir, "orchestrator_logs"))).filter((f) => f.startsWith("events-"))).toEqual([expect.stringMatching(/^events-\d{4}-\d{2}-\d{2}\.jsonl$/)]);
      const offline = await cli("history", "--task", "1", "--grep", "approve");
      expect(offline.exitCode).toBe(0);
      expect(offline.stdout.split("\n")[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ approve by HTTP 127\.0\.0\.1: Executing Task 1\/2: First$/);
      const started = await cli("history", "--grep", "by the CLI");
      expect(started.stdout).toMatch(/^\S+ start by the CLI: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
