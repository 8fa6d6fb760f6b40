// Which deliverables count as present.
import { describe, it, expect, afterAll } from "@jest/globals";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { checkDeliverables } from "../../src/verify/check-deliverables.js";
import { removeTempDirs, tempDir } from "./verify-test-helpers.js";

afterAll(removeTempDirs);

describe("checkDeliverables", () => {
  it("files, folders and links to them count; a dangling link, a path through a file and an empty path do not", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "out"));
    writeFileSync(path.join(dir, "out", "a.txt"), "");
    symlinkSync("a.txt", path.join(dir, "out", "link"));
    symlinkSync("gone.txt", path.join(dir, "out", "dangling"));
    const missing = await checkDeliverables(dir, ["out", "out/", "./out/a.txt", "out/link", "out/dangling", "out/a.txt/x", " ", "sub/../out/a.txt"]);
    expect(missing).toEqual([
      { path: "out/dangling", reason: "does not exist" },
      { path: "out/a.txt/x", reason: "does not exist" },
      { path: " ", reason: "is an empty path" },
    ]);
  });

  it("the project folder itself is inside; its parent and a sibling with a common prefix are not", async () => {
    const dir = tempDir();
    const sibling = `${dir}-sibling`;
    expect(await checkDeliverables(dir, [".", dir])).toEqual([]);
    expect((await checkDeliverables(dir, ["..", sibling, `../${path.basename(sibling)}`])).map((m) => m.reason)).toEqual([
      `is outside the project folder ${dir}`,
      `is outside the project folder ${dir}`,
      `is outside the project folder ${dir}`,
    ]);
  });
});
