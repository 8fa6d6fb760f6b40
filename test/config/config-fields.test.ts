// The value kinds of config.yaml (config-fields.ts), read from a LayeredConfig as validateConfig
// reads them. (Was config-validator.test.ts: the same inputs and messages, without the
// ConfigValidator class and its placeholder values.)
import { describe, expect, it } from "@jest/globals";
import { z } from "zod";

import * as field from "../../src/config/config-fields.js";
import { layerDefaults, type ConfigProblem, type LayeredConfig } from "../../src/config/layered-config.js";
import { parseLayered } from "../../src/config/parse-layered.js";
import { validateConfig } from "../../src/config/validate-config.js";

const origin = { label: "config.yaml", dir: "/conf" };

function parse<S extends z.ZodType>(schema: S, section: string, values: Record<string, unknown>) {
  const layered: LayeredConfig = { [section]: {} };
  for (const [key, value] of Object.entries(values)) layered[section][key] = { value, origin };
  const problems: ConfigProblem[] = [];
  return { out: parseLayered(schema, layered, problems), problems };
}

/** validateConfig over the defaults with `values` written in config.yaml at /conf. */
function validate(values: Record<string, Record<string, unknown>>) {
  const layered = layerDefaults({ label: "defaults", dir: "/defaults" });
  for (const [section, keys] of Object.entries(values)) {
    for (const [key, value] of Object.entries(keys)) layered[section][key] = { value, origin };
  }
  const problems: ConfigProblem[] = [];
  return { config: validateConfig(layered, problems, { source: null, secretEnvNames: [] }), problems };
}

describe("config fields", () => {
  it("returns typed values and records nothing for good ones", () => {
    const s = z.strictObject({
      port: field.port(),
      secs: field.seconds({ zeroAllowed: false }),
      list: field.stringList({ lower: true }),
      flag: field.flag(),
    });
    const { out, problems } = parse(z.strictObject({ s }), "s", { port: "8080", secs: 0.5, list: ["B", "b"], flag: "TRUE" });
    expect(out?.s.port).toBe(8080);
    expect(out?.s.secs).toBe(0.5);
    expect(out?.s.list).toEqual(["b"]);
    expect(out?.s.flag).toBe(true);
    expect(problems).toEqual([]);
    const paths = validate({ paths: { tasks_dir: "x/y" } });
    expect(paths.config.paths.tasks_dir).toBe("/conf/x/y");
    expect(paths.problems).toEqual([]);
  });

  it("records a problem per bad value", () => {
    const s = z.strictObject({ port: field.port(), count: field.count(0) });
    const { out, problems } = parse(z.strictObject({ s }), "s", { port: 70000, count: 1.5 });
    expect(out).toBeUndefined();
    expect(problems).toEqual([
      { key: "s.port", message: "config.yaml: s.port must be a port number 0-65535 (0: any free port) (got 70000)" },
      { key: "s.count", message: "config.yaml: s.count must be a whole number >= 0 (got 1.5)" },
    ]);
  });

  it("never quotes a secret key's value", () => {
    const { problems } = validate({ telegram: { bot_token: 12345 } });
    expect(problems[0].message).toBe(
      "config.yaml: telegram.bot_token must be a string (quote it in YAML) (got a number, not shown)",
    );
  });

  it("splits a command and resolves a relative executable against its origin", () => {
    const relative = validate({ claude: { command: "./bin/claude -p" } });
    const bare = validate({ claude: { command: "claude --x" } });
    expect(relative.config.claude.command).toEqual(["/conf/bin/claude", "-p"]);
    expect(bare.config.claude.command).toEqual(["claude", "--x"]);
    expect([...relative.problems, ...bare.problems]).toEqual([]);
  });
});
