import { describe, expect, it } from "@jest/globals";

import { applyEnvOverrides, ENV_OVERRIDES } from "../../src/config/apply-env-overrides.js";
import { layerDefaults } from "../../src/config/layered-config.js";

const defaults = { label: "defaults", dir: "/conf" };

describe("applyEnvOverrides", () => {
  it("leaves the layers alone when nothing is set", () => {
    const layered = layerDefaults(defaults);
    applyEnvOverrides(layered, { env: {}, dotenv: {}, dotenvLabel: ".env" }, "/cwd");
    expect(layered).toEqual(layerDefaults(defaults));
  });

  it("replaces each mapped key, labelled by its variable, resolving against cwd", () => {
    const layered = layerDefaults(defaults);
    applyEnvOverrides(layered, { env: { PORT: "6001", LOG_LEVEL: "WARNING" }, dotenv: {}, dotenvLabel: ".env" }, "/cwd");
    expect(layered.server.port).toEqual({ value: "6001", origin: { label: "PORT from the environment", dir: "/cwd" } });
    expect(layered.logging.level.value).toBe("WARNING");
    expect(layered.server.host).toEqual({ value: "127.0.0.1", origin: defaults });
  });

  it("makes CLAUDE_CLI_PATH the whole command, spaces and all", () => {
    const layered = layerDefaults(defaults);
    applyEnvOverrides(layered, { env: { CLAUDE_CLI_PATH: "/opt/my tools/claude" }, dotenv: {}, dotenvLabel: ".env" }, "/cwd");
    expect(layered.claude.command.value).toEqual(["/opt/my tools/claude"]);
  });

  it("takes a non-empty environment value over .env, and .env over an empty one", () => {
    const layered = layerDefaults(defaults);
    applyEnvOverrides(
      layered,
      { env: { PORT: "6500", HOST: "" }, dotenv: { PORT: "6000", HOST: "10.0.0.1" }, dotenvLabel: "conf/.env" },
      "/cwd",
    );
    expect(layered.server.port.value).toBe("6500");
    expect(layered.server.host).toEqual({ value: "10.0.0.1", origin: { label: "HOST from conf/.env", dir: "/cwd" } });
  });

  it("maps every variable to a key that exists", () => {
    const layered = layerDefaults(defaults);
    for (const { section, key } of ENV_OVERRIDES) expect(layered[section]?.[key]).toBeDefined();
  });
});
