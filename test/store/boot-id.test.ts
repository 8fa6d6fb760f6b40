import { describe, it, expect, afterAll } from "@jest/globals";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readBootId } from "../../src/store/boot-id.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("readBootId", () => {
  it("reads the kernel boot id on Linux, the same each time", async () => {
    const id = await readBootId();
    if (process.platform !== "linux") return expect(id).toBeNull();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await readBootId()).toBe(id);
  });

  it("gives null where there is no boot id (missing or empty file)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "boot-id-"));
    dirs.push(dir);
    expect(await readBootId(path.join(dir, "missing"))).toBeNull();
    await writeFile(path.join(dir, "empty"), "\n");
    expect(await readBootId(path.join(dir, "empty"))).toBeNull();
  });
});
