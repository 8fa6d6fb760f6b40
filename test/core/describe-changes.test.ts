import { describe, expect, it } from "@jest/globals";
import { describeChanges, MAX_NAMED_FILES, shortCommit } from "../../src/core/describe-changes.js";
import type { FileChangeRecord, TaskGitRecord } from "../../src/core/state.js";

const git = (head: string | null): TaskGitRecord => ({ base: "tree-b", head, base_commit: "c-b", head_commit: head ? "c-h" : null, head_before: null });
const file = (path: string, over: Partial<FileChangeRecord> = {}): FileChangeRecord => ({ path, status: "modified", insertions: 1, deletions: 0, ...over });
const named = (n: number) => Array.from({ length: n }, (_, i) => file(`f${i + 1}.ts`));

describe("describeChanges", () => {
  // [case, git record, files, insertions, deletions, line]
  const table: [string, TaskGitRecord | null | undefined, FileChangeRecord[] | undefined, number | null | undefined, number | null | undefined, string | null][] = [
    ["git off (no record)", null, [], null, null, null],
    ["an older state file (no fields)", undefined, undefined, undefined, undefined, null],
    ["no head snapshot yet", git(null), [file("a.ts")], 1, 0, null],
    ["equal snapshots", git("tree-h"), [], 0, 0, "no files changed"],
    ["equal snapshots, files_changed absent", git("tree-h"), undefined, undefined, undefined, "no files changed"],
    ["one file", git("tree-h"), [file("src/a.ts")], 12, 3, "1 file changed (+12 −3): src/a.ts"],
    ["three files", git("tree-h"), [file("src/a.ts"), file("src/b.ts"), file("test/a.test.ts")], 120, 4, "3 files changed (+120 −4): src/a.ts, src/b.ts, test/a.test.ts"],
    ["a rename names both paths", git("tree-h"), [file("new.ts", { status: "renamed", old_path: "old.ts" })], 0, 0, "1 file changed (+0 −0): old.ts → new.ts"],
    ["a rename without its old path", git("tree-h"), [file("new.ts", { status: "renamed" })], 0, 0, "1 file changed (+0 −0): new.ts"],
    ["unknown counts (binary only) read as 0", git("tree-h"), [file("logo.png", { insertions: null, deletions: null })], null, null, "1 file changed (+0 −0): logo.png"],
    ["exactly 10 files: all named", git("tree-h"), named(10), 10, 0, `10 files changed (+10 −0): ${named(10).map((f) => f.path).join(", ")}`],
    ["11 files: 10 named and 1 more", git("tree-h"), named(11), 11, 0, `11 files changed (+11 −0): ${named(10).map((f) => f.path).join(", ")} and 1 more`],
    ["25 files: 10 named and 15 more", git("tree-h"), named(25), 25, 2, `25 files changed (+25 −2): ${named(10).map((f) => f.path).join(", ")} and 15 more`],
  ];
  it.each(table)("%s", (_name, gitRecord, files, insertions, deletions, line) => {
    expect(describeChanges({ git: gitRecord, files_changed: files, insertions, deletions })).toBe(line);
  });

  it("names at most MAX_NAMED_FILES files", () => {
    expect(MAX_NAMED_FILES).toBe(10);
    const line = describeChanges({ git: git("t"), files_changed: named(40), insertions: 1, deletions: 1 }) ?? "";
    expect(line.match(/f\d+\.ts/g)).toHaveLength(MAX_NAMED_FILES);
    expect(line).not.toContain("f11.ts");
  });
});

describe("shortCommit", () => {
  it("is the first seven characters", () => {
    expect(shortCommit("abc1234def5678")).toBe("abc1234");
    expect(shortCommit("abc")).toBe("abc");
  });
});
