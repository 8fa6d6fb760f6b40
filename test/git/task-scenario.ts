/**
 * The project the test/git suites work on: a committed history, a person's unfinished work on top
 * (staged, unstaged, untracked, a stash, another branch), and the edits a "task" makes to it.
 */
import { chmod, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TestRepo } from "./git-test-repo.js";

export const UNICODE_FILE = "dir with space/ünïcødé file.txt";
export const NEWLINE_FILE = "weird\nname.txt";

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join("\n") + "\n";
/** Bytes git takes for binary: NULs in the first 8000. */
const binary = (seed: number) => Buffer.from(Array.from({ length: 300 }, (_, i) => (i * seed) % 256));

async function put(root: string, rel: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

/** One commit on main, a branch "feature", a stash entry, then the person's uncommitted work. */
export async function setUpProject(repo: TestRepo): Promise<void> {
  const d = repo.dir;
  await put(d, ".gitignore", "build/\n*.log\n");
  await put(d, "src/app.txt", lines(10, "app"));
  await put(d, "old.txt", "old\n");
  await put(d, "docs/guide.md", lines(20, "guide"));
  await put(d, "img.bin", binary(7));
  await put(d, "run.sh", "#!/bin/sh\necho hi\n");
  await put(d, "staged.txt", "v1\n");
  await put(d, UNICODE_FILE, "hello\n");
  await put(d, "force.log", "tracked although ignored\n");
  await repo.git(["add", "-A"]);
  await repo.git(["add", "-f", "force.log"]);
  await repo.git(["commit", "-q", "-m", "first"]);
  await repo.git(["branch", "feature"]);
  await put(d, "src/app.txt", lines(10, "stashed"));
  await repo.git(["stash", "-q"]);
  // The person's work in progress, which a rollback must bring back exactly as it was.
  await put(d, "staged.txt", "v2 staged\n");
  await repo.git(["add", "staged.txt"]);
  await put(d, UNICODE_FILE, "hello person\n");
  await put(d, "person-notes.txt", "untracked notes\n");
  await put(d, "build/cache.bin", binary(3)); // ignored, there before the task
}

/** What the "task" does: every kind of change a snapshot must see, and ignored files it must not. */
export async function doTaskEdits(root: string): Promise<void> {
  await put(root, "src/app.txt", lines(10, "app").replace("app line 3", "app line three") + "added 1\nadded 2\n");
  await put(root, "notes/new file é.txt", "new\n");
  await put(root, "deep/a/b/c.txt", "deep\n");
  await put(root, "build/out.log", "ignored build output\n");
  await put(root, "task.log", "ignored log\n");
  await rm(path.join(root, "old.txt"));
  await rename(path.join(root, "docs/guide.md"), path.join(root, "docs/manual.md"));
  await put(root, "docs/manual.md", lines(20, "guide").replace("guide line 20", "guide line twenty"));
  await put(root, "img.bin", binary(11));
  await put(root, "data/blob.bin", binary(13));
  await chmod(path.join(root, "run.sh"), 0o755);
  await symlink("src/app.txt", path.join(root, "link-to-app"));
  await put(root, UNICODE_FILE, "hello task\n");
  await put(root, NEWLINE_FILE, "a name with a line break\n");
  await put(root, "force.log", "tracked although ignored, changed\n");
}

/** The FileChanges doTaskEdits makes, without counts: [path, status, old_path?, binary?]. */
export const EXPECTED_CHANGES: Array<{ path: string; status: string; old_path?: string; binary: boolean }> = [
  { path: "data/blob.bin", status: "added", binary: true },
  { path: "deep/a/b/c.txt", status: "added", binary: false },
  { path: UNICODE_FILE, status: "modified", binary: false },
  { path: "docs/manual.md", status: "renamed", old_path: "docs/guide.md", binary: false },
  { path: "force.log", status: "modified", binary: false },
  { path: "img.bin", status: "modified", binary: true },
  { path: "link-to-app", status: "added", binary: false },
  { path: "notes/new file é.txt", status: "added", binary: false },
  { path: "old.txt", status: "deleted", binary: false },
  { path: "run.sh", status: "modified", binary: false },
  { path: "src/app.txt", status: "modified", binary: false },
  { path: NEWLINE_FILE, status: "added", binary: false },
];
