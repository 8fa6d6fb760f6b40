import { load, YAMLException } from "js-yaml";

import { CONFIG_SECTIONS } from "./config-schema.js";
import { describeValue } from "./describe-value.js";
import type { ConfigProblem } from "./layered-config.js";

/**
 * Parse config.yaml's text into its top-level mapping. A file of comments only (or an
 * empty document) is `{}`, all defaults. On a syntax error, or a document that is not a
 * mapping, records a problem (labelled with `label`, and file:line:column when known)
 * and returns undefined.
 */
export function parseConfigYaml(
  text: string,
  label: string,
  problems: ConfigProblem[],
): Record<string, unknown> | undefined {
  // js-yaml's load() refuses an empty document; a file of comments only means "all defaults".
  if (text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)\s*$/.test(line))) {
    return {};
  }
  let raw: unknown;
  try {
    raw = load(text, { filename: label });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `${label}:${error.mark.line + 1}:${error.mark.column + 1}` : label;
      problems.push({ key: null, message: `${where}: YAML syntax error: ${error.reason}` });
    } else {
      problems.push({ key: null, message: `${label}: cannot parse: ${String(error)}` });
    }
    return undefined;
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({
      key: null,
      message: `${label}: must be a mapping of sections (${Object.keys(CONFIG_SECTIONS).join(", ")}), got ${describeValue(raw)}`,
    });
    return undefined;
  }
  return raw as Record<string, unknown>;
}
