/**
 * Temp git repositories for the test/git suites: real git, isolated from the machine's own
 * configuration (no global or system config, no GIT_* variables of the caller, discovery stopped
 * at the temp folder's parent), with an identity of their own for the tests' commits.
 */
import { execa } from "execa";
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GitWorkTree } from "../../src/git/git-work-tree.js";

/** The environment of every git the tests start, and of the GitWorkTree under test. */
export function isolatedEnv(ceiling: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("GIT_")) env[k] = v;
  return {
    ...env,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CEILING_DIRECTORIES: ceiling,
    GIT_OPTIONAL_LOCKS: "0", // the tests' own `git status` must not rewrite the index they compare
    LC_ALL: "C",
  };
}

export interface TestRepo {
  dir: string;
  env: Record<string, string>;
  /** Runs git in the repo (or `cwd`) and returns stdout as it is. */
  git(args: string[], opts?: { cwd?: string; input?: string }): Promise<string>;
  open(opts?: { timeoutMs?: number; exclude?: string[] }): Promise<GitWorkTree>;
  cleanup(): Promise<void>;
}

/** A new repository in a fresh temp folder; `identity` false leaves user.name/email unset. */
export async function makeRepo(opts: { identity?: boolean } = {}): Promise<TestRepo> {
  const base = await mkdtemp(path.join(os.tmpdir(), "git-edge-"));
  const dir = path.join(base, "repo");
  const env = isolatedEnv(base);
  const git = async (args: string[], o: { cwd?: string; input?: string } = {}) =>
    (await execa("git", args, { cwd: o.cwd ?? dir, env, extendEnv: false, stripFinalNewline: false, ...(o.input !== undefined ? { input: o.input } : { stdin: "ignore" as const }) })).stdout;
  await git(["init", "-q", "-b", "main", dir], { cwd: base });
  if (opts.identity !== false) {
    await git(["config", "user.name", "Test Person"]);
    await git(["config", "user.email", "person@example.com"]);
  }
  return {
    dir,
    env,
    git,
    async open(o = {}) {
      const wt = await GitWorkTree.open(dir, { env, ...o });
      if (!wt) throw new Error(`no work tree at ${dir}`);
      return wt;
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/**
 * Every entry under `root` except .git, keyed by "/"-path: a file as its sha256 and whether it is
 * executable, a symlink as its target, a folder as "dir" (so an empty folder left behind shows).
 */
export async function hashTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of await readdir(path.join(root, rel))) {
      if (rel === "" && name === ".git") continue;
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) out[r] = `link:${await readlink(abs)}`;
      else if (st.isDirectory()) {
        out[r] = "dir";
        await walk(r);
      } else out[r] = `${st.mode & 0o111 ? "x" : "-"}:${createHash("sha256").update(await readFile(abs)).digest("hex")}`;
    }
  }
  await walk("");
  return out;
}

/** What a person sees of their repository, as bytes: index, HEAD, branches, stash, refs, status. */
export async function personState(repo: TestRepo): Promise<Record<string, string>> {
  const indexFile = path.join(repo.dir, ".git", "index");
  const index = await readFile(indexFile).then((b) => createHash("sha256").update(b).digest("hex"), () => "(none)");
  const tryGit = (args: string[]) => repo.git(args).catch((e: { stderr?: string }) => `(failed: ${e.stderr ?? ""})`);
  return {
    index,
    cached: await tryGit(["diff", "--cached", "--no-color"]),
    head: await tryGit(["rev-parse", "--verify", "HEAD"]),
    symbolicHead: await tryGit(["symbolic-ref", "HEAD"]),
    branches: await tryGit(["branch", "-a", "-v", "--no-color"]),
    stash: await tryGit(["stash", "list"]),
    localRefs: await tryGit(["for-each-ref", "refs/heads", "refs/tags", "refs/stash"]),
    status: await tryGit(["status", "--porcelain", "--untracked-files=all"]),
    ignored: await tryGit(["status", "--porcelain", "--untracked-files=all", "--ignored"]).then((s) => s.split("\n").filter((l) => l.startsWith("!! ")).join("\n")),
    config: await readFile(path.join(repo.dir, ".git", "config"), "utf8"),
  };
}
