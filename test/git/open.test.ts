import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GitError } from "../../src/git/git-error.js";
import { GitWorkTree } from "../../src/git/git-work-tree.js";
import { isolatedEnv, makeRepo, type TestRepo } from "./git-test-repo.js";

async function rejection(p: Promise<unknown>): Promise<GitError> {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!(error instanceof GitError)) throw new Error(`expected a GitError, got ${String(error)}`);
  return error;
}

describe("GitWorkTree.open", () => {
  let outside: string;
  let r: TestRepo;
  beforeAll(async () => {
    outside = await mkdtemp(path.join(os.tmpdir(), "git-edge-outside-"));
    await mkdir(path.join(outside, "plain", "sub"), { recursive: true });
    r = await makeRepo();
    await mkdir(path.join(r.dir, "deep", "er"), { recursive: true });
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
    await r.cleanup();
  });

  it("is null for a folder in no repository (discovery stops at the temp folder)", async () => {
    // GIT_CEILING_DIRECTORIES: a repository above os.tmpdir() must not be found.
    expect(await GitWorkTree.open(path.join(outside, "plain", "sub"), { env: isolatedEnv(outside) })).toBeNull();
  });

  it("is null inside the .git folder", async () => {
    expect(await GitWorkTree.open(path.join(r.dir, ".git"), { env: r.env })).toBeNull();
  });

  it("finds the top level from a subfolder, even when GIT_DIR and GIT_INDEX_FILE point elsewhere", async () => {
    const env = { ...r.env, GIT_DIR: path.join(outside, "nowhere"), GIT_INDEX_FILE: path.join(outside, "index") };
    const wt = await GitWorkTree.open(path.join(r.dir, "deep", "er"), { env });
    expect(wt?.root).toBe(await realpath(r.dir));
    expect(await wt?.isClean()).toBe(true);
  });

  it("fails with a GitError when git cannot start", async () => {
    const error = await rejection(GitWorkTree.open(r.dir, { env: { ...r.env, PATH: path.join(outside, "no-bin") } }));
    expect(error.message).toMatch(/git is not installed or not on PATH/);
    expect(error.args).toEqual(["rev-parse", "--is-inside-work-tree"]);
  });

  it("fails with a GitError for a folder that does not exist", async () => {
    const error = await rejection(GitWorkTree.open(path.join(outside, "missing"), { env: r.env }));
    expect(error.dir).toBe(path.join(outside, "missing"));
    expect(error.message).toMatch(/missing is not a folder/);
  });
});

describe("GitError", () => {
  let r: TestRepo;
  beforeAll(async () => {
    r = await makeRepo();
  });
  afterAll(() => r.cleanup());

  it("names the command, git's stderr and a next step", async () => {
    const wt = await r.open();
    const error = await rejection(wt.snapshot("refs/orchestrator/bad..name"));
    expect(error.args).toEqual(["update-ref", "-m", "orchestrator snapshot", "refs/orchestrator/bad..name", expect.stringMatching(/^[0-9a-f]{40}$/)]);
    expect(error.dir).toBe(wt.root);
    expect(error.stderr).toMatch(/fatal/);
    expect(error.message).toMatch(/^git update-ref -m "orchestrator snapshot" refs\/orchestrator\/bad\.\.name [0-9a-f]{40} failed in .* \(exit 128\): fatal: .*check-ref-format/);
    expect(error.name).toBe("GitError");
  });

  it("kills a git call that outlives its timeout, and leaves no index file or process behind", async () => {
    const marker = `${7 + Math.random()}`.slice(0, 8);
    await r.git(["config", "filter.slow.clean", `sleep ${marker}; cat`]);
    await writeFile(path.join(r.dir, ".gitattributes"), "*.slow filter=slow\n");
    await writeFile(path.join(r.dir, "a.slow"), "slow\n");
    const wt = await r.open({ timeoutMs: 300 });
    const started = performance.now();
    const error = await rejection(wt.snapshot("refs/orchestrator/s/task-1/before"));
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error.message).toMatch(/^git add -A -- \. did not finish within 0\.3 s in .* and was stopped/);
    expect((await readdir(path.join(r.dir, ".git"))).filter((n) => n.startsWith("orchestrator-index"))).toEqual([]);
    const ps = await execa("pgrep", ["-f", `sleep ${marker}`], { reject: false });
    expect(ps.stdout).toBe("");
  });
});
