/**
 * The service (`orchestrator serve`, the real bin) runs two tasks that add, modify and delete files
 * in a git repository where the person has uncommitted work; `orchestrator diff 1` (the CLI
 * against the service) shows task 1's unified diff; `POST /webhook/rollback {"task":1,"confirm":true}`
 * puts every file back byte for byte (a hash of every file and folder, before the session and
 * after the rollback), the person's index, HEAD and branches untouched.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { hashTree, personState } from "../git/git-test-repo.js";
import { makeE2eProject, postWebhook, runInProject, type E2eProject } from "../support/e2e-project.js";
import { readState, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService, type RunningService } from "../support/start-service.js";

const SECRET = "rollback-e2e-webhook-secret";

const TASKS = `# Tasks

## Task 1: Add the feature
**Description:** New module, app change, old file out
**Claude Instruction:**
Build it.
FAKE_CLAUDE_WRITE: src/feature.js export const feature = 1;\\n
FAKE_CLAUDE_WRITE: "src/new dir/ünïcode notes.txt" héllo\\n
FAKE_CLAUDE_WRITE: src/app.js import { feature } from "./feature.js";\\nconsole.log(feature);\\n
FAKE_CLAUDE_WRITE: README.md # Project\\n\\nNow with a feature.\\n
FAKE_CLAUDE_DELETE: old.txt

---

## Task 2: Polish it
**Description:** Change the new module, tidy up
**Claude Instruction:**
Polish.
FAKE_CLAUDE_WRITE: src/feature.js export const feature = 2;\\n
FAKE_CLAUDE_WRITE: deep/a/b/c.txt deep\\n
FAKE_CLAUDE_DELETE: tool.sh
FAKE_CLAUDE_DELETE: notes/todo.txt
`;

describe("rollback through the service", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("restores every file byte for byte, the person's uncommitted work included", async () => {
    const p: E2eProject = await makeE2eProject();
    cleanups.push(() => p.cleanup());
    await p.writeRepoFiles({
      "README.md": "# Project\n",
      "src/app.js": "console.log('app');\n",
      "old.txt": "old\n",
      "tool.sh": { content: "#!/bin/sh\necho tool\n", mode: 0o755 },
      ".gitignore": "build/\n",
    });
    await p.commitAll("initial");
    // The person's work before the session: a change to a tracked file, an untracked file, an ignored one, a staged one.
    await p.writeRepoFiles({
      "README.md": "# Project\n\nMy own uncommitted note.\n",
      "notes/todo.txt": "my todo\n",
      "build/cache.bin": "\u0000\u0001binary",
      "staged.txt": "staged by me\n",
    });
    await p.repo.git(["add", "staged.txt"]);
    const before = await hashTree(p.repo.dir);
    const personBefore = await personState(p.repo);

    const port = await freePort();
    await p.writeConfig("orchestrator:\n  approval_mode: auto\n");
    await p.writeTasks("tasks.md", TASKS);
    const env = { ...p.env, WEBHOOK_SECRET: SECRET, PORT: String(port) };
    const service: RunningService = await startService(p.orchDir, env);
    cleanups.push(() => service.stop("SIGKILL"));

    const started = await postWebhook(service.url, "start", { task_file: "tasks.md" }, SECRET);
    expect(started.status).toBe(200);
    let state = await waitFor(async () => {
      const s = await readState(p.orchDir);
      return s.status === "completed" ? s : undefined;
    }, 20_000, "both tasks to complete");
    expect(state.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(Object.fromEntries((state.tasks[0]?.files_changed ?? []).map((f) => [f.path, f.status]))).toEqual({
      "README.md": "modified",
      "old.txt": "deleted",
      "src/app.js": "modified",
      "src/feature.js": "added",
      "src/new dir/ünïcode notes.txt": "added",
    });
    expect(Object.fromEntries((state.tasks[1]?.files_changed ?? []).map((f) => [f.path, f.status]))).toEqual({
      "deep/a/b/c.txt": "added",
      "notes/todo.txt": "deleted",
      "src/feature.js": "modified",
      "tool.sh": "deleted",
    });
    expect(await hashTree(p.repo.dir)).not.toEqual(before);

    // `orchestrator diff 1`, the CLI against the running service: task 1's unified diff.
    const diff = await runInProject(p, ["diff", "1"], { env: { WEBHOOK_SECRET: SECRET, PORT: String(port) } });
    expect(diff.timedOut).toBe(false);
    expect(diff.exitCode).toBe(0);
    expect(diff.output).toContain("diff --git a/src/app.js b/src/app.js");
    expect(diff.output).toMatch(/^-console\.log\('app'\);$/m);
    expect(diff.output).toMatch(/^\+import \{ feature \} from "\.\/feature\.js";$/m);
    expect(diff.output).toMatch(/^--- a\/old\.txt$/m);
    expect(diff.output).toMatch(/^\+\+\+ \/dev\/null$/m);
    expect(diff.output).toMatch(/^\+\+\+ b\/src\/feature\.js$/m);
    expect(diff.output).not.toContain("deep/a/b/c.txt"); // task 2's, not task 1's

    // The same over HTTP, as data.
    const httpDiff = await postWebhook(service.url, "diff", { task: 1 }, SECRET);
    expect(httpDiff.status).toBe(200);
    expect(httpDiff.json).toMatchObject({ status: "ok", task: 1, insertions: expect.any(Number), deletions: expect.any(Number) });
    expect((httpDiff.json.files as { path: string }[]).map((f) => f.path).sort()).toEqual(["README.md", "old.txt", "src/app.js", "src/feature.js", "src/new dir/ünïcode notes.txt"]);
    expect(httpDiff.json.diff).toContain("diff --git a/src/app.js b/src/app.js");

    // Without confirm: a 400 that says to add it, and nothing changes.
    const unconfirmed = await postWebhook(service.url, "rollback", { task: 1 }, SECRET);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.json).toMatchObject({ status: "error", error: "bad_request" });
    expect(unconfirmed.json.message).toMatch(/send "confirm": true/);
    expect((await readState(p.orchDir)).tasks.map((t) => t.status)).toEqual(["completed", "completed"]);

    const confirmed = await postWebhook(service.url, "rollback", { task: 1, confirm: true }, SECRET);
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.message).toMatch(/rolled back: 5 files restored, 3 removed\. Also undone: Task 2\./);
    state = await waitFor(async () => {
      const s = await readState(p.orchDir);
      return s.tasks[0]?.status === "rolled_back" && (s.rollback_pending ?? null) === null ? s : undefined;
    }, 15_000, "task 1 to be rolled back");
    expect(state.tasks.map((t) => t.status)).toEqual(["rolled_back", "rolled_back"]);
    expect(state).toMatchObject({ status: "waiting_approval", current_task_index: 0 });

    // Every file and folder as it was before the session; the person's index, HEAD, branches untouched.
    expect(await hashTree(p.repo.dir)).toEqual(before);
    expect(await personState(p.repo)).toEqual(personBefore);

    const stopped = await service.stop();
    expect(stopped.exitCode).toBe(0);
  });
});
