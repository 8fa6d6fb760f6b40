import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { GitError } from "../../src/git/git-error.js";
import { makeRepo, type TestRepo } from "./git-test-repo.js";

let repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  repos = [];
});

/** A repository with one commit of a.txt. */
async function committedRepo(opts: { identity?: boolean } = {}): Promise<TestRepo> {
  const r = await makeRepo(opts);
  repos.push(r);
  await writeFile(path.join(r.dir, "a.txt"), "a\n");
  await r.git(["add", "a.txt"]);
  await r.git(["-c", "user.name=Setup", "-c", "user.email=setup@example.com", "commit", "-q", "-m", "first"]);
  return r;
}

async function rejection(p: Promise<unknown>): Promise<GitError> {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!(error instanceof GitError)) throw new Error(`expected a GitError, got ${String(error)}`);
  return error;
}

const head = async (r: TestRepo) => (await r.git(["rev-parse", "HEAD"])).trim();

describe("isClean / createBranch", () => {
  it("refuses a dirty tree, naming the paths, and changes nothing", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    expect(await wt.isClean()).toBe(true);
    await writeFile(path.join(r.dir, "untracked file.txt"), "x\n");
    expect(await wt.isClean()).toBe(false);
    await writeFile(path.join(r.dir, "a.txt"), "changed\n");
    const error = await rejection(wt.createBranch("orchestrator/session-1"));
    expect(error.message).toMatch(/commit or stash them first/);
    expect(error.message).toContain('"a.txt"');
    expect(error.message).toContain('"untracked file.txt"');
    expect(await r.git(["symbolic-ref", "HEAD"])).toBe("refs/heads/main\n");
    expect(await r.git(["branch", "--list", "orchestrator/*"])).toBe("");
  });

  it("names at most 5 dirty paths and counts the rest", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    for (let i = 1; i <= 7; i++) await writeFile(path.join(r.dir, `f${i}.txt`), "x\n");
    const error = await rejection(wt.createBranch("s"));
    expect(error.message).toContain('"f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt" and 2 more');
  });

  it("switches a clean tree to a new branch at HEAD, and refuses a branch that exists or a bad name", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    const commit = await head(r);
    expect(await wt.createBranch("orchestrator/2025-11-20")).toEqual({ branch: "orchestrator/2025-11-20", commit });
    expect(await r.git(["symbolic-ref", "HEAD"])).toBe("refs/heads/orchestrator/2025-11-20\n");
    const exists = await rejection(wt.createBranch("main"));
    expect(exists.message).toMatch(/a branch named "main" already exists/);
    const bad = await rejection(wt.createBranch("bad..name"));
    expect(bad.message).toMatch(/"bad\.\.name" is not a valid git branch name/);
    expect(await r.git(["symbolic-ref", "HEAD"])).toBe("refs/heads/orchestrator/2025-11-20\n");
  });

  it("refuses a repository without commits", async () => {
    const r = await makeRepo();
    repos.push(r);
    const wt = await r.open();
    const error = await rejection(wt.createBranch("s"));
    expect(error.message).toMatch(/^the repository has no commit yet; make a first commit before using git\.branch/);
  });
});

describe("commitAll / headCommit / resetTo", () => {
  it("commits every change with the trailers, and returns null when nothing changed", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    const first = await head(r);
    expect(await wt.headCommit()).toBe(first);
    await writeFile(path.join(r.dir, "a.txt"), "a, changed\n");
    await writeFile(path.join(r.dir, "new file.txt"), "new\n");
    const id = await wt.commitAll("Task 1: Create baptisms migration\n\n#42 stays in the message", {
      "Orchestrator-Session": "2025-11-20-tasks.md",
      "Orchestrator-Task": "1",
      "Orchestrator-Note": "one line\nnot two",
    });
    expect(id).toBe(await head(r));
    expect(await wt.headCommit()).toBe(id);
    expect(await r.git(["log", "-1", "--format=%B"])).toBe(
      "Task 1: Create baptisms migration\n\n#42 stays in the message\n\nOrchestrator-Session: 2025-11-20-tasks.md\nOrchestrator-Task: 1\nOrchestrator-Note: one line not two\n\n",
    );
    expect(await r.git(["log", "-1", "--format=%an <%ae>|%P"])).toBe(`Test Person <person@example.com>|${first}\n`);
    expect(await r.git(["show", "--name-status", "--format=", "HEAD"])).toBe("M\ta.txt\nA\tnew file.txt\n");
    expect(await wt.isClean()).toBe(true);
    expect(await wt.commitAll("nothing", {})).toBeNull();
    expect(await head(r)).toBe(id);
  });

  it("uses the orchestrator identity when the repository has none", async () => {
    const r = await committedRepo({ identity: false });
    const wt = await r.open();
    await writeFile(path.join(r.dir, "a.txt"), "changed\n");
    expect(await wt.commitAll("change", { "Orchestrator-Task": "2" })).not.toBeNull();
    expect(await r.git(["log", "-1", "--format=%an <%ae>|%cn <%ce>"])).toBe("Orchestrator <orchestrator@localhost>|Orchestrator <orchestrator@localhost>\n");
    expect(await r.git(["config", "--get-regexp", "^user\\."]).catch(() => "(none)")).toBe("(none)"); // config not written
  });

  it("refuses a trailer key git would misread", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    await writeFile(path.join(r.dir, "a.txt"), "changed\n");
    expect((await rejection(wt.commitAll("m", { "Bad Key:": "x" }))).message).toMatch(/cannot be a commit trailer key/);
  });

  it("resetTo moves the branch and the index, and leaves the work tree", async () => {
    const r = await committedRepo();
    const wt = await r.open();
    const first = await head(r);
    await writeFile(path.join(r.dir, "a.txt"), "second\n");
    const second = await wt.commitAll("second", {});
    expect(second).not.toBe(first);
    await wt.resetTo(first);
    expect(await head(r)).toBe(first);
    expect(await r.git(["symbolic-ref", "HEAD"])).toBe("refs/heads/main\n");
    expect(await readFile(path.join(r.dir, "a.txt"), "utf8")).toBe("second\n");
    expect(await r.git(["diff", "--cached", "--name-only"])).toBe("");
    expect(await r.git(["diff", "--name-only"])).toBe("a.txt\n");
    expect((await rejection(wt.resetTo("--hard"))).message).toMatch(/"--hard" is not a commit/);
  });
});
