import { describe, expect, it } from "@jest/globals";

import { splitCommand, toArgv } from "../../src/config/split-command.js";
import { ConfigError } from "../../src/core/errors.js";

describe("splitCommand", () => {
  const cases: [string, string[]][] = [
    ["claude", ["claude"]],
    ["claude -p", ["claude", "-p"]],
    ["  claude \t -p\n--verbose  ", ["claude", "-p", "--verbose"]],
    ["", []],
    ["   ", []],
    ['claude -p --flag "a b"', ["claude", "-p", "--flag", "a b"]],
    ["claude --flag 'a b'", ["claude", "--flag", "a b"]],
    ['--x="a b"', ["--x=a b"]],
    ["a'b c'd", ["ab cd"]],
    ['""', [""]],
    ["a '' b", ["a", "", "b"]],
    ["a\\ b", ["a b"]],
    ["a\\'b", ["a'b"]],
    ['"say \\"hi\\""', ['say "hi"']],
    ['"back\\\\slash"', ["back\\slash"]],
    ['"keep \\n and \\t"', ["keep \\n and \\t"]],
    ["'no $HOME, no *.ts, no ; rm'", ["no $HOME, no *.ts, no ; rm"]],
    ["echo $HOME *.ts ; rm", ["echo", "$HOME", "*.ts", ";", "rm"]],
    ["'single \\ keeps backslash'", ["single \\ keeps backslash"]],
    ["a \\\n b", ["a", "b"]],
    ["a\\\nb", ["ab"]],
    ['"/opt/my tools/claude" -p', ["/opt/my tools/claude", "-p"]],
  ];
  it.each(cases)("%j", (input, expected) => {
    expect(splitCommand(input)).toEqual(expected);
  });

  const bad: [string, RegExp][] = [
    ['claude "open', /unterminated double quote/],
    ["claude 'open", /unterminated single quote/],
    ["claude \\", /trailing backslash/],
  ];
  it.each(bad)("rejects %j", (input, pattern) => {
    expect(() => splitCommand(input)).toThrow(ConfigError);
    expect(() => splitCommand(input)).toThrow(pattern);
  });
});

describe("toArgv", () => {
  it("splits a string and copies a list as-is", () => {
    expect(toArgv("claude -p")).toEqual(["claude", "-p"]);
    const list = ["/opt/my tools/claude", "--flag", "a 'b'"];
    const argv = toArgv(list);
    expect(argv).toEqual(list);
    expect(argv).not.toBe(list);
  });
});
