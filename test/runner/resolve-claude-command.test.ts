import { afterAll, describe, expect, it } from "@jest/globals";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import { findOnPath, PROJECT_CLAUDE, resolveClaudeCommand } from "../../src/runner/resolve-claude-command.js";
import { REPO } from "../support/run-orchestrator-bin.js";
import { FAKE_CLAUDE, fakeConfig, removeDir, tempDir } from "./runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A folder with an executable `claude` script (and a non-executable one in `noexec/`). */
function bins(): { dir: string; withClaude: string; empty: string; noexec: string; project: string } {
  const dir = tempDir("resolve-claude-");
  dirs.push(dir);
  const make = (sub: string, mode: number) => {
    mkdirSync(path.join(dir, sub), { recursive: true });
    const file = path.join(dir, sub, "claude");
    writeFileSync(file, "#!/bin/sh\necho claude\n");
    chmodSync(file, mode);
    return path.join(dir, sub);
  };
  const withClaude = make("bin", 0o755);
  const noexec = make("noexec", 0o644);
  const project = path.join(make("project/node_modules/@anthropic-ai/claude-code/bin", 0o755), "claude");
  mkdirSync(path.join(dir, "project/node_modules/.bin"), { recursive: true });
  symlinkSync(project, path.join(dir, "project/node_modules/.bin/claude")); // like npm's .bin link
  mkdirSync(path.join(dir, "empty"));
  return { dir, withClaude, empty: path.join(dir, "empty"), noexec, project: path.join(dir, "project/node_modules/.bin/claude") };
}

describe("resolveClaudeCommand", () => {
  it("points at this package's own node_modules/.bin/claude", () => {
    expect(PROJECT_CLAUDE).toBe(path.join(REPO, "node_modules/.bin/claude"));
  });

  it("keeps an explicit command: a path, or anything but the bare default", async () => {
    const b = bins();
    for (const command of [["/opt/claude"], ["./tools/claude", "-p"], ["claude-beta"]]) {
      expect(await resolveClaudeCommand(command, { env: { PATH: b.empty }, projectClaude: b.project })).toEqual({ command, source: "configured" });
    }
  });

  it("keeps `claude` when CLAUDE_CLI_PATH names it (the person chose it)", async () => {
    const b = bins();
    expect(await resolveClaudeCommand(["claude"], { env: { PATH: b.empty, CLAUDE_CLI_PATH: "claude" }, projectClaude: b.project })).toEqual({
      command: ["claude"],
      source: "configured",
    });
  });

  it("uses claude from PATH first", async () => {
    const b = bins();
    const env = { PATH: `${b.empty}:${b.noexec}:${b.withClaude}` };
    expect(await findOnPath(env)).toBe(path.join(b.withClaude, "claude"));
    expect(await resolveClaudeCommand(["claude", "--debug"], { env, projectClaude: b.project })).toEqual({ command: ["claude", "--debug"], source: "path" });
  });

  it("falls back to the project's own copy when PATH has none (a non-executable file does not count)", async () => {
    const b = bins();
    expect(await resolveClaudeCommand(["claude", "--debug"], { env: { PATH: `${b.empty}:${b.noexec}::` }, projectClaude: b.project })).toEqual({
      command: [b.project, "--debug"],
      source: "project",
    });
    expect(await resolveClaudeCommand(["claude"], { env: {}, projectClaude: b.project })).toEqual({ command: [b.project], source: "project" });
  });

  it("keeps `claude` when there is neither, so the run says it is not found", async () => {
    const b = bins();
    const env = { PATH: b.empty };
    expect(await resolveClaudeCommand(["claude"], { env, projectClaude: path.join(b.dir, "missing/claude") })).toEqual({ command: ["claude"], source: "missing" });
    expect(await resolveClaudeCommand(["claude"], { env, projectClaude: null })).toEqual({ command: ["claude"], source: "missing" });
  });

  it("finds claude.exe / claude.cmd through PATHEXT on Windows", async () => {
    const b = bins();
    writeFileSync(path.join(b.empty, "claude.cmd"), "@echo off\n");
    chmodSync(path.join(b.empty, "claude.cmd"), 0o755);
    expect(await findOnPath({ PATH: b.empty, PATHEXT: ".exe;.cmd" }, "win32")).toBe(path.join(b.empty, "claude.cmd"));
  });
});

describe("ClaudeRunner with the bare default command", () => {
  it("runs the project's copy when PATH has no claude", async () => {
    const b = bins();
    // A stand-in for node_modules/.bin/claude: the fake CLI behind a shell wrapper.
    const wrapper = path.join(b.dir, "project-claude");
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CLAUDE}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const runner = new ClaudeRunner(fakeConfig(b.dir, { command: ["claude"] }), { env: { PATH: `${b.empty}:/usr/bin:/bin` }, dropEnv: [], projectClaude: wrapper });
    const outcome = await runner.run({ prompt: "Do it.", logFile: path.join(b.dir, "t.log") });
    expect(outcome).toMatchObject({ ok: true, kind: "success" });
  });

  it("says how to get claude when there is none anywhere", async () => {
    const b = bins();
    const runner = new ClaudeRunner(fakeConfig(b.dir, { command: ["claude"] }), { env: { PATH: b.empty }, dropEnv: [], projectClaude: null });
    const outcome = await runner.run({ prompt: "Do it.", logFile: path.join(b.dir, "t.log") });
    expect(outcome).toMatchObject({
      ok: false,
      kind: "not_found",
      reason: "claude not found: install Claude Code (npm install -g @anthropic-ai/claude-code), or set CLAUDE_CLI_PATH or claude.command (tried 'claude')",
    });
  });
});
