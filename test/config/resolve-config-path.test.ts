import { describe, expect, it } from "@jest/globals";

import { resolveConfigPath, resolveExecutable } from "../../src/config/resolve-config-path.js";

describe("resolveConfigPath", () => {
  it("resolves a relative path against its origin's folder and keeps an absolute one", () => {
    expect(resolveConfigPath("/conf", "tasks")).toBe("/conf/tasks");
    expect(resolveConfigPath("/conf", "../logs")).toBe("/logs");
    expect(resolveConfigPath("/conf", "/var/state.json")).toBe("/var/state.json");
  });
});

describe("resolveExecutable", () => {
  it("resolves a relative path with a slash, leaves bare names and absolute paths", () => {
    expect(resolveExecutable("/conf", "./bin/claude")).toBe("/conf/bin/claude");
    expect(resolveExecutable("/conf", "tools/claude")).toBe("/conf/tools/claude");
    expect(resolveExecutable("/conf", "claude")).toBe("claude");
    expect(resolveExecutable("/conf", "/usr/bin/claude")).toBe("/usr/bin/claude");
  });
});
