import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { excludePathspec } from "../../src/git/git-work-tree.js";
import { snapshotRef } from "../../src/git/work-tree.js";
import { makeRepo, type TestRepo } from "./git-test-repo.js";

// The orchestrator's own files (state, logs, task files) may live inside the project's work tree
// (claude.project_dir "." with the defaults). They must never be part of a task's change: a
// rollback would otherwise rewind the orchestrator's own state.

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});

describe("excludePathspec", () => {
  it("names a folder literally and a prefix as an escaped glob, relative to the root", () => {
    expect(excludePathspec("/w", "/w/orchestrator_logs")).toBe(":(exclude,literal)orchestrator_logs");
    expect(excludePathspec("/w", "/w/run [1]/state.json*")).toBe(":(exclude,glob)run \\[1]/state.json*");
  });
  it("leaves out what is outside the work tree, and the root itself", () => {
    expect(excludePathspec("/w", "/elsewhere/state.json*")).toBeNull();
    expect(excludePathspec("/w", "/w")).toBeNull();
  });
});

describe("a work tree opened with the orchestrator's own paths excluded", () => {
  it("leaves them out of snapshots, the dirty check and task commits, and never restores them", async () => {
    const r = await makeRepo();
    repos.push(r);
    await writeFile(path.join(r.dir, "app.txt"), "v1\n");
    await r.git(["add", "."]);
    await r.git(["commit", "-qm", "init"]);
    const wt = await r.open({ exclude: [path.join(r.dir, "state.json*"), path.join(r.dir, "orchestrator_logs")] });
    await writeFile(path.join(r.dir, "state.json"), '{"v":1}');
    await mkdir(path.join(r.dir, "orchestrator_logs"));
    await writeFile(path.join(r.dir, "orchestrator_logs", "day.log"), "line 1\n");
    expect(await wt.isClean()).toBe(true);

    const before = await wt.snapshot(snapshotRef("s", 1, "before"));
    await writeFile(path.join(r.dir, "app.txt"), "v2\n");
    await writeFile(path.join(r.dir, "state.json"), '{"v":2}');
    await writeFile(path.join(r.dir, "state.json.bak"), '{"v":1}');
    await writeFile(path.join(r.dir, "orchestrator_logs", "day.log"), "line 1\nline 2\n");
    const after = await wt.snapshot(snapshotRef("s", 1, "after"));
    expect((await wt.changes(before.tree, after.tree)).files.map((f) => f.path)).toEqual(["app.txt"]);

    await wt.restore(before.tree, snapshotRef("s", 1, "rollback"));
    expect(await readFile(path.join(r.dir, "app.txt"), "utf8")).toBe("v1\n");
    expect(await readFile(path.join(r.dir, "state.json"), "utf8")).toBe('{"v":2}');
    expect(await readFile(path.join(r.dir, "orchestrator_logs", "day.log"), "utf8")).toBe("line 1\nline 2\n");

    await writeFile(path.join(r.dir, "app.txt"), "v3\n");
    const commit = await wt.commitAll("Task 1: edit", { "Orchestrator-Session": "s" });
    expect(commit).not.toBeNull();
    expect((await r.git(["show", "--name-only", "--format=", "HEAD"])).trim()).toBe("app.txt");
  });
});
