import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { link, lstat, mkdtemp, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { StateError } from "../../src/core/errors.js";
import { DurableJSONFile, spareFileFor, tempFileFor } from "../../src/store/durable-json-file.js";
import { mountTmpfs } from "../faults/fault-helpers.js";
import { makeFifo } from "../support/make-fifo.js";

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

  it("writes and reads text as given (the state store's compact JSON), through the same queue", async () => {
    const file = path.join(dir, "text.json");
    const db = new DurableJSONFile<{ n: number }>(file);
    expect(await db.readText()).toBeNull();
    await Promise.all([db.write({ n: 1 }), db.writeText('{"n":2}\n')]);
    expect(await readFile(file, "utf8")).toBe('{"n":2}\n');
    expect(await db.readText()).toBe('{"n":2}\n');
    expect(await db.read()).toEqual({ n: 2 });
    expect(await readdir(dir)).toEqual(["text.json"]);
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

/**
 * Storage reuse (`reuseStorageFrom`, what the state store turns on for a large state.json): the
 * file a write replaces is kept as `<file>.spare-<pid>` and the next write overwrites it in place,
 * then renames it over the file. Only an inode that is no longer the file is ever modified.
 */
describe("DurableJSONFile with storage reuse", () => {
  const spareName = () => path.basename(spareFileFor(path.join(dir, "state.json")));
  const text = (n: number, size = 200) => `${JSON.stringify({ n, pad: "x".repeat(size) })}\n`;

  it("overwrites the file the previous write replaced, never the one in place, and cuts it to the new length", async () => {
    const file = path.join(dir, "state.json");
    const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    await db.writeText(text(1, 5000));
    const first = (await stat(file)).ino;
    await db.writeText(text(2, 5000));
    const second = (await stat(file)).ino;
    // The replaced file is kept as the spare, untouched: it still holds write 1.
    expect((await readdir(dir)).sort()).toEqual(["state.json", spareName()].sort());
    expect((await stat(path.join(dir, spareName()))).ino).toBe(first);
    expect(await readFile(path.join(dir, spareName()), "utf8")).toBe(text(1, 5000));
    // Write 3 goes into write 1's inode; write 2's (in place until then) is now the spare, unchanged.
    await db.writeText(text(3, 10));
    expect((await stat(file)).ino).toBe(first);
    expect(await readFile(file, "utf8")).toBe(text(3, 10)); // shorter: nothing of write 1 is left at the end
    expect((await stat(path.join(dir, spareName()))).ino).toBe(second);
    expect(await readFile(path.join(dir, spareName()), "utf8")).toBe(text(2, 5000));
    expect((await stat(file)).nlink).toBe(1);
  });

  it("writes smaller than the threshold make a new file each time, and drop a spare kept earlier", async () => {
    const file = path.join(dir, "state.json");
    const db = new DurableJSONFile(file, { reuseStorageFrom: 1000 });
    await db.writeText(text(1, 2000));
    await db.writeText(text(2, 2000));
    expect(await readdir(dir)).toContain(spareName());
    await db.writeText(text(3, 10));
    expect(await readdir(dir)).toEqual(["state.json"]);
    const before = (await stat(file)).ino;
    await db.writeText(text(4, 10));
    expect((await stat(file)).ino).not.toBe(before);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("queues writes from two adapters on one file: the last one wins, one spare at most", async () => {
    const file = path.join(dir, "state.json");
    const a = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    const b = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 2 ? a : b).writeText(text(n))));
    expect(await readFile(file, "utf8")).toBe(text(29));
    expect((await readdir(dir)).sort()).toEqual(["state.json", spareName()].sort());
  });

  it.each([
    ["a symlink to another file", async (at: string, victim: string) => symlink(victim, at)],
    ["a hard link of another file", async (at: string, victim: string) => link(victim, at)],
    ["another regular file", async (at: string) => writeFile(at, "planted")],
  ])("never writes into %s planted as the spare: it is removed and a new file is used", async (_label, plant) => {
    const file = path.join(dir, "state.json");
    const victim = path.join(dir, "victim");
    await writeFile(victim, "do not touch");
    const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    await db.writeText(text(1));
    await db.writeText(text(2));
    const spare = path.join(dir, spareName());
    // Made beside it and renamed over it (so the planted file cannot get the freed spare's inode number).
    await plant(`${spare}.x`, victim);
    await rename(`${spare}.x`, spare);
    const planted = (await stat(spare)).ino;
    await db.writeText(text(3));
    expect(await readFile(victim, "utf8")).toBe("do not touch");
    expect(await readFile(file, "utf8")).toBe(text(3));
    // Not the planted file renamed into place either (its owner, mode and other links would come with it).
    expect((await stat(file)).ino).not.toBe(planted);
    // What is at the spare's name now is write 2's file, a plain file of one link.
    const now = await lstat(spare);
    expect({ file: now.isFile(), links: now.nlink }).toEqual({ file: true, links: 1 });
    expect(await readFile(spare, "utf8")).toBe(text(2));
  });

  it("a FIFO planted as the spare does not block the write", async () => {
    const file = path.join(dir, "state.json");
    const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    await db.writeText(text(1));
    await db.writeText(text(2));
    const spare = path.join(dir, spareName());
    await rm(spare);
    await makeFifo(spare);
    await db.writeText(text(3)); // an open for writing would wait for a reader for ever
    expect(await readFile(file, "utf8")).toBe(text(3));
    expect((await lstat(spare)).isFile()).toBe(true);
  });

  it("a file someone else put in place is never kept as a spare", async () => {
    const file = path.join(dir, "state.json");
    const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
    await db.writeText(text(1));
    await db.writeText(text(2));
    // A person replaces the file (an editor saving a new one), and keeps a hard link to it.
    await writeFile(path.join(dir, "edited"), "by hand");
    await rm(file);
    await link(path.join(dir, "edited"), file);
    await db.writeText(text(3)); // overwrites write 1's spare: fine
    await db.writeText(text(4)); // would overwrite the person's file if it had been kept
    expect(await readFile(path.join(dir, "edited"), "utf8")).toBe("by hand");
    expect(await readFile(file, "utf8")).toBe(text(4));
  });

  describe("on a full disk (a small tmpfs)", () => {
    let disk: Awaited<ReturnType<typeof mountTmpfs>>["tmpfs"] = null;
    beforeEach(async () => {
      const { tmpfs, reason } = await mountTmpfs(256);
      if (!tmpfs) process.stdout.write(`durable-json-file.test.ts full-disk tests skipped: ${reason}\n`);
      disk = tmpfs;
    });
    afterEach(async () => {
      await disk?.unmount();
      disk = null;
    });

    it("a bigger content fails with ENOSPC: the file is unchanged, the error says what to do, nothing is left", async () => {
      if (!disk) return;
      const file = path.join(disk.dir, "state.json");
      const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
      for (let n = 1; n <= 3; n++) await db.writeText(text(n, 20_000));
      await disk.fill();
      const err = await db.writeText(text(4, 60_000)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateError);
      expect((err as Error).message).toMatch(/ENOSPC.*Disk full\? Free space and retry\. The previous state\.json is unchanged\./);
      expect(await readFile(file, "utf8")).toBe(text(3, 20_000));
      // The half-written spare is gone (its space with it); no temp file either.
      expect((await readdir(disk.dir)).sort()).toEqual(["filler", "state.json"]);
      // Space back: the next write works (a new file, then reuse again).
      await disk.free();
      await db.writeText(text(5, 60_000));
      await db.writeText(text(6, 60_000));
      await db.writeText(text(7, 60_000));
      expect(await readFile(file, "utf8")).toBe(text(7, 60_000));
    });

    it("a content no bigger than the spare's still saves on a full disk (it needs no new space)", async () => {
      if (!disk) return;
      const file = path.join(disk.dir, "state.json");
      const db = new DurableJSONFile(file, { reuseStorageFrom: 0 });
      for (let n = 1; n <= 3; n++) await db.writeText(text(n, 20_000));
      await disk.fill();
      await db.writeText(text(4, 19_000));
      expect(await readFile(file, "utf8")).toBe(text(4, 19_000));
      // A new file could not have been written: this is what reuse buys on a full disk.
      await expect(writeFile(path.join(disk.dir, "new"), text(0, 19_000))).rejects.toMatchObject({ code: "ENOSPC" });
    });
  });
});
