import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ControlError } from "../../src/control/control-error.js";
import { listTaskFiles, resolveTaskFile } from "../../src/control/resolve-task-file.js";
import { makeFifo } from "../support/make-fifo.js";
import { tempDir } from "../support/run-orchestrator-bin.js";

let root: string;
let tasks: string;
beforeAll(async () => {
  root = await realpath(await tempDir("resolve-task-file-"));
  tasks = path.join(root, "orchestrator_tasks");
  await mkdir(path.join(tasks, "sub.md"), { recursive: true });
  await writeFile(path.join(tasks, "good.md"), "## Task 1: A\n**Description:** a\n");
  await makeFifo(path.join(tasks, "fifo.md"));
  await symlink(path.join(tasks, "fifo.md"), path.join(tasks, "to-fifo.md"));
  await writeFile(path.join(root, "outside.md"), "x");
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function refusal(requested: string | null): Promise<ControlError> {
  const e: unknown = await resolveTaskFile(tasks, requested, "2025-01-01").then(() => null, (x: unknown) => x);
  if (!(e instanceof ControlError)) throw new Error(`expected a ControlError, got ${String(e)}`);
  return e;
}

describe("resolveTaskFile", () => {
  it("resolves a file inside tasks_dir by bare name or with the folder's name", async () => {
    expect(await resolveTaskFile(tasks, "good.md", "2025-01-01")).toBe(path.join(tasks, "good.md"));
    expect(await resolveTaskFile(tasks, "orchestrator_tasks/good.md", "2025-01-01")).toBe(path.join(tasks, "good.md"));
  });

  it("refuses a FIFO, a symlink to one and a folder as 400, naming the file and the ones to send instead", async () => {
    for (const name of ["fifo.md", "to-fifo.md"]) {
      const e = await refusal(name);
      expect(e.code).toBe("bad_request");
      expect(e.message).toBe(`task_file "${name}" is a FIFO (named pipe), not a regular file: send the name of a .md or .yaml task file in orchestrator_tasks/. Files there: good.md.`);
    }
    expect((await refusal("sub.md")).message).toMatch(/^task_file "sub.md" is a directory, not a regular file/);
  });

  it("never offers a FIFO or folder to pick from", async () => {
    expect(await listTaskFiles(tasks)).toEqual(["good.md"]);
  });

  it("refuses .., an absolute path elsewhere and /etc/passwd as outside", async () => {
    for (const name of ["../outside.md", path.join(root, "outside.md"), "/etc/passwd"]) expect((await refusal(name)).code).toBe("bad_request");
  });

  it("refuses a NUL byte, and takes URL-encoding literally (no such file)", async () => {
    expect((await refusal("good.md\0.txt")).message).toBe("task_file contains a NUL byte.");
    const encoded = await refusal("..%2Foutside.md");
    expect(encoded.code).toBe("not_found");
  });
});
