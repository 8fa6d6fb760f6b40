import { afterAll, describe, expect, it } from "@jest/globals";
import { rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

import { orchestratorBin, tempDir } from "../support/run-orchestrator-bin.js";

// The real bin reads config.yaml, the .env beside it and its environment: a client command
// names the address it tried, which shows which source won.
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A port nothing listens on (just freed by the OS). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("orch-config-");
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

// Variables the test's own environment might hold must not decide the outcome.
const CLEAN = { PORT: undefined, HOST: undefined, WEBHOOK_SECRET: undefined, ORCH_TEST_PORT: undefined };

const CONFIG = [
  "server:",
  "  host: 127.0.0.1",
  '  port: "${ORCH_TEST_PORT:-1}"',
  "webhooks:",
  '  secret: "${ORCH_TEST_SECRET}"',
  "",
].join("\n");

describe("the real bin's configuration sources", () => {
  it("expands ${VAR} in config.yaml from .env, and the environment wins over .env", async () => {
    const [fromDotenv, fromEnv] = [await freePort(), await freePort()];
    const dir = await project({ "config.yaml": CONFIG, ".env": `ORCH_TEST_PORT=${fromDotenv}\nORCH_TEST_SECRET=test-secret\n` });

    const viaDotenv = await orchestratorBin(["pause"], { cwd: dir, env: CLEAN });
    expect(viaDotenv.exitCode).toBe(5);
    expect(viaDotenv.stderr).toContain(`no orchestrator is serving at http://127.0.0.1:${fromDotenv}`);

    const viaEnv = await orchestratorBin(["pause"], { cwd: dir, env: { ...CLEAN, ORCH_TEST_PORT: String(fromEnv) } });
    expect(viaEnv.exitCode).toBe(5);
    expect(viaEnv.stderr).toContain(`no orchestrator is serving at http://127.0.0.1:${fromEnv}`);
  });

  it("refuses shell syntax in claude.command with exit 2, naming the key", async () => {
    const dir = await project({ "config.yaml": 'claude:\n  command: "claude -p ; rm -rf ~"\n' });
    // CLAUDE_CLI_PATH would replace claude.command: leave the file's command in force.
    const r = await orchestratorBin(["status"], { cwd: dir, env: { ...CLEAN, CLAUDE_CLI_PATH: undefined } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('config.yaml: claude.command cannot be split into arguments: it has the shell operator ";"');
    expect(r.stderr).toContain("put it in quotes ('...') to pass it as an argument, or give the command as a YAML list");
  });
});
