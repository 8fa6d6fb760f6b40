import { describe, expect, it } from "@jest/globals";

import type { ConfigProblem } from "../../src/config/layered-config.js";
import { parseConfigYaml } from "../../src/config/parse-config-yaml.js";

function parse(text: string) {
  const problems: ConfigProblem[] = [];
  return { raw: parseConfigYaml(text, "conf.yaml", problems), problems };
}

describe("parseConfigYaml", () => {
  it("returns the top-level mapping", () => {
    expect(parse("server:\n  port: 1\n")).toEqual({ raw: { server: { port: 1 } }, problems: [] });
  });

  it.each(["", "# only comments\n\n", "---\n# c\n...\n", "~\n"])("reads %j as all defaults", (text) => {
    expect(parse(text)).toEqual({ raw: {}, problems: [] });
  });

  it("reports a syntax error with file:line:column", () => {
    const { raw, problems } = parse("server:\n  host: a\n port: 5\n");
    expect(raw).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0].key).toBeNull();
    expect(problems[0].message).toMatch(/^conf\.yaml:3:\d+: YAML syntax error: /);
  });

  it("rejects a document that is not a mapping", () => {
    const { raw, problems } = parse("- a\n");
    expect(raw).toBeUndefined();
    expect(problems[0].message).toBe(
      'conf.yaml: must be a mapping of sections (server, orchestrator, webhooks, claude, git, paths, logging, telegram, metrics, dashboard), got ["a"]',
    );
  });
});
