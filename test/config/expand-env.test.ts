import { describe, expect, it } from "@jest/globals";

import { expandEnv, expandString } from "../../src/config/expand-env.js";

describe("expandString", () => {
  const env = { HOME: "/home/u", EMPTY: "", PORT: "8080" };
  const cases: [string, string, string[]][] = [
    ["plain $text", "plain $text", []],
    ["${HOME}/x", "/home/u/x", []],
    ["${UNSET}", "", ["UNSET"]],
    ["a${UNSET}b", "ab", ["UNSET"]],
    ["${UNSET:-fallback}", "fallback", []],
    ["${EMPTY:-fallback}", "fallback", []],
    ["${EMPTY}", "", ["EMPTY"]],
    ["${PORT:-5000}", "8080", []],
    ["${UNSET:-}", "", []],
    ["${UNSET:-a b:c}", "a b:c", []],
    ["$${HOME}", "${HOME}", []],
    ["cost $5 and $HOME", "cost $5 and $HOME", []],
    ["${HOME}${PORT}", "/home/u8080", []],
  ];
  it.each(cases)("%j", (input, value, unset) => {
    const result = expandString(input, env);
    expect(result.value).toBe(value);
    expect(result.unset).toEqual(unset);
    expect(result.problems).toEqual([]);
  });

  it("takes a variable's value as written: a $ in it is not expanded again", () => {
    const result = expandString("${SECRET}", { SECRET: "pa$word${HOME}", HOME: "/home/u", word: "x" });
    expect(result.value).toBe("pa$word${HOME}");
  });

  it.each([["${"], ["x${HOME"], ["${1BAD}"], ["${A B}"], ["${}"]])("reports malformed %j", (input) => {
    expect(expandString(input, env).problems).toHaveLength(1);
  });
});

describe("expandEnv", () => {
  it("expands strings recursively and removes values emptied by unset variables", () => {
    const raw = {
      webhooks: { secret: "${WEBHOOK_SECRET}", n8n_notify_url: "${URL:-http://n8n/x}", enabled: true },
      claude: { allowed_tools: ["Read", "${EXTRA_TOOL}", "Bash(${CMD}:*)"], timeout: 300, model: null },
      server: { host: "", port: "${PORT}" },
    };
    const result = expandEnv(raw, { CMD: "npm", PORT: "6000" });
    expect(result.value).toEqual({
      webhooks: { n8n_notify_url: "http://n8n/x", enabled: true },
      claude: { allowed_tools: ["Read", "Bash(npm:*)"], timeout: 300, model: null },
      // A literal "" is not "unset": only values emptied by an unset ${VAR} are removed.
      server: { host: "", port: "6000" },
    });
    expect(result.emptied).toEqual(["webhooks.secret", "claude.allowed_tools[1]"]);
    expect(result.unset).toEqual([
      { path: "webhooks.secret", variable: "WEBHOOK_SECRET" },
      { path: "claude.allowed_tools[1]", variable: "EXTRA_TOOL" },
    ]);
    expect(result.problems).toEqual([]);
  });

  it("does not expand keys and names the path of a malformed reference", () => {
    const result = expandEnv({ "${K}": "v", a: { b: "${oops" } }, { K: "x" });
    expect(result.value).toEqual({ "${K}": "v", a: { b: "${oops" } });
    expect(result.problems).toEqual([{ path: "a.b", message: expect.stringContaining("unclosed") }]);
  });

  it("leaves the input untouched", () => {
    const raw = { a: "${X}" };
    expandEnv(raw, { X: "1" });
    expect(raw).toEqual({ a: "${X}" });
  });
});
