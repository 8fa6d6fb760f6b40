/**
 * A task file's own spend cap, `max_cost_usd` (the seed's YAML top-level key; in markdown a
 * `**Max Cost USD:**` line before the first task): the session's budget, of which the lower with
 * orchestrator.daily_budget_usd wins (src/core/machine/budget.ts). Dollars > 0; a wrong value is
 * a `file:line` issue like every other mistake, never silently "no cap".
 */

/** How the value is written in messages. */
export const MAX_COST_HINT = "an amount of dollars > 0, e.g. 25 or 12.50";

/** The YAML key, at the top level of the file. */
const YAML_KEY = /^max_cost_usd\s*:/;

/** Markdown labels (lower-cased, `_` and runs of spaces as one space) that name the cap. */
const MARKDOWN_LABELS = new Set(["max cost usd", "max cost", "max cost (usd)"]);
const MARKDOWN_FIELD = /^\s*\*\*\s*([^*:]+?)\s*(?::\s*\*\*|\*\*\s*:)(.*)$/;

/**
 * A value as dollars: a positive finite number, or text such as "12.50" / "$12.50". null when
 * absent (YAML `max_cost_usd:` with nothing, or `~`); "invalid" for anything else.
 */
export function dollarsOf(value: unknown): number | null | "invalid" {
  if (value === undefined || value === null) return null;
  const n = typeof value === "string" && /^\s*\$?\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value.replace("$", "")) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : "invalid";
}

/** The issue for a wrong value, naming what was given. */
export function maxCostProblem(label: string, value: unknown): string {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : String(value);
  return `${label} must be ${MAX_COST_HINT} (got ${shown}); remove it for no cap of the file's own`;
}

/**
 * The YAML document's `max_cost_usd`, checked: the number, or null when absent; a wrong value is
 * reported at the key's line (line 1 if it cannot be found, e.g. in flow style).
 */
export function readYamlMaxCost(doc: Record<string, unknown> | null, text: string, report: (line: number, message: string) => void): number | null {
  if (!doc || !("max_cost_usd" in doc)) return null;
  const value = doc.max_cost_usd;
  const dollars = dollarsOf(value);
  if (dollars !== "invalid") return dollars;
  const index = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).findIndex((line) => YAML_KEY.test(line));
  report(index < 0 ? 1 : index + 1, maxCostProblem("`max_cost_usd`", value));
  return null;
}

/** The value of a markdown `**Max Cost USD:** 12.50` line, or null when the line is not one. */
export function matchMaxCostField(line: string): { value: string } | null {
  const field = MARKDOWN_FIELD.exec(line);
  if (!field) return null;
  const name = (field[1] ?? "").toLowerCase().replace(/[\s_]+/g, " ");
  return MARKDOWN_LABELS.has(name) ? { value: (field[2] ?? "").trim() } : null;
}
