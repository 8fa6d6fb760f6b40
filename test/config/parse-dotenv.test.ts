import { describe, expect, it } from "@jest/globals";

import { parseDotenv, scanDotenv } from "../../src/config/parse-dotenv.js";
import { ConfigError } from "../../src/core/errors.js";

describe("parseDotenv", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["plain pair", "A=1", { A: "1" }],
    ["blank lines and comments", "\n# comment\n  # indented comment\nA=1\n\n", { A: "1" }],
    ["export prefix", "export A=1", { A: "1" }],
    ["spaces around =", "A = 1 ", { A: "1" }],
    ["empty value", "A=", { A: "" }],
    ["inline comment after whitespace", "A=abc # note", { A: "abc" }],
    ["only a comment after =", "A= # note", { A: "" }],
    ["# inside a word is kept", "URL=http://x/y#frag", { URL: "http://x/y#frag" }],
    ["# right after = is kept", "A=#abc", { A: "#abc" }],
    ["single quotes are literal", "A='a b \\n $X # c'", { A: "a b \\n $X # c" }],
    ["double quotes with escapes", 'A="line1\\nline2\\t\\"q\\" \\\\"', { A: 'line1\nline2\t"q" \\' }],
    ["double quotes keep other backslashes", 'A="c:\\path"', { A: "c:\\path" }],
    ["comment after closing quote", "A=\"x y\" # note", { A: "x y" }],
    ["= inside the value", "A=b=c", { A: "b=c" }],
    ["last duplicate wins", "A=1\nA=2", { A: "2" }],
    ["CRLF line ends", "A=1\r\nB=2\r\n", { A: "1", B: "2" }],
    ["BOM", "\uFEFFA=1", { A: "1" }],
    ["no ${} expansion", "A=${B}", { A: "${B}" }],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(parseDotenv(text)).toEqual(expected);
  });

  const bad: [string, string, number, RegExp][] = [
    ["no =", "A=1\nJUSTTEXT\n", 2, /expected KEY=VALUE/],
    ["bad name", "1A=x", 1, /invalid variable name "1A"/],
    ["name with dash", "MY-VAR=x", 1, /invalid variable name/],
    ["unterminated double quote", '\n\nA="abc', 3, /A: unterminated double quote/],
    ["unterminated single quote", "A='abc", 1, /A: unterminated single quote/],
    ["text after closing quote", 'A="x"y', 1, /unexpected text after the closing quote/],
  ];
  it.each(bad)("reports %s with its line", (_name, text, line, pattern) => {
    const { problems } = scanDotenv(text);
    expect(problems).toHaveLength(1);
    expect(problems[0].line).toBe(line);
    expect(problems[0].message).toMatch(pattern);
    let caught: unknown;
    try {
      parseDotenv(text, "conf/.env");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain(`conf/.env:${line}:`);
  });

  it("lists every malformed line in one error, and never quotes a value", () => {
    const text = "OK=1\nbad line\nB=\"secret-value\ngood=2\n'x'=y";
    expect(() => parseDotenv(text)).toThrow(/3 problems in \.env:\n {2}\.env:2: .*\n {2}\.env:3: .*\n {2}\.env:5: /);
    try {
      parseDotenv(text);
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-value");
    }
    expect(scanDotenv(text).values).toEqual({ OK: "1", good: "2" });
  });
});
