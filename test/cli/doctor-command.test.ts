import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { freePort, startService, type RunningService } from "../support/start-service.js";
import { orchestratorBin, tempDir } from "../support/run-orchestrator-bin.js";

// `orchestrator doctor` on the real bin (the fake claude as the CLI): lines, --json, the exit
// code; and `serve`'s start-up check in its banner, then doctor against that running service.

const made: string[] = [];
const make = async () => {
  const dir = await tempDir("orch-doctor-cli-");
  made.push(dir);
  return dir;
};
let service: RunningService | null = null;
afterEach(async () => {
  await service?.stop();
  service = null;
});
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

const env = (port: number, extra: Record<string, string> = {}) => ({ PORT: String(port), GIT_CEILING_DIRECTORIES: "/tmp", ...extra });

describe("orchestrator doctor", () => {
  it("exits 0 with one ✓ line per check in a git project (--offline skips the network)", async () => {
    const dir = await make();
    await execa("git", ["init", "-q"], { cwd: dir });
    const r = await orchestratorBin(["doctor", "--offline"], { cwd: dir, env: env(await freePort()) });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("✓ config valid (built-in defaults: no config.yaml)");
    expect(lines).toContain("✓ Claude CLI version 2.1.330 (Claude Code)");
    expect(lines).toContain("- Claude CLI login (a tiny real run): skipped (--offline)");
    expect(lines.at(-1)).toMatch(/^All checks pass \(\d+ ok, 0 warning\(s\), 0 failed, 3 skipped\)\.$/);
    expect(r.stderr).toBe("");
  });

  it("exits 1 when a check fails, and --json gives {ok, checks}", async () => {
    const dir = await make();
    const r = await orchestratorBin(["doctor", "--json"], { cwd: dir, env: env(await freePort(), { CLAUDE_CLI_PATH: "/nonexistent/claude" }) });
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; status: string; message: string; fix: string | null }[] };
    expect(out.ok).toBe(false);
    expect(out.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["config", "claude.found", "claude.version", "claude.login", "project_dir", "git", "telegram.token", "n8n", "port", "disk", "state", "state.lock"]));
    for (const c of out.checks) expect(["ok", "warn", "fail", "skip"]).toContain(c.status);
    expect(out.checks.find((c) => c.id === "claude.found")).toMatchObject({ status: "fail", fix: expect.stringContaining("CLAUDE_CLI_PATH") });
    expect(out.checks.find((c) => c.id === "git")?.status).toBe("warn"); // a warning alone would pass
  });

  it("prints the config loader's own message when config.yaml is bad, and skips the rest", async () => {
    const dir = await make();
    await writeFile(path.join(dir, "config.yaml"), "server:\n  port: lots\n");
    const r = await orchestratorBin(["doctor"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    const [first, second] = r.stdout.split("\n");
    expect(first).toMatch(/^✗ config: .*server\.port.*→ fix: correct config\.yaml/);
    expect(second).toBe("- the other checks: skipped (they need a valid config)");
  });

  it("serve's banner carries the start-up check; doctor then sees the service healthy and its live lock", async () => {
    const dir = await make();
    const port = await freePort();
    service = await startService(dir, env(port, { LOG_LEVEL: "info" }));
    const out = service.output();
    // Outside git: the fast subset warns, naming the fix, and the service starts anyway.
    expect(out).toMatch(/"msg":"⚠️ setup: git: .* is not in a git work tree: tasks run without snapshots, diff or rollback → fix: run 'git init' in /);
    expect(out).toMatch(/"msg":"setup: 6 of 7 start-up checks pass \(config, claude CLI, project_dir, git, disk, state\)/);
    const pid = service.process.pid;
    const r = await orchestratorBin(["doctor", "--offline"], { cwd: dir, env: env(port) });
    expect(r.stdout).toContain(`✓ the service is running (healthy) at http://127.0.0.1:${port}`);
    expect(r.stdout).toContain(`✓ state lock: locked by pid ${pid} (alive)`);
    expect(r.exitCode).toBe(0);
  }, 60_000);

  it("serve's banner says all start-up checks pass in a git project", async () => {
    const dir = await make();
    await execa("git", ["init", "-q"], { cwd: dir });
    service = await startService(dir, env(0));
    expect(service.output()).toMatch(/"msg":"setup: 7 of 7 start-up checks pass/);
    expect(service.output()).not.toContain("⚠️ setup:");
  }, 60_000);
});
