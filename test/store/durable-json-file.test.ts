import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { StateError } from "../../src/core/errors.js";
import { DurableJSONFile, tempFileFor } from "../../src/store/durable-json-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "durable-json-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("DurableJSONFile", () => {
  it("round-trips data and leaves no temp file behind", async () => {
    const file = path.join(dir, "data.json");
    const db = new DurableJSONFile<{ n: number; list: string[] }>(file);
    await db.write({ n: 1, list: ["a", "b"] });
    expect(await db.read()).toEqual({ n: 1, list: ["a", "b"] });
    await db.write({ n: 2, list: [] });
    expect(await db.read()).toEqual({ n: 2, list: [] });
    expect(await readdir(dir)).toEqual(["data.json"]);
    expect(await readFile(file, "utf8")).toBe('{\n  "n": 2,\n  "list": []\n}\n');
  });

  it("reads a missing file as null", async () => {
    expect(await new DurableJSONFile(path.join(dir, "nope.json")).read()).toBeNull();
  });

  it("lets JSON.parse errors through for garbage and empty files", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, "{ not json");
    await expect(new DurableJSONFile(file).read()).rejects.toBeInstanceOf(SyntaxError);
    await writeFile(file, "");
    await expect(new DurableJSONFile(file).read()).rejects.toBeInstanceOf(SyntaxError);
  });

  it("reports an unreadable path (a directory) as a StateError", async () => {
    const file = path.join(dir, "isdir.json");
    await mkdir(file);
    await expect(new DurableJSONFile(file).read()).rejects.toBeInstanceOf(StateError);
  });

  it("serializes the data at call time", async () => {
    const db = new DurableJSONFile<{ n: number }>(path.join(dir, "d.json"));
    const data = { n: 1 };
    const pending = db.write(data);
    data.n = 2;
    await pending;
    expect(await db.read()).toEqual({ n: 1 });
  });

  it("queues concurrent writes (even from two adapters on one file): the last one wins", async () => {
    const file = path.join(dir, "d.json");
    const a = new DurableJSONFile<{ n: number }>(file);
    const b = new DurableJSONFile<{ n: number }>(file);
    await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 2 ? a : b).write({ n })));
    expect(await a.read()).toEqual({ n: 29 });
    expect(await readdir(dir)).toEqual(["d.json"]);
  });

  it("fails with a StateError and keeps the old file when the temp file cannot be created", async () => {
    const file = path.join(dir, "state.json");
    const db = new DurableJSONFile<{ n: number }>(file);
    await db.write({ n: 1 });
    // A directory where the temp file should go: open() fails (root ignores chmod, not this).
    await mkdir(tempFileFor(path.resolve(file)));
    const err = await db.write({ n: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).file).toBe(path.resolve(file));
    expect((err as StateError).message).toMatch(/unchanged/);
    expect(((err as StateError).cause as NodeJS.ErrnoException).code).toBe("EISDIR");
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ n: 1 });
    // It did not remove the directory that is not its own.
    expect((await readdir(dir)).sort()).toEqual(["state.json", path.basename(tempFileFor(file))].sort());
    // A failed write does not block the next one.
    await rm(tempFileFor(path.resolve(file)), { recursive: true });
    await db.write({ n: 3 });
    expect(await db.read()).toEqual({ n: 3 });
  });

  it("removes its temp file when the rename fails (a directory in the target's place)", async () => {
    const file = path.join(dir, "state.json");
    await mkdir(file);
    await writeFile(path.join(file, "keep"), "x");
    const err = await new DurableJSONFile(file).write({ n: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect(await readdir(dir)).toEqual(["state.json"]);
    expect(await readdir(file)).toEqual(["keep"]);
  });

  it("says the directory is missing when the parent is a regular file", async () => {
    const parent = path.join(dir, "plain-file");
    await writeFile(parent, "not a dir");
    const err = await new DurableJSONFile(path.join(parent, "state.json")).write({ n: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(/directory does not exist/);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe("ENOTDIR");
    expect(await readFile(parent, "utf8")).toBe("not a dir");
  });
});
