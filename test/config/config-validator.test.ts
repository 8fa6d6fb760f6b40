import { describe, expect, it } from "@jest/globals";

import { ConfigValidator } from "../../src/config/config-validator.js";
import type { ConfigProblem, LayeredConfig } from "../../src/config/layered-config.js";

const origin = { label: "config.yaml", dir: "/conf" };

function validator(section: string, values: Record<string, unknown>) {
  const layered: LayeredConfig = { [section]: {} };
  for (const [key, value] of Object.entries(values)) layered[section][key] = { value, origin };
  const problems: ConfigProblem[] = [];
  return { v: new ConfigValidator(layered, problems), problems };
}

describe("ConfigValidator", () => {
  it("returns typed values and records nothing for good ones", () => {
    const { v, problems } = validator("s", { port: "8080", secs: 0.5, list: ["B", "b"], flag: "TRUE", p: "x/y" });
    expect(v.port("s", "port")).toBe(8080);
    expect(v.seconds("s", "secs", false)).toBe(0.5);
    expect(v.stringList("s", "list", true)).toEqual(["b"]);
    expect(v.boolean("s", "flag")).toBe(true);
    expect(v.path("s", "p")).toBe("/conf/x/y");
    expect(problems).toEqual([]);
  });

  it("records a problem per bad value and returns a placeholder", () => {
    const { v, problems } = validator("s", { port: 70000, count: 1.5 });
    expect(v.port("s", "port")).toBe(0);
    expect(v.count("s", "count", 0)).toBe(0);
    expect(problems).toEqual([
      { key: "s.port", message: "config.yaml: s.port must be a port number 0-65535 (0: any free port) (got 70000)" },
      { key: "s.count", message: "config.yaml: s.count must be a whole number >= 0 (got 1.5)" },
    ]);
  });

  it("never quotes a secret key's value", () => {
    const { v, problems } = validator("telegram", { bot_token: 12345 });
    expect(v.optionalString("telegram", "bot_token")).toBeNull();
    expect(problems[0].message).toBe(
      "config.yaml: telegram.bot_token must be a string (quote it in YAML) (got a number, not shown)",
    );
  });

  it("splits a command and resolves a relative executable against its origin", () => {
    const { v, problems } = validator("claude", { command: "./bin/claude -p", bare: "claude --x" });
    expect(v.command("claude", "command")).toEqual(["/conf/bin/claude", "-p"]);
    expect(v.command("claude", "bare")).toEqual(["claude", "--x"]);
    expect(problems).toEqual([]);
  });
});
