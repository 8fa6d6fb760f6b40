import type { z } from "zod";

import { closestName } from "./closest-name.js";
import { CONFIG_SECTIONS, configSchema, isIgnored } from "./config-schema.js";
import { describeValue } from "./describe-value.js";
import type { ConfigOrigin, ConfigProblem, LayeredConfig } from "./layered-config.js";

const SECTIONS: Record<string, z.ZodObject> = CONFIG_SECTIONS;

/**
 * Merge a parsed (and `${VAR}`-expanded) config file over `layered`, in place. Unknown
 * sections and keys (configSchema's strict objects find them), and sections that are not
 * mappings, become problems; ignored keys are dropped. A null (`key:`, `key: ~`) becomes what
 * its key's schema makes of null (null for a nullable key, [] for a list); a key that refuses
 * null keeps its default. Values are checked later, once the environment has had its say
 * (validate-config.ts).
 */
export function mergeConfigFile(
  raw: Record<string, unknown>,
  origin: ConfigOrigin,
  layered: LayeredConfig,
  problems: ConfigProblem[],
): void {
  problems.push(...structureProblems(raw, origin.label));
  for (const [section, body] of Object.entries(raw)) {
    const fields = SECTIONS[section]?.shape;
    if (!fields || body === null || typeof body !== "object" || Array.isArray(body)) continue;
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const field = fields[key];
      if (!field || isIgnored(field)) continue;
      if (value === null) {
        const asNull = field.safeParse(null);
        if (asNull.success) layered[section][key] = { value: asNull.data, origin };
        continue;
      }
      layered[section][key] = { value, origin };
    }
  }
}

/** The file's unknown sections and keys, and sections that are not mappings, in the file's order. */
function structureProblems(raw: Record<string, unknown>, label: string): ConfigProblem[] {
  const found: { at: number; problem: ConfigProblem }[] = [];
  const order = Object.keys(raw);
  for (const issue of configSchema.safeParse(raw).error?.issues ?? []) {
    const section = issue.path.length > 0 ? String(issue.path[0]) : undefined;
    if (issue.code === "unrecognized_keys") {
      const problem = section === undefined ? unknownSections(issue.keys, label) : unknownKeys(section, issue.keys, label);
      found.push({ at: order.indexOf(section ?? issue.keys[0]), problem });
    } else if (section !== undefined && issue.path.length === 1 && raw[section] !== null) {
      // `server:` with nothing under it is null: an empty section.
      found.push({
        at: order.indexOf(section),
        problem: { key: section, message: `${label}: ${section} must be a mapping (got ${describeValue(raw[section])})` },
      });
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ problem }) => problem);
}

function unknownSections(names: string[], label: string): ConfigProblem {
  const known = Object.keys(SECTIONS);
  const listed = names.map((s) => JSON.stringify(s)).join(", ");
  return {
    key: names[0],
    message: `${label}: unknown section${names.length > 1 ? "s" : ""} ${listed} (known: ${known.join(", ")})${didYouMean(names, known, (s) => s)}`,
  };
}

function unknownKeys(section: string, names: string[], label: string): ConfigProblem {
  const fields = SECTIONS[section].shape;
  const known = Object.keys(fields).filter((key) => !isIgnored(fields[key]));
  const full = (key: string) => `${section}.${key}`;
  const listed = names.map(full).join(", ");
  return {
    key: full(names[0]),
    message: `${label}: unknown key${names.length > 1 ? "s" : ""} ${listed} (known: ${known.join(", ")})${didYouMean(names, known, full)}`,
  };
}

/** "; did you mean claude.timeout?" for near misses ("for claude.timout" when several are unknown). */
function didYouMean(names: string[], known: string[], show: (name: string) => string): string {
  const guesses = names.flatMap((name) => {
    const guess = closestName(name, known);
    return guess === undefined ? [] : [names.length > 1 ? `${show(guess)} for ${show(name)}` : show(guess)];
  });
  return guesses.length > 0 ? `; did you mean ${guesses.join(", ")}?` : "";
}
