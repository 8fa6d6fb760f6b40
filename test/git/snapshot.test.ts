import { afterEach, describe, expect, it } from "@jest/globals";
import { readdir, stat, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { snapshotRef } from "../../src/git/work-tree.js";
import { makeRepo, personState, type TestRepo } from "./git-test-repo.js";
import { doTaskEdits, EXPECTED_CHANGES, NEWLINE_FILE, setUpProject, UNICODE_FILE } from "./task-scenario.js";

const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});
async function repo(opts?: { identity?: boolean }): Promise<TestRepo> {
  const r = await makeRepo(opts);
  repos.push(r);
  return r;
}

/** The paths of a tree, every level, NUL-separated so any name survives. */
async function treePaths(r: TestRepo, tree: string): Promise<string[]> {
  return (await r.git(["ls-tree", "-r", "-z", "--name-only", tree])).split("\0").filter(Boolean);
}

async function leftoverIndexes(r: TestRepo): Promise<string[]> {
  return (await readdir(path.join(r.dir, ".git"))).filter((n) => n.startsWith("orchestrator-index"));
}

describe("snapshot", () => {
  it("records tracked and untracked files, leaves ignored ones out, and leaves the person's repository byte for byte as it was", async () => {
    const r = await repo();
    await setUpProject(r);
    const wt = await r.open();
    const head = (await r.git(["rev-parse", "HEAD"])).trim();

    const state0 = await personState(r);
    const beforeRef = snapshotRef("2025-11-20-tasks.md", 1, "before");
    const before = await wt.snapshot(beforeRef);
    expect(await personState(r)).toEqual(state0);

    const beforePaths = await treePaths(r, before.tree);
    expect(beforePaths).toEqual(expect.arrayContaining(["person-notes.txt", "staged.txt", "force.log", UNICODE_FILE, "old.txt", "docs/guide.md"]));
    expect(beforePaths).not.toContain("build/cache.bin");
    // The work tree's content, not the index's nor HEAD's.
    expect(await r.git(["show", `${before.tree}:staged.txt`])).toBe("v2 staged\n");
    expect(await r.git(["show", `${before.tree}:${UNICODE_FILE}`])).toBe("hello person\n");

    // The ref keeps the commit; the commit wraps the tree, has HEAD as parent and the fixed identity and message.
    expect((await r.git(["rev-parse", beforeRef])).trim()).toBe(before.commit);
    expect(await r.git(["log", "-1", "--format=%T%n%P%n%an <%ae>%n%cn <%ce>%n%B", before.commit])).toBe(
      `${before.tree}\n${head}\nOrchestrator <orchestrator@localhost>\nOrchestrator <orchestrator@localhost>\norchestrator snapshot ${beforeRef}\n\n`,
    );

    await doTaskEdits(r.dir);
    const stateEdited = await personState(r);
    const after = await wt.snapshot(snapshotRef("2025-11-20-tasks.md", 1, "after"));
    const changes = await wt.changes(before.tree, after.tree);
    const diff = await wt.diff(before.commit, after.commit); // commits work as well as trees
    expect(await personState(r)).toEqual(stateEdited);
    expect(await leftoverIndexes(r)).toEqual([]);

    const afterPaths = await treePaths(r, after.tree);
    expect(afterPaths).toEqual(expect.arrayContaining(["notes/new file é.txt", NEWLINE_FILE, "link-to-app", "force.log"]));
    expect(afterPaths.filter((p) => p.endsWith(".log") && p !== "force.log")).toEqual([]);
    expect(afterPaths.filter((p) => p.startsWith("build/"))).toEqual([]);
    // Modes: the executable bit and the symlink are recorded as such.
    expect(await r.git(["ls-tree", after.tree, "run.sh", "link-to-app"])).toMatch(/^120000 blob \w+\tlink-to-app\n100755 blob \w+\trun\.sh\n$/);

    expect(changes.files.map(({ path, status, old_path, binary }) => ({ path, status, binary, ...(old_path ? { old_path } : {}) }))).toEqual(EXPECTED_CHANGES);
    const byPath = Object.fromEntries(changes.files.map((f) => [f.path, f]));
    expect(byPath["src/app.txt"]).toMatchObject({ insertions: 3, deletions: 1 });
    expect(byPath["run.sh"]).toMatchObject({ insertions: 0, deletions: 0, binary: false });
    expect(byPath["img.bin"]).toMatchObject({ insertions: null, deletions: null, binary: true });
    expect(byPath["docs/manual.md"]).toMatchObject({ insertions: 1, deletions: 1 });
    expect(byPath["old.txt"]).toMatchObject({ insertions: 0, deletions: 1 });
    const sum = (k: "insertions" | "deletions") => changes.files.reduce((s, f) => s + (f[k] ?? 0), 0);
    expect(changes.insertions).toBe(sum("insertions"));
    expect(changes.deletions).toBe(sum("deletions"));

    expect(diff).toContain("Binary files a/img.bin and b/img.bin differ\n");
    expect(diff).toContain("diff --git a/docs/guide.md b/docs/manual.md\n");
    expect(diff).toContain("rename from docs/guide.md\nrename to docs/manual.md\n");
    expect(diff).toContain("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n");
    // Unicode stays as it is (core.quotepath=false); git ends a name with spaces with a tab on ---/+++ lines.
    expect(diff).toContain(`diff --git a/${UNICODE_FILE} b/${UNICODE_FILE}\n`);
    expect(diff).toContain(`--- a/${UNICODE_FILE}\t\n+++ b/${UNICODE_FILE}\t\n`);
    expect(diff).toContain("-hello person\n+hello task\n");
    expect(diff).not.toContain("\x1b["); // no colour
  });

  it("works in a repository with no commit yet, from an empty work tree on", async () => {
    const r = await repo();
    const wt = await r.open();
    expect(await wt.headCommit()).toBeNull();
    const state0 = await personState(r);
    const empty = await wt.snapshot("refs/orchestrator/s/task-1/before");
    expect(empty.tree).toBe(EMPTY_TREE);
    expect(await r.git(["rev-list", "--parents", "-n", "1", empty.commit])).toBe(`${empty.commit}\n`); // no parent

    await mkdir(path.join(r.dir, "sub"));
    await writeFile(path.join(r.dir, "sub", "b c.txt"), "one\ntwo\n");
    await writeFile(path.join(r.dir, "a.txt"), "a\n");
    const full = await wt.snapshot("refs/orchestrator/s/task-1/after");
    expect(await treePaths(r, full.tree)).toEqual(["a.txt", "sub/b c.txt"]);
    expect(await wt.changes(empty.tree, full.tree)).toEqual({
      files: [
        { path: "a.txt", status: "added", insertions: 1, deletions: 0, binary: false },
        { path: "sub/b c.txt", status: "added", insertions: 2, deletions: 0, binary: false },
      ],
      insertions: 3,
      deletions: 0,
    });
    expect(await personState(r)).toEqual({ ...state0, status: '?? a.txt\n?? "sub/b c.txt"\n' });
    expect(await wt.headCommit()).toBeNull();
    expect(await leftoverIndexes(r)).toEqual([]);
  });

  it("sees a file changed in the same second as the last index write (git's racily clean case)", async () => {
    const r = await repo();
    const wt = await r.open();
    const file = path.join(r.dir, "f.txt");
    const second = (ms: number) => Math.floor(ms / 1000);
    // Write, stage and rewrite with the same size inside one second, so only git's racy check can tell.
    for (let attempt = 0; ; attempt++) {
      await writeFile(file, "aaaa\n");
      await r.git(["add", "f.txt"]);
      await writeFile(file, "bbbb\n");
      const [f, index] = await Promise.all([stat(file), stat(path.join(r.dir, ".git", "index"))]);
      if (second(f.mtimeMs) === second(index.mtimeMs) && second(f.ctimeMs) === second(index.mtimeMs)) break;
      if (attempt === 5) throw new Error("could not stage and rewrite a file within one second");
    }
    // The snapshot copies the index in a later second: a copy with a newer mtime would hide the change.
    const indexMtime = (await stat(path.join(r.dir, ".git", "index"))).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 1000 - (indexMtime % 1000) + 20));
    const snap = await wt.snapshot("refs/orchestrator/s/task-1/racy");
    expect(await r.git(["show", `${snap.tree}:f.txt`])).toBe("bbbb\n");
  });
});

describe("snapshotRef", () => {
  it("makes names `git check-ref-format` accepts from any text", async () => {
    const r = await repo();
    const cases: Array<[string, string | number, string]> = [
      ["2025-11-20-tasks.md", 3, "before"],
      ["my tasks/../x.lock", "7 b", "after:retry~1^2"],
      [".hidden..", "", "@{u}"],
      ["ünïcødé * ? [", "1.lock", "label."],
      ["", "..", "-"],
    ];
    for (const [session, id, label] of cases) {
      const ref = snapshotRef(session, id, label);
      expect(ref).toMatch(/^refs\/orchestrator\/[^/]+\/task-[^/]+\/[^/]+$/);
      await expect(r.git(["check-ref-format", ref])).resolves.toBe("");
    }
    expect(snapshotRef("2025-11-20-tasks.md", 3, "before")).toBe("refs/orchestrator/2025-11-20-tasks.md/task-3/before");
  });
});
