import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { writeTaskDraft } from "../../src/plan/write-task-draft.js";
import { removeDir, tempDir } from "../runner/runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const tasksDir = () => {
  const d = tempDir("plan-write-");
  dirs.push(d);
  return path.join(d, "orchestrator_tasks");
};

describe("writeTaskDraft", () => {
  it("writes <date>-tasks.md, making the folder", async () => {
    const dir = tasksDir();
    expect(await writeTaskDraft(dir, "2026-03-02", "## Task 1: A\n")).toEqual({ ok: true, file: path.join(dir, "2026-03-02-tasks.md"), kept_existing: null });
    expect(readFileSync(path.join(dir, "2026-03-02-tasks.md"), "utf8")).toBe("## Task 1: A\n");
  });

  it("never over an existing file: -2, then -3, each time naming the usual file as kept", async () => {
    const dir = tasksDir();
    mkdirSync(dir, { recursive: true });
    const usual = path.join(dir, "2026-03-02-tasks.md");
    writeFileSync(usual, "mine\n");
    expect(await writeTaskDraft(dir, "2026-03-02", "draft 2\n")).toEqual({ ok: true, file: path.join(dir, "2026-03-02-tasks-2.md"), kept_existing: usual });
    expect(await writeTaskDraft(dir, "2026-03-02", "draft 3\n")).toEqual({ ok: true, file: path.join(dir, "2026-03-02-tasks-3.md"), kept_existing: usual });
    expect(readFileSync(usual, "utf8")).toBe("mine\n");
    expect(readFileSync(path.join(dir, "2026-03-02-tasks-2.md"), "utf8")).toBe("draft 2\n");
  });

  it("a full disk part-way: failed with the reason, and no partial file left", async () => {
    const dir = tasksDir();
    // The real file is created and half written, then the write fails as on a full disk.
    const fullDisk = {
      open: async (file: string, flags: "wx"): Promise<FileHandle> => {
        const handle = await open(file, flags);
        return Object.assign(Object.create(handle) as FileHandle, {
          writeFile: async (text: string) => {
            await handle.write(text.slice(0, 3));
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          },
          close: () => handle.close(),
        });
      },
    };
    const r = await writeTaskDraft(dir, "2026-03-02", "## Task 1: A\n", fullDisk);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^could not write the task file .*2026-03-02-tasks\.md: ENOSPC: no space left on device, write \(the disk is full/) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a folder that cannot be made: failed naming it", async () => {
    const dir = tasksDir();
    writeFileSync(path.dirname(dir) + "/blocker", "");
    const r = await writeTaskDraft(path.join(path.dirname(dir), "blocker", "tasks"), "2026-03-02", "x\n");
    expect(r).toEqual({ ok: false, error: expect.stringContaining("could not create the task file folder") });
  });
});
