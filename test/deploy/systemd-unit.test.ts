import { describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stopDeadlineMs } from "../../src/cli/stop-deadline.js";
import { CONFIG_SECTIONS, defaultOf } from "../../src/config/config-schema.js";
import { REPO, tempDir } from "../support/run-orchestrator-bin.js";
import { readUnit, UNIT_FILE, unitSeconds, unitValue } from "./deploy-files.js";

const SYSTEMD_ANALYZE = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));
// Skipped, with the reason in its name, only where systemd is not installed.
const itVerify = SYSTEMD_ANALYZE ? it : it.skip;
const verifyNote = SYSTEMD_ANALYZE ? "" : " (SKIPPED: systemd-analyze is not installed)";

async function verify(unitPath: string) {
  return execa(SYSTEMD_ANALYZE!, ["verify", unitPath], { reject: false, env: { SYSTEMD_LOG_COLOR: "0" } });
}

/** The unit with its placeholders pointed at folders that exist here. */
async function rewrittenUnit(dir: string, edit: (text: string) => string = (t) => t): Promise<string> {
  const project = path.join(dir, "project");
  const home = path.join(dir, "home");
  await mkdir(project);
  await mkdir(home);
  const text = readFileSync(UNIT_FILE, "utf8")
    .replaceAll("/opt/orchestrator", REPO.replace(/\/$/, ""))
    .replaceAll("/srv/project", project)
    .replaceAll("/home/orchestrator", home);
  const file = path.join(dir, "orchestrator.service");
  await writeFile(file, edit(text));
  return file;
}

describe("deploy/orchestrator.service", () => {
  itVerify(`passes systemd-analyze verify as shipped, with no warning${verifyNote}`, async () => {
    const r = await verify(UNIT_FILE);
    expect({ exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({ exitCode: 0, stderr: "", stdout: "" });
  });

  itVerify(`passes verify with its paths pointed at this repo (the install folder) and real folders${verifyNote}`, async () => {
    const dir = await tempDir("orch-unit-");
    try {
      const file = await rewrittenUnit(dir);
      expect(readFileSync(file, "utf8")).toContain(`WorkingDirectory=${REPO.replace(/\/$/, "")}`);
      const r = await verify(file);
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  itVerify(`verify does read it: a misspelt key and a missing ExecStart binary are reported${verifyNote}`, async () => {
    const dir = await tempDir("orch-unit-");
    try {
      const file = await rewrittenUnit(dir, (t) => t.replace(/^KillMode=mixed$/m, "KilMode=mixed").replace(/^ExecStart=\/usr\/bin\/env/m, "ExecStart=/nonexistent/env"));
      const r = await verify(file);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain("Unknown key 'KilMode'");
      expect(r.stderr).toContain("/nonexistent/env");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stops later than the service's own deadline plus a kill grace (values read from the code)", () => {
    const killGrace = defaultOf(CONFIG_SECTIONS.claude.shape.kill_grace);
    expect(typeof killGrace).toBe("number");
    const deadlineS = stopDeadlineMs(killGrace as number) / 1000;
    const timeoutStop = unitSeconds(unitValue(readUnit(), "Service", "TimeoutStopSec") ?? "");
    expect(timeoutStop).toBeGreaterThan((killGrace as number) + deadlineS);
  });

  it("runs serve from the install folder, restarts on failure, and lets our shutdown end Claude", () => {
    const unit = readUnit();
    const s = (key: string) => unitValue(unit, "Service", key);
    const workDir = s("WorkingDirectory")!;
    expect(s("Type")).toBe("simple");
    expect(s("ExecStart")).toBe("/usr/bin/env node bin/orchestrator.js serve");
    // The script ExecStart names is package.json's bin, relative to WorkingDirectory.
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(Object.values(pkg.bin)).toContain("bin/orchestrator.js");
    expect(s("EnvironmentFile")).toBe(`-${workDir}/.env`);
    expect(s("Restart")).toBe("on-failure");
    expect(unitSeconds(s("RestartSec")!)).toBeGreaterThan(0);
    expect(s("KillMode")).toBe("mixed");
    expect(s("User")).toBeTruthy();
    expect(s("Group")).toBeTruthy();
  });

  it("is hardened but leaves the install folder, the project and the home (~/.claude) writable", () => {
    const unit = readUnit();
    const s = (key: string) => unitValue(unit, "Service", key);
    expect(s("NoNewPrivileges")).toBe("true");
    expect(s("PrivateTmp")).toBe("true");
    expect(s("ProtectSystem")).toBe("strict");
    const writable = (s("ReadWritePaths") ?? "").split(/\s+/);
    expect(writable).toEqual(expect.arrayContaining([s("WorkingDirectory"), "/srv/project", "/home/orchestrator"]));
    // Read-only or hidden homes would lose Claude's login (~/.claude/.credentials.json) at its first refresh.
    expect(["read-only", "yes", "true"]).not.toContain(s("ProtectHome") ?? "no");
    // Node's JIT needs W+X memory.
    expect(s("MemoryDenyWriteExecute")).toBeUndefined();
  });
});
