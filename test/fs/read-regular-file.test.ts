import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { mkdir, open, readdir, readlink, rm, writeFile, type FileHandle } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { FileReadError, readRegularFile } from "../../src/fs/read-regular-file.js";
import { makeFifo } from "../support/make-fifo.js";
import { tempDir, waitFor } from "../support/run-orchestrator-bin.js";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("read-regular-file-");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const opts = { maxBytes: 1024, timeoutMs: 2_000 };

async function refusal(file: string, options = opts): Promise<FileReadError> {
  const error: unknown = await readRegularFile(file, options).then(() => null, (e: unknown) => e);
  if (!(error instanceof FileReadError)) throw new Error(`expected a FileReadError, got ${String(error)}`);
  return error;
}

/** How many of this process's file descriptors are open on `file`. */
async function fdsOpenOn(file: string): Promise<number> {
  const links = await Promise.all((await readdir("/proc/self/fd")).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return links.filter((l) => l === file).length;
}

describe("readRegularFile", () => {
  it("reads a regular file whole", async () => {
    const file = path.join(dir, "plain.md");
    await writeFile(file, "hello\n");
    const r = await readRegularFile(file, opts);
    expect(r.bytes.toString()).toBe("hello\n");
    expect(r).toMatchObject({ size: 6, start: 0 });
  });

  it("refuses a FIFO at once, and many at once leave the thread pool free", async () => {
    const fifo = path.join(dir, "pipe.md");
    await makeFifo(fifo);
    const started = Date.now();
    // Eight is twice libuv's default pool: a blocking open would tie up every thread and stall the regular read below.
    const errors = await Promise.all(Array.from({ length: 8 }, () => refusal(fifo)));
    const plain = path.join(dir, "after.md");
    await writeFile(plain, "still served");
    expect((await readRegularFile(plain, opts)).bytes.toString()).toBe("still served");
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const e of errors) {
      expect(e).toMatchObject({ reason: "not_regular", file: fifo, detail: { kind: "a FIFO (named pipe)" } });
      expect(e.message).toBe(`${fifo} is a FIFO (named pipe), not a regular file`);
    }
  });

  it("refuses a directory, a character device and a Unix socket", async () => {
    const folder = path.join(dir, "folder.md");
    await mkdir(folder);
    expect(await refusal(folder)).toMatchObject({ reason: "not_regular", detail: { kind: "a directory" } });
    expect(await refusal("/dev/zero")).toMatchObject({ reason: "not_regular", detail: { kind: "a character device" } });
    const sock = path.join(dir, "sock.md");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(await refusal(sock)).toMatchObject({ reason: "not_regular", detail: { errno: "ENXIO" } });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("says ENOENT for a missing file", async () => {
    expect(await refusal(path.join(dir, "nope.md"))).toMatchObject({ reason: "io", detail: { errno: "ENOENT" } });
  });

  it("refuses a file over maxBytes, or reads its tail when asked", async () => {
    const file = path.join(dir, "big.log");
    await writeFile(file, "a".repeat(1000) + "b".repeat(100));
    const e = await refusal(file);
    expect(e).toMatchObject({ reason: "too_large", detail: { size: 1100 } });
    expect(e.message).toBe(`${file} is 1.1 KiB (1100 bytes), over the 1 KiB limit`);
    const tail = await readRegularFile(file, { ...opts, whenLarger: "tail" });
    expect(tail).toMatchObject({ size: 1100, start: 76 });
    expect(tail.bytes.toString()).toBe("a".repeat(924) + "b".repeat(100));
  });

  it("gives up after timeoutMs when the read cannot finish (every libuv thread busy), and closes the handle later", async () => {
    // Tie up every thread of the pool with blocking opens of FIFOs that have no writer: the same
    // stall a hung file system causes. A writer (a child process, off the pool) lets them go.
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const fifos = await Promise.all(
      Array.from({ length: poolSize }, async (_, i) => {
        const f = path.join(dir, `stall-${i}`);
        await makeFifo(f);
        return f;
      }),
    );
    const file = path.join(dir, "stalled.md");
    await writeFile(file, "x"); // before the pool is full: from here on no file I/O of this process moves
    const blockers: Promise<FileHandle>[] = fifos.map((f) => open(f, "r"));
    const started = Date.now();
    let e: FileReadError;
    try {
      e = await refusal(file, { maxBytes: 1024, timeoutMs: 300 });
    } finally {
      await Promise.all(fifos.map((f) => execa("sh", ["-c", `: > '${f}'`])));
      for (const h of await Promise.all(blockers)) await h.close();
    }
    const elapsed = Date.now() - started;
    expect(e).toMatchObject({ reason: "timeout", file });
    expect(e.message).toBe(`reading ${file} took longer than 300 ms (a hung file system?)`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    // The open queued behind the stall completes once the pool is free; its handle is then closed.
    await waitFor(async () => ((await fdsOpenOn(file)) === 0 ? true : undefined), 2_000, `the late handle on ${file} to close`);
  });
});
