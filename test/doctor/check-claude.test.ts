import { afterEach, describe, expect, it } from "@jest/globals";
import { claudeFoundCheck, claudeLoginCheck, claudeVersionCheck } from "../../src/doctor/check-claude.js";
import { byId, envWith, NOT_LOGGED_IN_CLAUDE, runChecks, tempDirs } from "./doctor-support.js";

// The Claude CLI checks on real child processes: the fake claude, a CLI with no credentials,
// a path that is not there, and a run that hangs past its bound.

const CHECKS = [claudeFoundCheck, claudeVersionCheck, claudeLoginCheck];
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe("claude checks", () => {
  it("finds the fake claude, reads its version, and its tiny run answers", async () => {
    const r = await runChecks(await dirs.make(), CHECKS, envWith());
    expect(byId(r, "claude.found")).toMatchObject({ status: "ok", message: expect.stringContaining("fake-claude.mjs (from CLAUDE_CLI_PATH") });
    expect(byId(r, "claude.version")).toMatchObject({ status: "ok", message: "Claude CLI version 2.1.330 (Claude Code)" });
    expect(byId(r, "claude.login")).toMatchObject({ status: "ok", message: expect.stringMatching(/^Claude CLI logged in \(a tiny run answered in [\d.]+ s\)$/) });
  });

  it("says not logged in, with the fix, when the CLI has no credentials", async () => {
    const r = await runChecks(await dirs.make(), CHECKS, envWith({ CLAUDE_CLI_PATH: NOT_LOGGED_IN_CLAUDE }));
    expect(byId(r, "claude.version").status).toBe("ok");
    const login = byId(r, "claude.login");
    expect(login.status).toBe("fail");
    expect(login.message).toContain("Not logged in · Please run /login");
    expect(login.fix).toBe("run 'claude' once and /login, or set ANTHROPIC_API_KEY");
  });

  it("fails 'not found' with the install fix, and skips version and login", async () => {
    const r = await runChecks(await dirs.make(), CHECKS, envWith({ CLAUDE_CLI_PATH: "/nonexistent/claude" }));
    expect(byId(r, "claude.found")).toMatchObject({ status: "fail", message: expect.stringContaining("/nonexistent/claude (from CLAUDE_CLI_PATH / claude.command) is not an executable file") });
    expect(byId(r, "claude.found").fix).toContain("CLAUDE_CLI_PATH");
    expect(byId(r, "claude.version").status).toBe("skip");
    expect(byId(r, "claude.login").status).toBe("skip");
  });

  it("ends a tiny run that hangs at its bound", async () => {
    const started = Date.now();
    const r = await runChecks(await dirs.make(), [claudeLoginCheck], envWith({ FAKE_CLAUDE_SCENARIO: "hang" }), { timeouts: { claudeLogin: 1_000 } });
    expect(byId(r, "claude.login")).toMatchObject({ status: "fail", message: expect.stringContaining("no answer within 1 s") });
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);

  it("skips the tiny run with --offline", async () => {
    const r = await runChecks(await dirs.make(), CHECKS, envWith({ CLAUDE_CLI_PATH: NOT_LOGGED_IN_CLAUDE }), { offline: true });
    expect(byId(r, "claude.login")).toMatchObject({ status: "skip", message: expect.stringContaining("skipped (--offline)") });
    expect(byId(r, "claude.version").status).toBe("ok");
  });
});
