/**
 * The configuration while it is being built: the raw tree of config.yaml's shape, each
 * value kept with where it came from, so that later sources can replace it and its
 * errors and relative paths refer to the right place.
 */
import type { z } from "zod";

import { CONFIG_SECTIONS, defaultOf } from "./config-schema.js";

/** Where a value came from: the label starts its error messages; dir resolves its relative paths. */
export interface ConfigOrigin {
  label: string;
  dir: string;
}

export interface ConfigEntry {
  value: unknown;
  origin: ConfigOrigin;
}

/** One configuration problem; key is "section.key" (or a section) when it is about one. */
export interface ConfigProblem {
  key: string | null;
  message: string;
}

/** section -> key -> the value that currently wins. */
export type LayeredConfig = Record<string, Record<string, ConfigEntry>>;

/** The schema's defaults (as config.yaml would write them) as entries, all from `origin`. */
export function layerDefaults(origin: ConfigOrigin): LayeredConfig {
  const layered: LayeredConfig = {};
  for (const [section, schema] of Object.entries<z.ZodObject>(CONFIG_SECTIONS)) {
    layered[section] = {};
    for (const [key, field] of Object.entries(schema.shape)) {
      const value = defaultOf(field);
      if (value !== undefined) layered[section][key] = { value, origin };
    }
  }
  return layered;
}
