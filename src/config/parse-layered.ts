import type { z } from "zod";

import { SECRET_CONFIG_KEYS } from "./config-schema.js";
import { describeValue } from "./describe-value.js";
import type { ConfigProblem, LayeredConfig } from "./layered-config.js";

/**
 * Parse the values of a LayeredConfig with a zod schema of its sections. Returns the output,
 * or undefined after recording one problem per bad key, "<origin>: <section.key> <what it
 * must be> (got <value as given>)", that never quotes a secret.
 */
export function parseLayered<S extends z.ZodType>(
  schema: S,
  layered: LayeredConfig,
  problems: ConfigProblem[],
): z.output<S> | undefined {
  const raw: Record<string, Record<string, unknown>> = {};
  for (const [section, entries] of Object.entries(layered)) {
    raw[section] = Object.fromEntries(Object.entries(entries).map(([key, entry]) => [key, entry.value]));
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const [section, key] = issue.path.map(String);
    const name = `${section}.${key}`;
    // One problem per key: the first thing wrong with it (a list may fail item by item).
    if (seen.has(name)) continue;
    seen.add(name);
    const entry = layered[section]?.[key];
    if (!entry) {
      problems.push({ key: issue.path.join(".") || null, message: `${issue.path.join(".")}: ${issue.message}` });
      continue;
    }
    const got = SECRET_CONFIG_KEYS.has(name) ? `a ${typeof entry.value}, not shown` : describeValue(entry.value);
    problems.push({ key: name, message: `${entry.origin.label}: ${name} ${issue.message} (got ${got})` });
  }
  return undefined;
}
