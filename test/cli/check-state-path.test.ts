import { afterAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkStatePath } from "../../src/cli/check-state-path.js";
import { StatePathError } from "../../src/core/errors.js";
import { tempDir } from "../support/run-orchestrator-bin.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function dir(): Promise<string> {
  const d = await tempDir("orch-state-path-");
  dirs.push(d);
  return d;
}

describe("checkStatePath", () => {
  it("accepts a regular file and a path that does not exist yet", async () => {
    const d = await dir();
    await writeFile(path.join(d, "state.json"), "{}");
    await expect(checkStatePath(path.join(d, "state.json"))).resolves.toBeUndefined();
    await expect(checkStatePath(path.join(d, "later", "state.json"))).resolves.toBeUndefined();
  });

  it("refuses a directory, naming a file inside it to pass instead", async () => {
    const d = await dir();
    await mkdir(path.join(d, "runs"));
    const error = await checkStatePath(path.join(d, "runs")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatePathError);
    expect(error).toMatchObject({ kind: "a directory", file: path.join(d, "runs") });
    expect((error as Error).message).toContain(`is a directory, not a file. Pass --state <file> (or set paths.state_file) to a file path, e.g. --state ${path.join(d, "runs", "state.json")}.`);
  });

  it("refuses a FIFO (reading it would block until a writer appears)", async () => {
    const d = await dir();
    await execa("mkfifo", [path.join(d, "state.json")]);
    await expect(checkStatePath(path.join(d, "state.json"))).rejects.toThrow(/is a FIFO, not a file/);
  });
});
