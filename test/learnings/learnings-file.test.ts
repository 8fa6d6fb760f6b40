import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LearningsError } from "../../src/learnings/learnings-error.js";
import { LearningsFile, learningLine, PROMPT_BYTES } from "../../src/learnings/learnings-file.js";
import { makeFifo } from "../support/make-fifo.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orch-learnings-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("LearningsFile", () => {
  it("no file: no lessons (the default file need not exist)", async () => {
    await expect(new LearningsFile(path.join(dir, "orchestrator_learnings.md")).read()).resolves.toBeNull();
  });

  it("the first append makes the file (and its folder) with the heading; read gives the lessons without it", async () => {
    const file = new LearningsFile(path.join(dir, "notes", "learnings.md"));
    await file.append(learningLine("Plural table names", "2026-12-01", "the CLI"));
    await file.append(learningLine("Run the tests", "2026-12-02", null));
    expect(await readFile(file.file, "utf8")).toBe("# Learnings\n\n- Plural table names (2026-12-01, the CLI)\n- Run the tests (2026-12-02)\n");
    expect(await file.read()).toBe("- Plural table names (2026-12-01, the CLI)\n- Run the tests (2026-12-02)");
  });

  it("a file a person edited (no last line break, own lines) is appended to on a line of its own", async () => {
    const file = new LearningsFile(path.join(dir, "l.md"));
    await writeFile(file.file, "# Learnings\n\nMy own rule: small commits");
    await file.append("- another (2026-12-01)");
    expect(await readFile(file.file, "utf8")).toBe("# Learnings\n\nMy own rule: small commits\n- another (2026-12-01)\n");
  });

  it("a file of only its heading has no lessons", async () => {
    const file = new LearningsFile(path.join(dir, "l.md"));
    await writeFile(file.file, "# Learnings\n\n");
    await expect(file.read()).resolves.toBeNull();
  });

  it("a long file: the prompt gets its last 8 KiB, from a line start, the newest lesson last", async () => {
    const file = new LearningsFile(path.join(dir, "l.md"));
    const lines = Array.from({ length: 600 }, (_, i) => `- lesson number ${i} ${"é".repeat(i % 7)} (2026-12-01)`);
    await writeFile(file.file, `# Learnings\n\n${lines.join("\n")}\n`);
    const text = (await file.read()) as string;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(PROMPT_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(PROMPT_BYTES - 200);
    const got = text.split("\n");
    expect(got.at(-1)).toBe(lines.at(-1));
    expect(lines).toContain(got[0]); // whole lines only
  });

  it("20 appends at once: every line whole, none lost", async () => {
    const file = new LearningsFile(path.join(dir, "l.md"));
    await Promise.all(Array.from({ length: 20 }, (_, i) => new LearningsFile(file.file).append(`- lesson ${i} (2026-12-01)`)));
    const text = await readFile(file.file, "utf8");
    expect(text.startsWith("# Learnings\n\n")).toBe(true);
    const got = text.split("\n").filter((l) => l.startsWith("- "));
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `- lesson ${i} (2026-12-01)`).sort());
  });

  it("a FIFO or a folder at the path: LearningsError naming the file and the setting, never a hang", async () => {
    const fifo = path.join(dir, "fifo.md");
    await makeFifo(fifo);
    const error = await new LearningsFile(fifo).append("- x (2026-12-01)").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LearningsError);
    expect((error as Error).message).toBe(`could not add to the learnings file ${fifo}: it is not a regular file. Check orchestrator.learnings_file, then send it again.`);
    await expect(new LearningsFile(fifo).read()).rejects.toThrow(/FIFO/);
    await expect(new LearningsFile(dir).append("- x")).rejects.toBeInstanceOf(LearningsError);
  });
});
