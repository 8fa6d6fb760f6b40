import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ControlError } from "../../src/control/control-error.js";
import { readLogTail } from "../../src/control/read-log-tail.js";
import { makeFifo } from "../support/make-fifo.js";
import { tempDir } from "../support/run-orchestrator-bin.js";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("read-log-tail-");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const line = (i: number) => JSON.stringify({ level: 30, time: Date.UTC(2025, 0, 1, 9, 30, 15), msg: `line ${i}` });

describe("readLogTail", () => {
  it("gives the last lines, rendered; a missing log gives none", async () => {
    const file = path.join(dir, "day.log");
    await writeFile(file, Array.from({ length: 30 }, (_, i) => line(i)).join("\n") + "\n");
    const tail = await readLogTail(file, 3);
    expect(tail).toHaveLength(3);
    expect(tail.map((l) => /line \d+/.exec(l)?.[0])).toEqual(["line 27", "line 28", "line 29"]);
    expect(await readLogTail(path.join(dir, "none.log"), 3)).toEqual([]);
  });

  it("reads only the end of a large log, dropping the cut first line", async () => {
    const file = path.join(dir, "big.log");
    await writeFile(file, Array.from({ length: 20_000 }, (_, i) => line(i)).join("\n") + "\n"); // ~1.3 MB
    const tail = await readLogTail(file, 200);
    expect(tail).toHaveLength(200);
    expect(tail.at(-1)).toContain("line 19999");
  });

  it("answers a FIFO at once with 'unavailable' naming it, instead of blocking a thread for good", async () => {
    const file = path.join(dir, "fifo.log");
    await makeFifo(file);
    const started = Date.now();
    const error = await readLogTail(file, 5).then(() => null, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(ControlError);
    expect(error).toMatchObject({ code: "unavailable", message: `Cannot read the log: ${file} is a FIFO (named pipe), not a regular file. Remove it: the service writes its daily log there.` });
  });
});
