/**
 * Parsers for git's NUL-separated diff output (`-z`), where paths come verbatim: spaces, tabs,
 * newlines and non-ASCII characters need no unquoting. Output that does not fit the format throws
 * (a git that prints something else must not be read as "no change").
 */

/** One entry of `git diff-tree -r -z --raw`. */
export interface RawEntry {
  /** A added, D deleted, M modified, T type changed (file, symlink, submodule), R renamed, C copied. */
  status: string;
  /** Rename/copy similarity (0-100), null otherwise. */
  score: number | null;
  oldMode: string;
  newMode: string;
  path: string;
  /** The source path of a rename or copy. */
  oldPath?: string;
}

/** One entry of `git diff-tree -r -z --numstat`: counts are null for a binary file. */
export interface NumstatEntry {
  path: string;
  oldPath?: string;
  insertions: number | null;
  deletions: number | null;
}

function malformed(what: string, output: string): never {
  throw new Error(`unexpected ${what} output from git: ${JSON.stringify(output.slice(0, 200))}`);
}

export function parseRawZ(output: string): RawEntry[] {
  const tokens = output.split("\0");
  const entries: RawEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const head = tokens[i++];
    if (head === "" && i === tokens.length) break; // the text ends with a NUL
    const m = /^:(\d{6}) (\d{6}) [0-9a-f]+ [0-9a-f]+ ([A-Z])(\d*)$/.exec(head ?? "");
    if (!m) malformed("--raw", output);
    const [, oldMode, newMode, status, score] = m;
    const first = tokens[i++];
    if (first === undefined) malformed("--raw", output);
    const entry: RawEntry = { status, score: score ? Number(score) : null, oldMode, newMode, path: first };
    if (status === "R" || status === "C") {
      const second = tokens[i++];
      if (second === undefined) malformed("--raw", output);
      entry.oldPath = first;
      entry.path = second;
    }
    entries.push(entry);
  }
  return entries;
}

export function parseNumstatZ(output: string): NumstatEntry[] {
  const tokens = output.split("\0");
  const entries: NumstatEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const head = tokens[i++] ?? "";
    if (head === "" && i === tokens.length) break;
    // "<added>\t<deleted>\t<path>", or "<added>\t<deleted>\t" then old and new path as tokens of their own.
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/.exec(head);
    if (!m) malformed("--numstat", output);
    const [, added, deleted, rest] = m;
    const count = (n: string) => (n === "-" ? null : Number(n));
    if (rest === "") {
      const oldPath = tokens[i++];
      const path = tokens[i++];
      if (oldPath === undefined || path === undefined) malformed("--numstat", output);
      entries.push({ path, oldPath, insertions: count(added), deletions: count(deleted) });
    } else {
      entries.push({ path: rest, insertions: count(added), deletions: count(deleted) });
    }
  }
  return entries;
}
