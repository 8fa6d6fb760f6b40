import { describe, expect, it } from "@jest/globals";

import { branchNameProblem, branchTemplateProblem, sessionBranch } from "../../src/config/branch-name.js";

describe("branch names (git.branch)", () => {
  it.each(["main", "orchestrator/20251120-093015", "feat/a.b_c-d", "user@host", "x{y}"])("%s is a branch name", (name) => {
    expect(branchNameProblem(name)).toBeNull();
  });

  it.each<[string, string]>([
    ["a b", "it has a space; use - or / instead"],
    ["a\tb", "it has a space; use - or / instead"],
    ["a\u0007b", "it has a control character"],
    ["a~1", 'it has "~"; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a^", 'it has "^"; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a?", 'it has "?"; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a*", 'it has "*"; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a[0]", 'it has "["; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a\\b", 'it has "\\\\"; git refuses ~ ^ : ? * [ and \\ in a branch name'],
    ["a..b", 'it has ".."'],
    ["a@{1}", 'it has "@{"'],
    ["@", 'it is "@"'],
    ["-b", 'it starts with "-"'],
    ["/a", 'it starts with "/"'],
    ["a/", 'it ends with "/"'],
    ["a//b", 'it has "//"'],
    ["a.", 'it ends with "."'],
    ["a/.hidden", 'its part ".hidden" starts with "."'],
    ["a.lock/b", 'its part "a.lock" ends with ".lock"'],
  ])("%j is refused: %s", (name, problem) => {
    expect(branchNameProblem(name)).toBe(problem);
  });

  it("checks a template with a sample session id in place of {session}", () => {
    expect(branchTemplateProblem("orchestrator/{session}")).toBeNull();
    expect(branchTemplateProblem("{session}")).toBeNull();
    // Braces are fine in a branch name; an unknown placeholder is almost surely a mistake.
    expect(branchTemplateProblem("run/{date}")).toBe('it has "{date}", and only {session} is replaced (by the session id)');
    expect(branchTemplateProblem("-{session}")).toBe('it starts with "-"');
  });

  it("replaces every {session} with the session id", () => {
    expect(sessionBranch("orch/{session}/{session}", "20251120-093015")).toBe("orch/20251120-093015/20251120-093015");
    expect(sessionBranch("fixed", "20251120-093015")).toBe("fixed");
  });
});
