import { describe, expect, it } from "@jest/globals";

import { layerDefaults, type ConfigProblem } from "../../src/config/layered-config.js";
import { mergeConfigFile } from "../../src/config/merge-config-file.js";

const defaults = { label: "defaults", dir: "/d" };
const file = { label: "config.yaml", dir: "/f" };

function merge(raw: Record<string, unknown>) {
  const layered = layerDefaults(defaults);
  const problems: ConfigProblem[] = [];
  mergeConfigFile(raw, file, layered, problems);
  return { layered, problems };
}

describe("mergeConfigFile", () => {
  it("puts the file's values over the defaults with the file's origin", () => {
    const { layered, problems } = merge({ server: { port: 1234 } });
    expect(problems).toEqual([]);
    expect(layered.server.port).toEqual({ value: 1234, origin: file });
    expect(layered.server.host.origin).toBe(defaults);
  });

  it("gives null the meaning of each key kind and drops ignored keys", () => {
    const { layered, problems } = merge({
      server: null,
      claude: { timeout: null, model: null, flags: null },
      logging: { format: "%(message)s" },
    });
    expect(problems).toEqual([]);
    expect(layered.claude.timeout.value).toBe(300);
    expect(layered.claude.model).toEqual({ value: null, origin: file });
    expect(layered.claude.flags).toEqual({ value: [], origin: file });
    expect(layered.logging).not.toHaveProperty("format");
  });

  it("reports unknown sections and keys, and sections that are not mappings", () => {
    const { problems } = merge({ servr: {}, claude: { timout: 5 }, paths: "x" });
    expect(problems).toEqual([
      { key: "servr", message: expect.stringContaining('config.yaml: unknown section "servr"') },
      { key: "claude.timout", message: expect.stringContaining("config.yaml: unknown key claude.timout") },
      { key: "paths", message: 'config.yaml: paths must be a mapping (got "x")' },
    ]);
  });

  it("does not list ignored keys as known", () => {
    const { problems } = merge({ server: { prot: 1 } });
    // The suggestion is issue #9's "did you mean"; the known list still leaves out server.debug.
    expect(problems[0].message).toBe("config.yaml: unknown key server.prot (known: host, port); did you mean server.port?");
  });
});
