// Built on shell-quote's parse. Kept here (prepare): shell-quote drops an unterminated quote or a
// trailing backslash without a word, knows no line continuation and reads `\*` as a glob.
import { parse, type ParseEntry } from "shell-quote";

import { ConfigError } from "../core/errors.js";

/**
 * Split a command line into argv with a POSIX shell's quoting, but never through a shell:
 *
 * - whitespace separates words; quotes join with adjacent text (`--x="a b"` is one word), and
 *   `""` is an empty word;
 * - `'single quotes'` keep everything literally; in `"double quotes"` a backslash drops before
 *   `"`, `\`, `$` and `` ` `` and is kept before anything else;
 * - outside quotes a backslash makes the next character literal (`a\ b` is one word);
 *   backslash-newline is a line continuation;
 * - shell syntax (`;`, `|`, `&&`, `>`, `*`, `$HOME`, `#`) is never acted on: splitCommand gives
 *   it back as the text written, and toArgv, which reads config values, refuses it.
 *
 * Throws ConfigError (key null; the caller knows which key) for an unterminated quote or
 * a trailing backslash. Windows-style paths need quoting (`'C:\bin\claude'`) or the list form.
 */
export function splitCommand(input: string): string[] {
  // Every shell character is escaped or quoted first, so shell-quote returns only words.
  return parse(prepare(input, true).text).filter((entry) => typeof entry === "string");
}

/**
 * A command from config.yaml: a string is split with splitCommand() and must hold no shell
 * syntax (nothing would run it: the person gets told to quote it or use a list); a list (YAML
 * sequence) is taken as-is, already one argument per item.
 */
export function toArgv(value: string | readonly string[]): string[] {
  if (typeof value !== "string") return [...value];
  const syntax = shellSyntax(value);
  if (syntax !== null) {
    throw new ConfigError(
      `it has ${syntax}, and no shell runs this command: put it in quotes ('...') to pass it ` +
        "as an argument, or give the command as a YAML list",
      null,
    );
  }
  return splitCommand(value);
}

/** The first piece of shell syntax in `input`, described for a message, or null. */
function shellSyntax(input: string): string | null {
  const { text, backtick } = prepare(input, false);
  if (backtick) return "the command substitution \"`\"";
  const variables: string[] = [];
  let entries: ParseEntry[];
  try {
    entries = parse(text, (name) => {
      variables.push(name);
      return "";
    });
  } catch {
    return 'the shell substitution "${"'; // shell-quote: "Bad substitution" for `${}` or an open `${`
  }
  const variable = variables[0];
  if (variable !== undefined) {
    const hint = /^[A-Za-z_]\w*$/.test(variable) ? ` (write \${${variable}} for config.yaml to expand it)` : "";
    return `the shell expansion "$${variable}"${hint}`;
  }
  const entry = entries.find((e) => typeof e !== "string");
  if (entry === undefined || typeof entry === "string") return null;
  if ("comment" in entry) return "a shell comment (#)";
  return entry.op === "glob" ? `the glob "${entry.pattern}"` : `the shell operator "${entry.op}"`;
}

/** Quoted, escaped or plain runs of text; every character belongs to one. */
const SEGMENT = /'[^']*(')?|"((?:\\[\s\S]|[^"\\])*)(")?|\\([\s\S])?|[^'"\\]+/g;

/**
 * Check quotes and backslashes and drop line continuations. `*` and `?` written with a
 * backslash become `'*'` (shell-quote would read them as a glob); when `literal`, so does
 * every other character shell-quote would read as an operator, glob, variable or comment.
 * `backtick` tells whether an unescaped `` ` `` is outside single quotes.
 */
function prepare(input: string, literal: boolean): { text: string; backtick: boolean } {
  let text = "";
  let backtick = false;
  for (const [segment, singleEnd, doubleBody, doubleEnd, escaped] of input.matchAll(SEGMENT)) {
    if (segment.startsWith("'")) {
      if (singleEnd === undefined) throw problem("unterminated single quote", input);
      text += segment;
    } else if (segment.startsWith('"')) {
      if (doubleEnd === undefined) throw problem("unterminated double quote", input);
      const body = doubleBody.replace(/\\[\s\S]|[$`]/g, (s) => {
        if (s === "`") backtick = true;
        return s === "\\\n" ? "" : s === "\\`" ? "`" : s === "$" && literal ? "\\$" : s;
      });
      text += `"${body}"`;
    } else if (segment.startsWith("\\")) {
      if (escaped === undefined) throw problem("trailing backslash", input);
      text += escaped === "\n" ? "" : escaped === "*" || escaped === "?" ? `'${escaped}'` : segment;
    } else {
      if (segment.includes("`")) backtick = true;
      text += literal ? segment.replace(/[;|&<>()$#]/g, "\\$&").replace(/[*?]/g, "'$&'") : segment;
    }
  }
  return { text, backtick };
}

function problem(what: string, input: string): ConfigError {
  return new ConfigError(`${what} in ${JSON.stringify(input)}`, null);
}
