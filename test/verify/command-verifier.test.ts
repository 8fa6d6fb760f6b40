// CommandVerifier: the environment rules of the runner, the markers, and the report for the state.
import { describe, it, expect, afterAll } from "@jest/globals";
import path from "node:path";
import { RUN_MARKER_ENV, STATE_MARKER_ENV } from "../../src/runner/kill-run-leftovers.js";
import { CommandVerifier, toReport } from "../../src/verify/command-verifier.js";
import { fixture, killQuietly, node, readLog, readPids, removeTempDirs, tempDir, waitGone } from "./verify-test-helpers.js";

afterAll(removeTempDirs);

/** Unique per test: the verifier ends every process carrying it, in any test run on this machine. */
const newMarker = () => `verify-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

const verifier = (projectDir: string) =>
  new CommandVerifier({
    projectDir,
    env: { PATH: process.env.PATH, BOT_TOKEN: "secret", CLAUDECODE: "1", KEPT: "yes", UNSET: undefined },
    dropEnv: ["BOT_TOKEN"],
    timeoutS: 10,
    killGraceS: 0.3,
    stateMarker: "state-mark",
  });

describe("CommandVerifier", () => {
  it("drops secrets, adds the markers, and reports for the state", async () => {
    const dir = tempDir();
    const logFile = path.join(dir, "logs", "task-1-verify.log");
    const runMarker = newMarker();
    const report = await verifier(dir).verify({
      commands: ["node -e 'console.log(JSON.stringify(process.env))'"],
      deliverables: [],
      logFile,
      runMarker,
      signal: new AbortController().signal,
    });
    expect(report.cancelled).toBe(false);
    expect(report.feedback).toBe("");
    expect(report.record).toMatchObject({ passed: true, missing: [], failure: null });
    expect(report.record.summary).toMatch(/^✅ verified: node -e .* \(\d+(\.\d)? s\)$/);
    expect(report.record.commands).toEqual([{ command: expect.stringMatching(/^node -e/), exit_code: 0, duration_s: expect.any(Number), log: logFile }]);
    const env = JSON.parse(readLog(logFile).split("\n")[1] ?? "{}") as Record<string, string>;
    expect(env).toEqual({ PATH: process.env.PATH, KEPT: "yes", [STATE_MARKER_ENV]: "state-mark", [RUN_MARKER_ENV]: runMarker });
  });

  it("ends a process that left the command's group, by the run marker", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "pids.json");
    const report = await verifier(dir).verify({
      commands: [node(fixture("escape-group.mjs"), pidFile)],
      deliverables: [],
      logFile: path.join(dir, "v.log"),
      runMarker: newMarker(),
      signal: new AbortController().signal,
    });
    const { grandchild_pid } = readPids(pidFile);
    try {
      expect(report.record.passed).toBe(true);
      expect(await waitGone(grandchild_pid)).toBe(true);
    } finally {
      killQuietly(grandchild_pid);
    }
  });

  it("a failure carries the feedback for Claude and the summary for people", () => {
    const report = toReport({
      passed: false,
      cancelled: false,
      commands: [{ command: "npm test", exit_code: 1, signal: null, duration_s: 2.3, timed_out: false, log: "/l", error: null }],
      missing: [],
      failure: "npm test exited 1: 2 failing",
      output_tail: "2 failing",
    });
    expect(report).toEqual({
      record: {
        passed: false,
        commands: [{ command: "npm test", exit_code: 1, duration_s: 2.3, log: "/l" }],
        missing: [],
        failure: "npm test exited 1: 2 failing",
        summary: "❌ npm test failed (exit 1)",
        log_error: null,
      },
      cancelled: false,
      feedback: "Verification failed: `npm test` exited 1.\n\nThe end of its output:\n```\n2 failing\n```\n\nFix it.",
      fixable: true,
    });
  });

  it("a command that could not run at all is not Claude's to fix", () => {
    const report = toReport({
      passed: false,
      cancelled: false,
      commands: [{ command: "npx-typo", exit_code: null, signal: null, duration_s: 0, timed_out: false, log: null, error: "not found: npx-typo" }],
      missing: [],
      failure: "npx-typo could not run: not found: npx-typo",
      failure_kind: "not_run",
      output_tail: "",
    });
    expect(report.fixable).toBe(false);
  });
});
