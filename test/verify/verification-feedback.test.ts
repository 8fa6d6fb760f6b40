// The texts made from a result: the prompt back to Claude, and the line for people.
import { describe, it, expect } from "@jest/globals";
import type { VerificationResult, VerifyCommandResult } from "../../src/verify/verification.js";
import { describeVerification, verificationFeedback } from "../../src/verify/verification-feedback.js";
import { formatDuration, formatSeconds } from "../../src/verify/describe-command.js";

const cmd = (over: Partial<VerifyCommandResult> = {}): VerifyCommandResult => ({
  command: "npm test",
  exit_code: 0,
  signal: null,
  duration_s: 12.2,
  timed_out: false,
  log: "/logs/v.log",
  error: null,
  ...over,
});

const result = (over: Partial<VerificationResult> = {}): VerificationResult => ({
  passed: false,
  cancelled: false,
  commands: [],
  missing: [],
  failure: null,
  output_tail: "",
  ...over,
});

describe("verificationFeedback", () => {
  it("a failing command: what it did, the end of its output, Fix it", () => {
    const r = result({ commands: [cmd({ exit_code: 1 })], output_tail: "  ✕ adds\n2 failing" });
    expect(verificationFeedback(r)).toBe("Verification failed: `npm test` exited 1.\n\nThe end of its output:\n```\n  ✕ adds\n2 failing\n```\n\nFix it.");
  });

  it("only the failing (last) command is named, and one that printed nothing says so", () => {
    const r = result({ commands: [cmd(), cmd({ command: "npm run lint", exit_code: 2 })] });
    expect(verificationFeedback(r)).toBe("Verification failed: `npm run lint` exited 2.\n\nIt printed nothing.\n\nFix it.");
  });

  it("a timeout, a signal, a command that could not run", () => {
    const timedOut = cmd({ exit_code: null, signal: "SIGKILL", timed_out: true, error: "timed out after 600 s" });
    expect(verificationFeedback(result({ commands: [timedOut], output_tail: "waiting" }))).toMatch(/^Verification failed: `npm test` timed out after 600 s\.\n\nThe end of its output:\n```\nwaiting\n```/);
    expect(verificationFeedback(result({ commands: [cmd({ exit_code: null, signal: "SIGSEGV" })] }))).toBe(
      "Verification failed: `npm test` was killed by SIGSEGV.\n\nIt printed nothing.\n\nFix it.",
    );
    expect(verificationFeedback(result({ commands: [cmd({ command: "npx-typo", exit_code: null, error: "not found: npx-typo" })] }))).toBe(
      "Verification failed: `npx-typo` could not run: not found: npx-typo.\n\nFix it.",
    );
  });

  it("a missing deliverable, several with their reasons, and one missing besides a failed command", () => {
    expect(verificationFeedback(result({ missing: ["dist/app.js"] }))).toBe("Verification failed: the deliverable dist/app.js does not exist.\n\nFix it.");
    const two = result({ missing: ["dist/app.js", "../x"], missing_reasons: { "dist/app.js": "does not exist", "../x": "is outside the project folder /p" } });
    expect(verificationFeedback(two)).toBe(
      "Verification failed: these deliverables are missing:\n- dist/app.js does not exist\n- ../x is outside the project folder /p\n\nFix it.",
    );
    const both = result({ commands: [cmd({ exit_code: 1 })], output_tail: "boom", missing: ["out.txt"] });
    expect(verificationFeedback(both)).toBe(
      "Verification failed: `npm test` exited 1.\n\nThe end of its output:\n```\nboom\n```\n\nAlso, the deliverable out.txt does not exist.\n\nFix it.",
    );
  });

  it("output holding a fence gets a longer one; a command holding a backtick stays one code span", () => {
    const r = result({ commands: [cmd({ command: "node -e 'a`b'", exit_code: 1 })], output_tail: "```js\nx\n```" });
    expect(verificationFeedback(r)).toBe("Verification failed: ``node -e 'a`b'`` exited 1.\n\nThe end of its output:\n````\n```js\nx\n```\n````\n\nFix it.");
  });

  it("passed and cancelled results say so", () => {
    expect(verificationFeedback(result({ passed: true }))).toBe("Verification passed.");
    expect(verificationFeedback(result({ cancelled: true }))).toBe("Verification was cancelled.");
  });
});

describe("describeVerification", () => {
  it("passed: each command with its time, then the deliverables", () => {
    const r = result({ passed: true, commands: [cmd({ duration_s: 12.2 }), cmd({ command: "npm run lint", duration_s: 3 })] });
    expect(describeVerification(r)).toBe("✅ verified: npm test (12 s), npm run lint (3 s)");
    expect(describeVerification({ ...r, deliverables: ["dist/app.js"] })).toBe("✅ verified: npm test (12 s), npm run lint (3 s), dist/app.js present");
    expect(describeVerification(result({ passed: true, deliverables: ["a", "b", "c", "d"] }))).toBe("✅ verified: 4 deliverables present");
    expect(describeVerification(result({ passed: true }))).toBe("✅ verified (nothing to check)");
  });

  it("failed: the command and how it ended, or what is missing", () => {
    expect(describeVerification(result({ commands: [cmd(), cmd({ command: "npm run lint", exit_code: 1 })] }))).toBe("❌ npm run lint failed (exit 1)");
    expect(describeVerification(result({ commands: [cmd({ exit_code: null, signal: "SIGSEGV" })] }))).toBe("❌ npm test failed (killed by SIGSEGV)");
    expect(describeVerification(result({ commands: [cmd({ exit_code: null, signal: "SIGKILL", timed_out: true, error: "timed out after 600 s" })] }))).toBe(
      "❌ npm test timed out after 600 s",
    );
    expect(describeVerification(result({ commands: [cmd({ command: "x", exit_code: null, error: "not found: x" })] }))).toBe("❌ x could not run: not found: x");
    expect(describeVerification(result({ missing: ["dist/app.js"] }))).toBe("❌ deliverable missing: dist/app.js");
    expect(describeVerification(result({ missing: ["a", "/etc/x"], missing_reasons: { "/etc/x": "is outside the project folder /p" } }))).toBe(
      "❌ deliverables missing: a, /etc/x (is outside the project folder /p)",
    );
  });

  it("cancelled: during which command", () => {
    const r = result({ cancelled: true, commands: [cmd({ exit_code: null, signal: "SIGTERM", cancelled: true, error: "cancelled" })] });
    expect(describeVerification(r)).toBe("⏹ verification cancelled during npm test");
    expect(describeVerification(result({ cancelled: true }))).toBe("⏹ verification cancelled");
  });
});

describe("durations", () => {
  it.each([
    [0.04, "0 s"],
    [2.34, "2.3 s"],
    [3, "3 s"],
    [12.4, "12 s"],
    [60, "1 min"],
    [125, "2 min 5 s"],
  ])("formatDuration(%p) = %p", (s, text) => expect(formatDuration(s)).toBe(text));

  it.each([
    [600, "600 s"],
    [1.5, "1.5 s"],
    [0.25, "0.25 s"],
  ])("formatSeconds(%p) = %p", (s, text) => expect(formatSeconds(s)).toBe(text));
});
