import { afterEach, describe, expect, it } from "@jest/globals";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { snapshotRef } from "../../src/git/work-tree.js";
import { makeRepo, type TestRepo } from "./git-test-repo.js";

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});

describe("pruneSnapshots", () => {
  it("keeps the newest sessions' refs and deletes the rest, and leaves other refs alone", async () => {
    const r = await makeRepo();
    repos.push(r);
    await writeFile(path.join(r.dir, "a.txt"), "a\n");
    await r.git(["add", "."]);
    await r.git(["commit", "-qm", "init"]);
    const wt = await r.open();
    for (const session of ["20261101-090000", "20261102-090000", "20261103-090000"]) {
      await wt.snapshot(snapshotRef(session, 1, "a1-before"));
      await wt.snapshot(snapshotRef(session, 2, "a1-before"));
    }
    expect(await wt.pruneSnapshots(2)).toEqual(["20261101-090000"]);
    const refs = (await r.git(["for-each-ref", "--format=%(refname)"])).trim().split("\n");
    expect(refs.filter((x) => x.startsWith("refs/orchestrator/")).sort()).toEqual([
      "refs/orchestrator/20261102-090000/task-1/a1-before",
      "refs/orchestrator/20261102-090000/task-2/a1-before",
      "refs/orchestrator/20261103-090000/task-1/a1-before",
      "refs/orchestrator/20261103-090000/task-2/a1-before",
    ]);
    expect(refs).toContain("refs/heads/main");
    expect(await wt.pruneSnapshots(2)).toEqual([]);
  });
});
