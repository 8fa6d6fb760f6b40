import { describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";

import { configJsonSchemaText } from "../../src/config/config-json-schema.js";

const read = (name: string) => readFile(new URL(`../../${name}`, import.meta.url), "utf8");

describe("config.schema.json", () => {
  it("is what the zod schema generates (else run `npm run config:schema` and commit it)", async () => {
    expect(await read("config.schema.json")).toBe(configJsonSchemaText());
  });

  it("describes config.yaml's sections and keys, strictly, with their defaults", () => {
    const schema = JSON.parse(configJsonSchemaText());
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(["server", "orchestrator", "webhooks", "claude", "git", "paths", "logging", "telegram", "metrics", "dashboard"]);
    expect(schema.properties.claude.additionalProperties).toBe(false);
    expect(schema.properties.claude.properties.timeout).toMatchObject({
      default: 300,
      anyOf: [{ type: "number", exclusiveMinimum: 0 }, { type: "string", pattern: "\\$\\{" }],
    });
    expect(schema.properties.server.properties.debug).toMatchObject({ deprecated: true });
    expect(schema.required).toBeUndefined();
  });

  it("lets a number, boolean or word be a ${VAR} reference, as the loader does, but not a list", () => {
    const { properties: p } = JSON.parse(configJsonSchemaText());
    const references = (key: { anyOf?: { pattern?: string }[] }) => (key.anyOf ?? []).some((b) => b.pattern === "\\$\\{");
    expect(references(p.server.properties.port)).toBe(true);
    expect(references(p.logging.properties.level)).toBe(true);
    expect(references(p.webhooks.properties.enabled)).toBe(true);
    expect(references(p.orchestrator.properties.auto_approve)).toBe(false);
    expect(p.webhooks.properties.secret.type).toEqual(["string", "null"]);
  });

  it("is what config.example.yaml points editors at", async () => {
    expect((await read("config.example.yaml")).split("\n")[0]).toBe("# yaml-language-server: $schema=./config.schema.json");
  });
});
