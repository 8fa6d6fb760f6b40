import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { GitError } from "../../src/git/git-error.js";
import { hashTree, makeRepo, personState, type TestRepo } from "./git-test-repo.js";
import { doTaskEdits, NEWLINE_FILE, setUpProject, UNICODE_FILE } from "./task-scenario.js";

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});
async function repo(): Promise<TestRepo> {
  const r = await makeRepo();
  repos.push(r);
  return r;
}

describe("restore", () => {
  it("brings the work tree back byte for byte, keeps the person's work and ignored files, removes emptied folders", async () => {
    const r = await repo();
    await setUpProject(r);
    const wt = await r.open();
    const hashesBefore = await hashTree(r.dir);
    const stateBefore = await personState(r);
    const before = await wt.snapshot("refs/orchestrator/s/task-1/before");

    await doTaskEdits(r.dir);
    const hashesTask = await hashTree(r.dir);
    const result = await wt.restore(before.tree, "refs/orchestrator/s/task-1/rollback");

    // Every file as it was (the person's uncommitted change to UNICODE_FILE too), plus the
    // ignored files the task made, which a restore never touches.
    expect(await hashTree(r.dir)).toEqual({
      ...hashesBefore,
      "build/out.log": hashesTask["build/out.log"],
      "task.log": hashesTask["task.log"],
    });
    expect(await readFile(path.join(r.dir, UNICODE_FILE), "utf8")).toBe("hello person\n");
    expect((await stat(path.join(r.dir, "run.sh"))).mode & 0o111).toBe(0);
    for (const gone of ["deep", "notes", "data"]) await expect(stat(path.join(r.dir, gone))).rejects.toMatchObject({ code: "ENOENT" });

    expect(result.removed).toEqual(["data/blob.bin", "deep/a/b/c.txt", "docs/manual.md", "link-to-app", "notes/new file é.txt", NEWLINE_FILE]);
    expect(result.restored).toEqual([UNICODE_FILE, "docs/guide.md", "force.log", "img.bin", "old.txt", "run.sh", "src/app.txt"]);
    // Index (bytes), HEAD, branches, stash, refs, config and status: as before the task.
    const stateAfter = await personState(r);
    expect(stateAfter).toEqual({ ...stateBefore, ignored: stateAfter.ignored });
    expect(stateAfter.ignored).toBe("!! build/cache.bin\n!! build/out.log\n!! task.log");
    expect((await readdir(path.join(r.dir, ".git"))).filter((n) => n.startsWith("orchestrator-index"))).toEqual([]);

    // The safety snapshot undoes the rollback.
    expect((await r.git(["rev-parse", "refs/orchestrator/s/task-1/rollback"])).trim()).toBe(result.safety.commit);
    const undo = await wt.restore(result.safety.tree, "refs/orchestrator/s/task-1/undo");
    expect(await hashTree(r.dir)).toEqual(hashesTask);
    expect(undo.removed).toEqual(["docs/guide.md", "old.txt"]);
  });

  it("swaps a file and a folder of the same name both ways", async () => {
    const r = await repo();
    const wt = await r.open();
    await writeFile(path.join(r.dir, "x"), "a file\n");
    await mkdir(path.join(r.dir, "y"));
    await writeFile(path.join(r.dir, "y", "inner.txt"), "in a folder\n");
    const hashes = await hashTree(r.dir);
    const before = await wt.snapshot("refs/orchestrator/s/task-2/before");

    await rm(path.join(r.dir, "x"));
    await mkdir(path.join(r.dir, "x"));
    await writeFile(path.join(r.dir, "x", "now-a-folder.txt"), "folder\n");
    await rm(path.join(r.dir, "y"), { recursive: true });
    await writeFile(path.join(r.dir, "y"), "now a file\n");
    const result = await wt.restore(before.tree, "refs/orchestrator/s/task-2/rollback");
    expect(await hashTree(r.dir)).toEqual(hashes);
    expect(result).toMatchObject({ removed: ["x/now-a-folder.txt", "y"], restored: ["x", "y/inner.txt"] });
  });

  it("refuses to delete a folder of ignored files standing where a file goes back, and names the safety ref", async () => {
    const r = await repo();
    const wt = await r.open();
    await writeFile(path.join(r.dir, ".gitignore"), "*.log\n");
    await writeFile(path.join(r.dir, "out"), "a file\n");
    const before = await wt.snapshot("refs/orchestrator/s/task-3/before");
    await rm(path.join(r.dir, "out"));
    await mkdir(path.join(r.dir, "out"));
    await writeFile(path.join(r.dir, "out", "run.log"), "ignored\n");
    const error = await wt.restore(before.tree, "refs/orchestrator/s/task-3/rollback").then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/cannot restore out .*a folder with ignored files.*refs\/orchestrator\/s\/task-3\/rollback/);
    expect(await readFile(path.join(r.dir, "out", "run.log"), "utf8")).toBe("ignored\n");
  });

  it("empties the work tree of a repository with no commit, back to its empty snapshot, and keeps the root", async () => {
    const r = await repo();
    const wt = await r.open();
    const empty = await wt.snapshot("refs/orchestrator/s/task-5/before");
    await mkdir(path.join(r.dir, "a", "b"), { recursive: true });
    await writeFile(path.join(r.dir, "a", "b", "c d.txt"), "c\n");
    await writeFile(path.join(r.dir, "top.txt"), "top\n");
    const result = await wt.restore(empty.tree, "refs/orchestrator/s/task-5/rollback");
    expect(result).toMatchObject({ removed: ["a/b/c d.txt", "top.txt"], restored: [] });
    expect(await hashTree(r.dir)).toEqual({});
    expect((await stat(r.dir)).isDirectory()).toBe(true);
    await expect(stat(path.join(r.dir, ".git", "index"))).rejects.toMatchObject({ code: "ENOENT" }); // the real index was never made
    expect(await wt.headCommit()).toBeNull();
  });

  it("refuses a target that is not a tree, before changing anything", async () => {
    const r = await repo();
    const wt = await r.open();
    await writeFile(path.join(r.dir, "keep.txt"), "keep\n");
    const error = await wt.restore("0123456789abcdef0123456789abcdef01234567", "refs/orchestrator/s/task-4/rollback").then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/is not a tree or commit/);
    expect(await hashTree(r.dir)).toEqual({ "keep.txt": expect.any(String) });
    await expect(r.git(["rev-parse", "--verify", "-q", "refs/orchestrator/s/task-4/rollback"])).rejects.toBeTruthy();
  });
});
