import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cp } from "node:fs/promises";
import path from "node:path";
import type { TreeChanges } from "../../src/git/work-tree.js";
import { makeRepo, type TestRepo } from "./git-test-repo.js";
import { doTaskEdits, setUpProject } from "./task-scenario.js";

/** `git diff --name-status -z` and `--numstat -z` of the index, read here by hand, merged per path. */
async function porcelainChanges(r: TestRepo, cwd: string): Promise<Array<{ path: string; status: string; old_path?: string; counts: string }>> {
  const names = (await r.git(["diff", "--cached", "-M", "--name-status", "-z"], { cwd })).split("\0");
  const nums = (await r.git(["diff", "--cached", "-M", "--numstat", "-z"], { cwd })).split("\0");
  const counts = new Map<string, string>();
  for (let i = 0; i < nums.length - 1; i++) {
    const [added, deleted, p] = nums[i].split("\t");
    if (p === "") {
      counts.set(nums[i + 2], `${added}/${deleted}`); // a rename: old and new path follow
      i += 2;
    } else counts.set(nums[i].slice(added.length + deleted.length + 2), `${added}/${deleted}`);
  }
  const letters: Record<string, string> = { A: "added", M: "modified", D: "deleted", T: "modified", R: "renamed" };
  const out: Array<{ path: string; status: string; old_path?: string; counts: string }> = [];
  for (let i = 0; i < names.length - 1; i++) {
    const letter = names[i][0];
    if (letter === "R") {
      out.push({ path: names[i + 2], status: "renamed", old_path: names[i + 1], counts: counts.get(names[i + 2]) ?? "?" });
      i += 2;
    } else {
      out.push({ path: names[i + 1], status: letters[letter] ?? letter, counts: counts.get(names[i + 1]) ?? "?" });
      i += 1;
    }
  }
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

describe("changes", () => {
  let r: TestRepo;
  let changes: TreeChanges;
  let copy: string;

  beforeAll(async () => {
    r = await makeRepo();
    await setUpProject(r);
    // The same edits, in a throwaway copy, committed and staged the ordinary way.
    copy = path.join(path.dirname(r.dir), "copy");
    await cp(r.dir, copy, { recursive: true, verbatimSymlinks: true });
    await r.git(["add", "-A"], { cwd: copy });
    await r.git(["commit", "-q", "-m", "before the task"], { cwd: copy });
    await doTaskEdits(copy);
    await r.git(["add", "-A"], { cwd: copy });

    const wt = await r.open();
    const before = await wt.snapshot("refs/orchestrator/s/task-1/before");
    await doTaskEdits(r.dir);
    const after = await wt.snapshot("refs/orchestrator/s/task-1/after");
    changes = await wt.changes(before.tree, after.tree);
  });
  afterAll(() => r.cleanup());

  it("has the statuses and counts of `git diff --numstat` for the same edits", async () => {
    const expected = await porcelainChanges(r, copy);
    expect(expected.length).toBeGreaterThan(10);
    const got = changes.files.map((f) => ({
      path: f.path,
      status: f.status,
      ...(f.old_path !== undefined ? { old_path: f.old_path } : {}),
      counts: f.binary ? "-/-" : `${f.insertions}/${f.deletions}`,
    }));
    expect(got).toEqual(expected);
  });

  it("counts binary files as binary: null counts, 0 in the totals", () => {
    const binaries = changes.files.filter((f) => f.binary);
    expect(binaries.map((f) => f.path)).toEqual(["data/blob.bin", "img.bin"]);
    for (const f of binaries) expect(f).toMatchObject({ insertions: null, deletions: null });
    const text = changes.files.filter((f) => !f.binary);
    expect(changes.insertions).toBe(text.reduce((s, f) => s + (f.insertions as number), 0));
    expect(changes.deletions).toBe(text.reduce((s, f) => s + (f.deletions as number), 0));
    expect(changes.insertions).toBeGreaterThan(0);
  });
});
