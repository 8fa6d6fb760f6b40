import { describe, expect, it } from "@jest/globals";
import { buildClaudeArgs } from "../../src/runner/build-claude-args.js";
import { fakeConfig } from "./runner-test-helpers.js";

const BASE = ["-p", "--output-format", "stream-json", "--verbose"];
const READ_ONLY = ["--permission-mode", "plan", "--allowedTools", "Read,Glob,Grep,LS", "--disallowedTools", "Bash,Edit,Write,MultiEdit,NotebookEdit,WebFetch,WebSearch"];

describe("buildClaudeArgs: a read-only run (planning)", () => {
  it("plan mode and the read tools only, then the budget and --resume", () => {
    const cfg = fakeConfig("/p", { command: ["claude"], model: "opus", max_turns: 30 });
    expect(buildClaudeArgs(cfg, { readOnly: true, maxBudgetUsd: 1.5, resumeSessionId: "s1" }).args).toEqual([
      ...BASE, "--model", "opus", "--max-turns", "30", ...READ_ONLY, "--max-budget-usd", "1.5000", "--resume", "s1",
    ]);
  });

  it.each(["ask", "bypass", "preapproved"] as const)("claude.permissions %s: no channel, no bypass, none of the config's tools or rules", (permissions) => {
    const cfg = fakeConfig("/p", { command: ["claude"], permissions, allowed_tools: ["Bash", "Edit"], always_allow: ["Bash(npm *)"], permission_mode: "acceptEdits" });
    expect(buildClaudeArgs(cfg, { readOnly: true, allowRules: ["Write"] }).args).toEqual([...BASE, ...READ_ONLY]);
  });

  it("drops the permission flags of claude.command and claude.flags (with their values), keeps the others", () => {
    const cfg = fakeConfig("/p", {
      command: ["node", "/x/cli.js", "--dangerously-skip-permissions"],
      flags: ["--add-dir", "/srv", "--permission-mode", "bypassPermissions", "--allowedTools", "Bash", "Write", "--input-format=stream-json", "--permission-prompt-tool", "stdio", "--replay-user-messages", "--disallowed-tools=Read", "--verbose"],
    });
    expect(buildClaudeArgs(cfg, { readOnly: true })).toEqual({
      file: "node",
      args: ["/x/cli.js", "--add-dir", "/srv", "--verbose", "-p", "--output-format", "stream-json", ...READ_ONLY],
    });
  });

  it("a run that is not read-only is unchanged", () => {
    const cfg = fakeConfig("/p", { command: ["claude"], permissions: "bypass", flags: ["--permission-mode", "acceptEdits"] });
    expect(buildClaudeArgs(cfg, { readOnly: false }).args).toEqual(["--permission-mode", "acceptEdits", ...BASE, "--dangerously-skip-permissions"]);
  });
});
