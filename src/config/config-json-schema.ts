import { z } from "zod";

import { configSchema } from "./config-schema.js";

type Json = Record<string, unknown>;

/** A `${VAR}` reference: any value may be written as one, and is checked once it is expanded. */
const REFERENCE: Json = { type: "string", pattern: "\\$\\{" };

/**
 * config.schema.json's text: the JSON Schema of config.yaml as written (zod's input side), for
 * editors (config.example.yaml's first line points yaml-language-server at it). Draft-07, which
 * editors read best. `npm run config:schema` writes it; a test fails when the committed file differs.
 */
export function configJsonSchemaText(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", target: "draft-07", override: allowReference });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * A key that takes a number, a boolean or one of a few words also takes a `${VAR}` reference, as
 * the loader does. Free text takes one as it is; a list refuses one (it must be a YAML list).
 */
function allowReference({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Json }): void {
  if (!(zodSchema instanceof z.ZodPrefault) || jsonSchema.type === "object") return;
  // A key's schema and its described copy may share one JSON object: decorate it once.
  const branches = leaves(jsonSchema);
  if (branches.some((one) => one === REFERENCE || one.type === "array" || (one.type === "string" && one.enum === undefined))) return;
  if (Array.isArray(jsonSchema.anyOf)) {
    jsonSchema.anyOf.push(REFERENCE);
    return;
  }
  const value = Object.fromEntries(Object.entries(jsonSchema).filter(([key]) => key !== "description" && key !== "default"));
  for (const key of Object.keys(value)) delete jsonSchema[key];
  jsonSchema.anyOf = [value, REFERENCE];
}

function leaves(json: Json): Json[] {
  return Array.isArray(json.anyOf) ? (json.anyOf as Json[]).flatMap(leaves) : [json];
}
