// Our own, not dotenv-expand: it also expands a bare `$NAME` and re-expands what it put in (a
// secret `pa$word` comes out `pa`), has no `$${` escape, and reports no unset or malformed `${`.
/**
 * `${VAR}` / `${VAR:-default}` expansion in the string values of parsed YAML.
 *
 * - Only the braced form is expanded: a bare `$` (as in a password) is left alone,
 *   and `$${` is an escaped, literal `${`.
 * - A variable counts as unset when it is missing or empty (as with the shell's `:-`).
 * - `${VAR:-default}` uses the default text as written (no nested expansion).
 * - `${VAR}` with VAR unset expands to "". When a whole value comes out empty because
 *   of that, the value counts as unset: it is removed from its mapping (or list), so the
 *   built-in default applies (`secret: "${WEBHOOK_SECRET}"` -> the default, null).
 * - Keys are never expanded; numbers, booleans and nulls pass through untouched.
 */
export type EnvLike = Readonly<Record<string, string | undefined>>;

export interface ExpandResult {
  /** A copy of the input with strings expanded and emptied values removed. */
  value: unknown;
  /** Every `${VAR}` (without default) whose variable was unset, with the value's path. */
  unset: { path: string; variable: string }[];
  /** Paths ("webhooks.secret", "claude.allowed_tools[1]") of values removed as unset. */
  emptied: string[];
  /** Malformed references (`${`, `${1X}`), with the value's path. */
  problems: { path: string; message: string }[];
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expand one string. `unset` lists variables that were referenced without a default and unset. */
export function expandString(
  text: string,
  env: EnvLike,
): { value: string; unset: string[]; problems: string[] } {
  const unset: string[] = [];
  const problems: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith("$${", dollar)) {
      out += "${";
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== "{") {
      out += "$";
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf("}", dollar + 2);
    if (close < 0) {
      problems.push(`unclosed "\${" (write $\${ for a literal \${)`);
      out += text.slice(dollar);
      break;
    }
    const inner = text.slice(dollar + 2, close);
    const sep = inner.indexOf(":-");
    const name = sep >= 0 ? inner.slice(0, sep) : inner;
    const fallback = sep >= 0 ? inner.slice(sep + 2) : null;
    if (!NAME_RE.test(name)) {
      problems.push(`invalid variable reference "\${${inner}}" (expected \${NAME} or \${NAME:-default})`);
      out += text.slice(dollar, close + 1);
    } else {
      const found = env[name];
      if (found !== undefined && found !== "") out += found;
      else if (fallback !== null) out += fallback;
      else unset.push(name);
    }
    i = close + 1;
  }
  return { value: out, unset, problems };
}

/** Expand every string inside `value` (mappings and lists, recursively). */
export function expandEnv(value: unknown, env: EnvLike): ExpandResult {
  const result: ExpandResult = { value: undefined, unset: [], emptied: [], problems: [] };
  result.value = walk(value, "", env, result);
  return result;
}

/** Returns the expanded value, or undefined when it became empty through unset variables. */
function walk(value: unknown, path: string, env: EnvLike, acc: ExpandResult): unknown {
  if (typeof value === "string") {
    const r = expandString(value, env);
    for (const variable of r.unset) acc.unset.push({ path, variable });
    for (const message of r.problems) acc.problems.push({ path, message });
    if (r.value === "" && r.unset.length > 0) {
      acc.emptied.push(path);
      return undefined;
    }
    return r.value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, index) => {
      const expanded = walk(item, `${path}[${index}]`, env, acc);
      if (expanded !== undefined) out.push(expanded);
    });
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const expanded = walk(inner, path === "" ? key : `${path}.${key}`, env, acc);
      if (expanded !== undefined) out[key] = expanded;
    }
    return out;
  }
  return value;
}
