// runVerification with real child processes in temp dirs: commands, the log, env, deliverables.
import { describe, it, expect, afterAll, beforeAll } from "@jest/globals";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runVerification } from "../../src/verify/run-verification.js";
import { node, readLog, removeTempDirs, request, tempDir } from "./verify-test-helpers.js";

afterAll(removeTempDirs);

const FAILING = `node -e "console.log('a');console.error('boom');process.exit(3)"`;

describe("runVerification: commands", () => {
  it("passes when every command exits 0, and logs each with a header and a footer", async () => {
    const req = request({ commands: ["node -e 'console.log(\"hello\")'", "node --version"] });
    const result = await runVerification(req);
    expect(result).toMatchObject({ passed: true, cancelled: false, failure: null, failure_kind: null, output_tail: "", missing: [] });
    expect(result.commands.map((c) => [c.command, c.exit_code, c.signal, c.timed_out, c.error, c.log])).toEqual([
      [req.commands[0], 0, null, false, null, req.logFile],
      [req.commands[1], 0, null, false, null, req.logFile],
    ]);
    for (const c of result.commands) expect(c.duration_s).toBeGreaterThanOrEqual(0);
    const lines = readLog(req.logFile).split("\n");
    expect(lines[0]).toBe(`$ ${req.commands[0]}`);
    expect(lines[1]).toBe("hello");
    expect(lines[2]).toMatch(/^\[exit 0 after \d+\.\d s\]$/);
    expect(lines[3]).toBe("$ node --version");
    expect(lines[4]).toBe(process.version);
    expect(lines[5]).toMatch(/^\[exit 0 after \d+\.\d s\]$/);
    expect(lines.slice(6)).toEqual([""]);
  });

  it("stops at the first failing command: its last output line, its tail, and the next is not run", async () => {
    const req = request();
    const marker = path.join(req.projectDir, "second-ran");
    req.commands = [FAILING, node("-e", `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`)];
    const result = await runVerification(req);
    expect(result).toMatchObject({ passed: false, cancelled: false, failure_kind: "exit", failure: `${FAILING} exited 3: boom` });
    expect(result.commands).toHaveLength(1);
    expect(result.commands[0]).toMatchObject({ exit_code: 3, signal: null, timed_out: false, error: null, log: req.logFile });
    expect(result.output_tail).toBe("a\nboom");
    expect(existsSync(marker)).toBe(false);
    expect(readLog(req.logFile)).toMatch(/^\$ node -e .*\na\nboom\n\[exit 3 after \d+\.\d s\]\n$/);
  });

  it("appends to an existing log and starts a footer on its own line after output without a newline", async () => {
    const req = request();
    mkdirSync(path.dirname(req.logFile), { recursive: true });
    writeFileSync(req.logFile, "earlier\n");
    req.commands = ["node -e 'process.stdout.write(\"no newline\")'"];
    await runVerification(req);
    expect(readLog(req.logFile)).toMatch(/^earlier\n\$ node -e .*\nno newline\n\[exit 0 after \d+\.\d s\]\n$/);
  });

  it("a command that is not found fails without running anything after it", async () => {
    const req = request({ commands: ["npx-typo-verify --version", "node --version"] });
    const result = await runVerification(req);
    expect(result).toMatchObject({
      passed: false,
      failure_kind: "not_run",
      failure: "npx-typo-verify --version could not run: not found: npx-typo-verify",
      output_tail: "",
    });
    expect(result.commands).toEqual([
      expect.objectContaining({ exit_code: null, signal: null, timed_out: false, error: "not found: npx-typo-verify", log: req.logFile }),
    ]);
    expect(readLog(req.logFile)).toBe("$ npx-typo-verify --version\n[not run: not found: npx-typo-verify]\n");
  });

  it("a command with shell syntax is refused, never run", async () => {
    const req = request();
    req.commands = ["touch ran && echo b", "node --version"];
    const result = await runVerification(req);
    expect(result.passed).toBe(false);
    expect(result.failure_kind).toBe("not_run");
    expect(result.commands).toHaveLength(1);
    expect(result.commands[0]?.error).toMatch(/the shell operator "&&", and no shell runs this command/);
    expect(result.failure).toMatch(/^touch ran && echo b could not run: it has the shell operator "&&"/);
    expect(existsSync(path.join(req.projectDir, "ran"))).toBe(false);
  });

  it("an unterminated quote and an empty command are refused too", async () => {
    const quote = await runVerification(request({ commands: ["node -e 'open"] }));
    expect(quote.commands[0]?.error).toMatch(/unterminated single quote/);
    const empty = await runVerification(request({ commands: ["   "] }));
    expect(empty.commands[0]?.error).toBe("the command is empty");
    expect(empty.passed).toBe(false);
  });

  it("a command killed by a signal fails with that signal", async () => {
    const result = await runVerification(request({ commands: ["node -e 'console.log(\"dying\"); process.kill(process.pid, \"SIGTERM\")'"] }));
    expect(result).toMatchObject({ passed: false, failure_kind: "signal", output_tail: "dying" });
    expect(result.commands[0]).toMatchObject({ exit_code: null, signal: "SIGTERM", timed_out: false, error: null });
    expect(result.failure).toMatch(/ was killed by SIGTERM: dying$/);
  });

  it("runs in the project folder", async () => {
    const req = request({ commands: ["node -e 'process.exit(process.cwd() === process.argv[1] ? 0 : 1)'"] });
    req.commands[0] += ` '${req.projectDir}'`;
    expect((await runVerification(req)).passed).toBe(true);
  });

  it("a project folder that does not exist fails the first command without running it", async () => {
    const dir = tempDir();
    const req = request({ projectDir: path.join(dir, "gone"), logFile: path.join(dir, "v.log"), commands: ["node --version"] });
    const result = await runVerification(req);
    expect(result.passed).toBe(false);
    expect(result.commands[0]?.error).toBe(`the project folder ${path.join(dir, "gone")} does not exist or is not a folder`);
  });
});

describe("runVerification: environment", () => {
  const LEAK = "VERIFY_TEST_NOT_PASSED";
  beforeAll(() => {
    process.env[LEAK] = "leak";
  });
  afterAll(() => {
    delete process.env[LEAK];
  });

  it("the child sees exactly the env passed, nothing of ours", async () => {
    const req = request({ env: { PATH: process.env.PATH ?? "", VERIFY_MARK: "yes" } });
    req.commands = ["node -e 'console.log(JSON.stringify(process.env))'"];
    const result = await runVerification(req);
    expect(result.passed).toBe(true);
    const seen = JSON.parse(readLog(req.logFile).split("\n")[1] ?? "{}") as Record<string, string>;
    expect(seen).toEqual({ PATH: process.env.PATH, VERIFY_MARK: "yes" });
    expect(process.env[LEAK]).toBe("leak"); // it was there to leak
  });
});

describe("runVerification: the log", () => {
  it("an empty request passes at once and writes no log", async () => {
    const req = request();
    const result = await runVerification(req);
    expect(result).toMatchObject({ passed: true, cancelled: false, commands: [], missing: [], failure: null, output_tail: "" });
    expect(existsSync(path.dirname(req.logFile))).toBe(false);
  });

  it("a log that cannot be opened does not fail verification; the tail is still kept", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a-file"), "");
    const req = request({ logFile: path.join(dir, "a-file", "verify.log"), commands: ["node --version", FAILING] });
    const result = await runVerification(req);
    expect(result.commands.map((c) => c.log)).toEqual([null, null]);
    expect(result.commands[0]?.exit_code).toBe(0);
    expect(result.failure).toMatch(/exited 3: boom$/);
    expect(result.output_tail).toBe("a\nboom");
    expect(result.log_error).toMatch(/^could not open the verification log: /);

    const ok = await runVerification({ ...req, commands: ["node --version"] });
    expect(ok.passed).toBe(true);
  });
});

describe("runVerification: deliverables", () => {
  it("present files and folders pass; missing ones fail with their reasons, checked even after no commands", async () => {
    const req = request();
    const outside = path.join(path.dirname(req.projectDir), `${path.basename(req.projectDir)}-outside.txt`);
    writeFileSync(outside, "exists, but not in the project");
    try {
      mkdirSync(path.join(req.projectDir, "dist"));
      writeFileSync(path.join(req.projectDir, "dist", "app.js"), "");
      req.deliverables = ["dist/app.js", "dist", path.join(req.projectDir, "dist", "app.js"), "dist/missing.js", `../${path.basename(outside)}`, outside, "dist/app.js"];
      const result = await runVerification(req);
      expect(result.passed).toBe(false);
      expect(result.failure_kind).toBe("missing");
      expect(result.missing).toEqual(["dist/missing.js", `../${path.basename(outside)}`, outside]);
      expect(result.missing_reasons).toEqual({
        "dist/missing.js": "does not exist",
        [`../${path.basename(outside)}`]: `is outside the project folder ${req.projectDir}`,
        [outside]: `is outside the project folder ${req.projectDir}`,
      });
      expect(result.failure).toBe(
        `deliverables missing: dist/missing.js, ../${path.basename(outside)} (is outside the project folder ${req.projectDir}), ` +
          `${outside} (is outside the project folder ${req.projectDir})`,
      );
      expect(existsSync(req.logFile)).toBe(false); // no commands, no log
    } finally {
      rmSync(outside, { force: true });
    }
  });

  it("all present: passes", async () => {
    const req = request({ deliverables: ["out.txt"] });
    writeFileSync(path.join(req.projectDir, "out.txt"), "");
    expect(await runVerification(req)).toMatchObject({ passed: true, missing: [], deliverables: ["out.txt"] });
  });

  it("a command may create a deliverable; a failed command still has missing deliverables listed", async () => {
    const req = request({ deliverables: ["made.txt"], commands: ["node -e 'require(\"fs\").writeFileSync(\"made.txt\", \"x\")'"] });
    expect((await runVerification(req)).passed).toBe(true);
    expect(readFileSync(path.join(req.projectDir, "made.txt"), "utf8")).toBe("x");

    const failed = await runVerification(request({ deliverables: ["nope.txt"], commands: [FAILING] }));
    expect(failed).toMatchObject({ failure_kind: "exit", missing: ["nope.txt"] });
  });
});
