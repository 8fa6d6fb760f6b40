// Our own, not dotenv's parse or node:util parseEnv: both cut `URL=http://x/#frag` at the `#`,
// know no \t \" \\ escapes and take or skip a malformed line without a word; parseEnv
// (Node >= 20.12, engines allows 20.11) also misreads an indented comment and a BOM.
import { ConfigError } from "../core/errors.js";

/**
 * A pure parser of .env text. One `KEY=VALUE` per line:
 *
 * - blank lines and lines starting with `#` are skipped; an optional `export ` prefix is allowed;
 * - KEY is `[A-Za-z_][A-Za-z0-9_]*`; spaces around `=` are allowed;
 * - an unquoted value is trimmed, and ` #...` (a `#` after whitespace) is a comment;
 *   a `#` inside a word (`http://x/#frag`) is kept;
 * - `'single'` quotes are literal; `"double"` quotes understand `\n \r \t \\ \"`
 *   (any other backslash is kept as written); after the closing quote only a comment may follow;
 * - a quoted value must close on its own line (no multi-line values);
 * - no `${VAR}` expansion: a .env value is taken as written;
 * - a key given twice: the last one wins.
 */
export interface DotenvProblem {
  line: number;
  message: string;
}

export interface DotenvScan {
  values: Record<string, string>;
  problems: DotenvProblem[];
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse, collecting every malformed line instead of stopping at the first one. */
export function scanDotenv(text: string): DotenvScan {
  const values: Record<string, string> = {};
  const problems: DotenvProblem[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const result = parseLine(raw);
    if (result === null) return;
    if ("error" in result) problems.push({ line, message: result.error });
    else values[result.key] = result.value;
  });
  return { values, problems };
}

/**
 * Parse .env text into a record. Throws one ConfigError listing every malformed line
 * as `<file>:<line>: <problem>` (file defaults to ".env").
 */
export function parseDotenv(text: string, file = ".env"): Record<string, string> {
  const { values, problems } = scanDotenv(text);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${file}:${p.line}: ${p.message}`);
    const message =
      lines.length === 1 ? lines[0] : `${lines.length} problems in ${file}:\n  ${lines.join("\n  ")}`;
    throw new ConfigError(message, null);
  }
  return values;
}

type LineResult = null | { key: string; value: string } | { error: string };

function parseLine(raw: string): LineResult {
  let rest = raw.trim();
  if (rest === "" || rest.startsWith("#")) return null;
  if (/^export\s+/.test(rest)) rest = rest.replace(/^export\s+/, "");

  const eq = rest.indexOf("=");
  // Messages never quote a value: a .env holds secrets.
  if (eq < 0) return { error: "expected KEY=VALUE" };
  const key = rest.slice(0, eq).trim();
  if (!KEY_RE.test(key)) {
    return { error: `invalid variable name ${JSON.stringify(clip(key))} (letters, digits and _, not starting with a digit)` };
  }
  const valueRaw = rest.slice(eq + 1);
  const valueText = valueRaw.trimStart();
  const quote = valueText[0];
  if (quote === "'" || quote === '"') {
    const parsed = quote === "'" ? readSingle(valueText) : readDouble(valueText);
    if (parsed === null) return { error: `${key}: unterminated ${quote === "'" ? "single" : "double"} quote` };
    const after = valueText.slice(parsed.end).trim();
    if (after !== "" && !after.startsWith("#")) {
      return { error: `${key}: unexpected text after the closing quote (a comment must start with #)` };
    }
    return { key, value: parsed.value };
  }
  // Unquoted: a `#` preceded by whitespace starts a comment (`KEY= # note` is empty,
  // `KEY=#abc` is "#abc").
  const comment = valueRaw.search(/\s#/);
  return { key, value: (comment >= 0 ? valueRaw.slice(0, comment) : valueRaw).trim() };
}

/** `'...'`: literal up to the next `'`. `end` is the index after the closing quote. */
function readSingle(text: string): { value: string; end: number } | null {
  const close = text.indexOf("'", 1);
  if (close < 0) return null;
  return { value: text.slice(1, close), end: close + 1 };
}

const DOUBLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"' };

function readDouble(text: string): { value: string; end: number } | null {
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') return { value, end: i + 1 };
    if (ch === "\\" && i + 1 < text.length) {
      const next = text[i + 1];
      const mapped = DOUBLE_ESCAPES[next];
      value += mapped ?? `\\${next}`;
      i++;
      continue;
    }
    value += ch;
  }
  return null;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
