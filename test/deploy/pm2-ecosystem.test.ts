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

  it("serves another folder when ORCHESTRATOR_HOME is set: its cwd and .env, the bin named by its absolute path", async () => {
    // A fresh copy (jest keeps the first require() of a path), laid out as an install.
    const install = await tempDir("orch-pm2-install-");
    const home = await tempDir("orch-pm2-home-");
    const before = process.env.ORCHESTRATOR_HOME;
    try {
      await mkdir(path.join(install, "deploy"));
      await copyFile(ECOSYSTEM_FILE, path.join(install, "deploy/ecosystem.config.cjs"));
      await writeFile(path.join(home, ".env"), "WEBHOOK_SECRET=s\n");
      process.env.ORCHESTRATOR_HOME = home;
      const app = loadEcosystem(path.join(install, "deploy/ecosystem.config.cjs"))[0];
      expect(app.cwd).toBe(home);
      const [node, bin, ...rest] = unitCommand();
      expect([app.script, ...app.args]).toEqual([node, `--env-file=${path.join(home, ".env")}`, path.join(install, bin), ...rest]);
    } finally {
      if (before === undefined) delete process.env.ORCHESTRATOR_HOME;
      else process.env.ORCHESTRATOR_HOME = before;
      await rm(install, { recursive: true, force: true });
      await rm(home, { recursive: true, force: true });
    }
  });

  it("waits as long as the unit's TimeoutStopSec before SIGKILL, and restarts with a delay and a limit", () => {
    const app = loadEcosystem()[0];
    const timeoutStop = unitSeconds(unitValue(readUnit(), "Service", "TimeoutStopSec") ?? "");
    expect(app.kill_timeout).toBe(timeoutStop * 1000);
    // pm2 7 has no per-app stop signal (it sends SIGINT; test/real-pm2 checks serve stops on it):
    // what matches the unit's KillMode=mixed is that only the main process is signalled.
    expect(unitValue(readUnit(), "Service", "KillMode")).toBe("mixed");
    expect(app.treekill).toBe(false);
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
