import { CONFIG_SCHEMA } from "./config-schema.js";
import { describeValue } from "./describe-value.js";
import type { ConfigOrigin, ConfigProblem, LayeredConfig } from "./layered-config.js";

/**
 * Merge a parsed (and `${VAR}`-expanded) config file over `layered`, in place. Unknown
 * sections and keys, and sections that are not mappings, become problems; null values
 * mean what CONFIG_SCHEMA says for their key; ignored keys are dropped.
 */
export function mergeConfigFile(
  raw: Record<string, unknown>,
  origin: ConfigOrigin,
  layered: LayeredConfig,
  problems: ConfigProblem[],
): void {
  const unknownSections = Object.keys(raw).filter((s) => !(s in CONFIG_SCHEMA));
  if (unknownSections.length > 0) {
    problems.push({
      key: unknownSections[0],
      message: `${origin.label}: unknown section${unknownSections.length > 1 ? "s" : ""} ${unknownSections
        .map((s) => JSON.stringify(s))
        .join(", ")} (known: ${Object.keys(CONFIG_SCHEMA).join(", ")})`,
    });
  }
  for (const [section, body] of Object.entries(raw)) {
    const schema = CONFIG_SCHEMA[section];
    if (!schema) continue;
    if (body === null) continue; // `server:` with nothing under it
    if (typeof body !== "object" || Array.isArray(body)) {
      problems.push({
        key: section,
        message: `${origin.label}: ${section} must be a mapping (got ${describeValue(body)})`,
      });
      continue;
    }
    const entries = Object.entries(body as Record<string, unknown>);
    const unknownKeys = entries.map(([k]) => k).filter((k) => !(k in schema));
    if (unknownKeys.length > 0) {
      problems.push({
        key: `${section}.${unknownKeys[0]}`,
        message: `${origin.label}: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys
          .map((k) => `${section}.${k}`)
          .join(", ")} (known: ${Object.keys(schema)
          .filter((k) => schema[k] !== "ignored")
          .join(", ")})`,
      });
    }
    for (const [key, value] of entries) {
      const kind = schema[key];
      if (kind === undefined || kind === "ignored") continue;
      if (value === null) {
        if (kind === "value") continue;
        layered[section][key] = { value: kind === "list" ? [] : null, origin };
        continue;
      }
      layered[section][key] = { value, origin };
    }
  }
}
