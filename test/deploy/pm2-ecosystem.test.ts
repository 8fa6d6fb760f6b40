import { describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { REPO, tempDir } from "../support/run-orchestrator-bin.js";
import { ECOSYSTEM_FILE, loadEcosystem, readUnit, unitCommand, unitSeconds, unitValue } from "./deploy-files.js";

describe("deploy/ecosystem.config.cjs", () => {
  it("loads with require() and runs the unit's command from the install folder", () => {
    const apps = loadEcosystem();
    expect(apps).toHaveLength(1);
    const app = apps[0];
    expect(app.interpreter).toBe("none");
    // No .env in a fresh clone: no --env-file (Node 20 refuses a missing one).
    const command = [app.script, ...app.args.filter((a) => !a.startsWith("--env-file="))];
    expect(command).toEqual(unitCommand());
    expect(path.resolve(app.cwd)).toBe(path.resolve(REPO));
  });

  it("waits as long as the unit's TimeoutStopSec before SIGKILL, and restarts with a delay and a limit", () => {
    const app = loadEcosystem()[0];
    const timeoutStop = unitSeconds(unitValue(readUnit(), "Service", "TimeoutStopSec") ?? "");
    expect(app.kill_timeout).toBe(timeoutStop * 1000);
    expect(app.kill_signal).toBe(unitValue(readUnit(), "Service", "KillSignal"));
    expect(app.autorestart).toBe(true);
    expect(app.max_restarts).toBeGreaterThan(0);
    expect(app.restart_delay).toBeGreaterThan(0);
    expect(app.min_uptime).toBeGreaterThan(0);
    expect({ instances: app.instances, exec_mode: app.exec_mode }).toEqual({ instances: 1, exec_mode: "fork" });
  });

  it("loads an existing .env into the environment with node's --env-file, and Node really reads it", async () => {
    const dir = await tempDir("orch-pm2-");
    try {
      // The ecosystem file finds .env in the folder above its own: a copy laid out the same way.
      await mkdir(path.join(dir, "deploy"));
      const copy = path.join(dir, "deploy/ecosystem.config.cjs");
      await copyFile(ECOSYSTEM_FILE, copy);
      await writeFile(path.join(dir, ".env"), "ANTHROPIC_API_KEY=sk-test-from-dotenv\n");
      const app = loadEcosystem(copy)[0];
      const envFile = path.join(dir, ".env");
      expect(app.args).toEqual([`--env-file=${envFile}`, ...unitCommand().slice(1)]);
      expect(app.cwd).toBe(dir);
      // The flag pm2 passes, given to node for real: the variable reaches the process (and so Claude).
      const print = (env: Record<string, string>) => execa("node", [app.args[0], "-p", "process.env.ANTHROPIC_API_KEY"], { reject: false, env: { PATH: process.env.PATH ?? "", ...env }, extendEnv: false });
      expect((await print({})).stdout.trim()).toBe("sk-test-from-dotenv");
      // The environment pm2 was started with wins over the file, as with systemd and compose.
      expect((await print({ ANTHROPIC_API_KEY: "from-the-shell" })).stdout.trim()).toBe("from-the-shell");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
