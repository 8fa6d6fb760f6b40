import { afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeRepo, type TestRepo } from "./git-test-repo.js";

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});

describe("private index files a killed orchestrator left", () => {
  it("are removed when the work tree is opened; a live process's are kept", async () => {
    const r = await makeRepo();
    repos.push(r);
    const dead = (await execa("node", ["-e", "process.stdout.write(String(process.pid))"])).stdout;
    const gitDir = path.join(r.dir, ".git");
    await writeFile(path.join(gitDir, `orchestrator-index-${dead}-abcdef012345`), "x");
    await writeFile(path.join(gitDir, `orchestrator-index-${dead}-abcdef012345.lock`), "x");
    await writeFile(path.join(gitDir, `orchestrator-index-${process.ppid}-00aa11bb22cc`), "x");
    await r.open();
    const left = (await readdir(gitDir)).filter((n) => n.startsWith("orchestrator-index"));
    expect(left).toEqual([`orchestrator-index-${process.ppid}-00aa11bb22cc`]);
  });
});
