/**
 * Bad settings the machine cannot honour, as a person meets them on the command line (issue #8,
 * defect 9): a state path that is a directory or a FIFO, and `serve` on a port already in use.
 * Each must say what is wrong and what to do instead, with no stack trace, exit 2 (bad input, as
 * the README's table says), never hang, and leave nothing behind (no lock file).
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { orchestratorBin, tempDir } from "../support/run-orchestrator-bin.js";
import { exitWithin } from "./fault-helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function project(): Promise<string> {
  const dir = await tempDir("orch-cli-errors-");
  dirs.push(dir);
  await writeFile(path.join(dir, "tasks.md"), "# Tasks\n\n## Task 1: One\n**Description:** one\n**Claude Instruction:**\nDo it.\n");
  await writeFile(path.join(dir, "config.yaml"), "orchestrator:\n  approval_mode: auto\n");
  return dir;
}

/** A stack line ("    at fn (file:1:2)") or the catch-all wording: what a person must never see for bad input. */
const STACK = /^\s+at |unexpected error/m;

describe("a state path that is not a file", () => {
  it("status on a directory: says so and names a file to pass instead, exit 2, no stack", async () => {
    const dir = await project();
    await mkdir(path.join(dir, "runs"));
    const r = await orchestratorBin(["status", "--state", "runs"], { cwd: dir });
    expect(r.stderr).toContain(`the state file ${path.join(dir, "runs")} is a directory, not a file. Pass --state <file>`);
    expect(r.stderr).toContain(`--state ${path.join(dir, "runs", "state.json")}`);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.exitCode).toBe(2);
  });

  it("status --json on a FIFO: refused at once (reading one would block until a writer comes), exit 2", async () => {
    const dir = await project();
    await execa("mkfifo", [path.join(dir, "state.json")]);
    const r = await exitWithin(orchestratorBin(["status", "--json"], { cwd: dir }), 15_000);
    expect(r.exitCode).toBe(2);
    const { stderr } = await orchestratorBin(["status"], { cwd: dir });
    expect(stderr).toMatch(/state\.json is a FIFO, not a file/);
    expect(stderr).not.toMatch(STACK);
  });

  it("run on a directory: the same message before anything starts; no lock file left", async () => {
    const dir = await project();
    await mkdir(path.join(dir, "runs"));
    const r = await orchestratorBin(["run", "tasks.md", "--state", "runs"], { cwd: dir });
    expect(r.stderr).toMatch(/is a directory, not a file\. Pass --state <file>/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.exitCode).toBe(2);
    expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });
});

describe("serve on a port already in use", () => {
  it("says which port, how to change it, exit 2, no stack, and releases the state lock", async () => {
    const dir = await project();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = orchestratorBin(["serve"], { cwd: dir, env: { PORT: String(port), HOST: "127.0.0.1" } });
      const r = await exitWithin(child, 20_000);
      const { stderr } = await child;
      expect(stderr).toContain(`orchestrator: port ${port} is in use: set PORT or server.port to a free port, or stop what listens on 127.0.0.1:${port}`);
      expect(stderr).not.toMatch(STACK);
      expect(r.exitCode).toBe(2);
      expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe("serve with a FIFO where its generated webhook secret is kept", () => {
  it("says which file and what to do, instead of waiting for a writer for good", async () => {
    const dir = await project();
    await execa("mkfifo", [path.join(dir, ".webhook-secret")]);
    const child = orchestratorBin(["serve"], { cwd: dir, env: { PORT: "0", HOST: "127.0.0.1", WEBHOOK_SECRET: undefined } });
    const r = await exitWithin(child, 20_000);
    const { stderr } = await child;
    expect(stderr).toMatch(/cannot read the webhook secret file .*\.webhook-secret: .*FIFO/);
    expect(stderr).toMatch(/Remove it \(a new secret is generated\) or set WEBHOOK_SECRET/);
    expect(stderr).not.toMatch(STACK);
    expect(r.exitCode).toBe(2);
    expect((await readdir(dir)).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });
});
