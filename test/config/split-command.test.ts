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
  // Nothing would run shell syntax (there is no shell), so a config value holding it is refused
  // instead of reaching claude as odd arguments.
  const refused: [string, RegExp][] = [
    ["claude -p ; rm -rf /", /the shell operator ";"/],
    ["claude -p | tee log", /the shell operator "\|"/],
    ["claude && echo done", /the shell operator "&&"/],
    ["claude > out.txt", /the shell operator ">"/],
    ["claude -p Bash(npm:*)", /the shell operator "\("/],
    ["claude *.ts", /the glob "\*\.ts"/],
    ["claude --url=http://x/?q", /the glob/],
    ["claude $HOME", /the shell expansion "\$HOME" \(write \$\{HOME\} for config\.yaml to expand it\)/],
    ['claude "$HOME"', /the shell expansion "\$HOME"/],
    ["claude $(id -u)", /the shell expansion "\$"/],
    ["claude ${", /the shell substitution/],
    ["claude `id -u`", /the command substitution/],
    ["claude -p # note", /a shell comment/],
  ];
  it.each(refused)("refuses %j, saying to quote it or use a list", (input, pattern) => {
    expect(() => toArgv(input)).toThrow(ConfigError);
    expect(() => toArgv(input)).toThrow(pattern);
    expect(() => toArgv(input)).toThrow(/no shell runs this command: put it in quotes \('\.\.\.'\) to pass it as an argument, or give the command as a YAML list/);
  });

  it("takes the same characters quoted or escaped as plain text", () => {
    expect(toArgv(`claude --allowedTools 'Bash(npm:*)' "a;b" '$HOME' x\\*y "\\$5" '#1' 'a|b'`)).toEqual([
      "claude", "--allowedTools", "Bash(npm:*)", "a;b", "$HOME", "x*y", "$5", "#1", "a|b",
    ]);
  });

  it("reports an unterminated quote before any shell syntax", () => {
    expect(() => toArgv('claude ; "open')).toThrow(/unterminated double quote/);
  });

  it("splits a string and copies a list as-is", () => {
    expect(toArgv("claude -p")).toEqual(["claude", "-p"]);
    const list = ["/opt/my tools/claude", "--flag", "a 'b'"];
    const argv = toArgv(list);
    expect(argv).toEqual(list);
    expect(argv).not.toBe(list);
  });
});
