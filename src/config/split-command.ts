import { ConfigError } from "../core/errors.js";

/**
 * Split a command line into argv the way a POSIX shell would tokenise it, but without a
 * shell: no variables, globs, pipes or redirections, so nothing in it is ever run.
 *
 * - whitespace separates words;
 * - `'single quotes'` keep everything literally;
 * - `"double quotes"` keep everything except `\"`, `\\`, `\$` and `` \` ``, which drop the backslash;
 * - outside quotes a backslash makes the next character literal (`a\ b` is one word);
 *   backslash-newline is a line continuation;
 * - quotes join with adjacent text (`--x="a b"` is one word), and `""` is an empty word.
 *
 * Throws ConfigError (key null; the caller knows which key) for an unterminated quote or
 * a trailing backslash. Windows-style paths need quoting (`'C:\bin\claude'`) or the list form.
 */
export function splitCommand(input: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    // A backslash-newline is a line continuation: it joins, and does not start a word.
    if (ch === "\\" && input[i + 1] === "\n") {
      i += 2;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const close = input.indexOf("'", i + 1);
      if (close < 0) throw new ConfigError(`unterminated single quote in ${JSON.stringify(input)}`, null);
      word += input.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      let closed = false;
      while (i < input.length) {
        const c = input[i];
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\" && i + 1 < input.length && '"\\$`\n'.includes(input[i + 1])) {
          if (input[i + 1] !== "\n") word += input[i + 1];
          i += 2;
          continue;
        }
        word += c;
        i++;
      }
      if (!closed) throw new ConfigError(`unterminated double quote in ${JSON.stringify(input)}`, null);
      continue;
    }
    if (ch === "\\") {
      if (i + 1 >= input.length) throw new ConfigError(`trailing backslash in ${JSON.stringify(input)}`, null);
      word += input[i + 1];
      i += 2;
      continue;
    }
    word += ch;
    i++;
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * A command from config.yaml: a string is split with splitCommand(); a list (YAML sequence)
 * is taken as-is, already one argument per item.
 */
export function toArgv(value: string | readonly string[]): string[] {
  return typeof value === "string" ? splitCommand(value) : [...value];
}
