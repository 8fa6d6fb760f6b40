import { describe, it, expect } from "@jest/globals";
import { buildClaudeArgs } from "../../src/runner/build-claude-args.js";
import { fakeConfig } from "./runner-test-helpers.js";

const cfg = (over: Parameters<typeof fakeConfig>[1] = {}) => fakeConfig("/tmp", { command: ["claude"], ...over });
const BASE = ["-p", "--output-format", "stream-json", "--verbose"];

describe("buildClaudeArgs", () => {
  it.each([
    ["defaults", cfg(), {}, "claude", BASE],
    ["command with leading args", cfg({ command: ["node", "/x/cli.js"] }), {}, "node", ["/x/cli.js", ...BASE]],
    ["-p already in command", cfg({ command: ["claude", "-p"] }), {}, "claude", BASE],
    ["--print counts as -p", cfg({ flags: ["--print"] }), {}, "claude", ["--print", "--output-format", "stream-json", "--verbose"]],
    ["output format and verbose given", cfg({ flags: ["--verbose", "--output-format", "stream-json"] }), {}, "claude",
      ["--verbose", "--output-format", "stream-json", "-p"]],
    ["--output-format=x form", cfg({ flags: ["--output-format=stream-json"] }), {}, "claude", ["--output-format=stream-json", "-p", "--verbose"]],
    ["flags come before ours", cfg({ flags: ["--add-dir", "/srv"] }), {}, "claude", ["--add-dir", "/srv", ...BASE]],
    ["model", cfg({ model: "opus" }), {}, "claude", [...BASE, "--model", "opus"]],
    ["max turns", cfg({ max_turns: 10 }), {}, "claude", [...BASE, "--max-turns", "10"]],
    ["allowed tools joined", cfg({ allowed_tools: ["Bash", "Edit", "Write"] }), {}, "claude", [...BASE, "--allowedTools", "Bash,Edit,Write"]],
    ["permission mode", cfg({ permission_mode: "acceptEdits" }), {}, "claude", [...BASE, "--permission-mode", "acceptEdits"]],
    ["resume", cfg(), { resumeSessionId: "abc-123" }, "claude", [...BASE, "--resume", "abc-123"]],
    ["null resume", cfg(), { resumeSessionId: null }, "claude", BASE],
    ["everything, in order",
      cfg({ flags: ["--add-dir", "/a"], model: "sonnet", max_turns: 3, allowed_tools: ["Bash"], permission_mode: "plan" }),
      { resumeSessionId: "s1" }, "claude",
      ["--add-dir", "/a", ...BASE, "--model", "sonnet", "--max-turns", "3", "--allowedTools", "Bash", "--permission-mode", "plan", "--resume", "s1"]],
  ])("%s", (_name, c, opts, file, args) => {
    expect(buildClaudeArgs(c, opts)).toEqual({ file, args });
  });

  it("does not modify the config's arrays", () => {
    const c = cfg({ command: ["claude", "-x"], flags: ["--y"] });
    buildClaudeArgs(c, { resumeSessionId: "s" });
    expect(c.command).toEqual(["claude", "-x"]);
    expect(c.flags).toEqual(["--y"]);
  });

  it("rejects an empty command", () => {
    expect(() => buildClaudeArgs(cfg({ command: [] }), {})).toThrow(/claude.command is empty/);
  });
});

describe("buildClaudeArgs: the day's budget", () => {
  it("passes what is left as --max-budget-usd, and nothing without a budget", () => {
    expect(buildClaudeArgs(fakeConfig("/p"), { maxBudgetUsd: 3.5 }).args.slice(-2)).toEqual(["--max-budget-usd", "3.5000"]);
    expect(buildClaudeArgs(fakeConfig("/p"), { maxBudgetUsd: null }).args).not.toContain("--max-budget-usd");
    expect(buildClaudeArgs(fakeConfig("/p"), { maxBudgetUsd: 0 }).args).not.toContain("--max-budget-usd");
  });
});
