/**
 * Finds where each item of the top-level `tasks:` list starts in YAML text, so issues can
 * point at a line. js-yaml's `load` returns plain values without positions; a line scan is
 * enough for the block style people write by hand. Flow style (`tasks: [{...}]`) falls back
 * to the `tasks:` line, and anything else to line 1: a line is never 0.
 */
export interface YamlTaskLines {
  /** 1-based line of `tasks:`, or 1 when the file has none. */
  tasksLine: number;
  /** 1-based first line of the item at `index`. */
  itemLine(index: number): number;
  /** 1-based line of `key:` inside the item at `index`, or the item's line when not found. */
  keyLine(index: number, key: string): number;
  /**
   * 1-based line of the `- ` entry number `entry` (0-based) of the block list under `key:` in the
   * item at `index`; the key's line for a flow list (`key: [a, 1]`) or an entry not found.
   */
  entryLine(index: number, key: string, entry: number): number;
}

export function locateYamlTasks(text: string): YamlTaskLines {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const tasksIndex = lines.findIndex((line) => /^tasks\s*:/.test(line));
  const starts = tasksIndex < 0 ? [] : itemStarts(lines, tasksIndex);
  const listEnd = tasksIndex < 0 ? lines.length : listEndIndex(lines, tasksIndex, starts);
  const tasksLine = tasksIndex < 0 ? 1 : tasksIndex + 1;

  const itemLine = (index: number): number => {
    const start = starts[index];
    return start === undefined ? tasksLine : start + 1;
  };
  /** 0-based index of `key:`'s line, the end of the item, and the key's column; null when not found. */
  const findKey = (index: number, key: string): { at: number; end: number; column: number } | null => {
    const start = starts[index];
    if (start === undefined) return null;
    const end = starts[index + 1] ?? listEnd;
    const pattern = new RegExp(`^(\\s*(?:-\\s+)?)${escapeRegExp(key)}\\s*:`);
    for (let i = start; i < end; i++) {
      const found = pattern.exec(lines[i]);
      if (found) return { at: i, end, column: found[1].length };
    }
    return null;
  };
  const keyLine = (index: number, key: string): number => {
    const found = findKey(index, key);
    return found ? found.at + 1 : itemLine(index);
  };
  const entryLine = (index: number, key: string, entry: number): number => {
    const found = findKey(index, key);
    if (!found) return itemLine(index);
    const entries = entryStarts(lines, found.at, found.end, found.column);
    return (entries[entry] ?? found.at) + 1;
  };
  return { tasksLine, itemLine, keyLine, entryLine };
}

/**
 * 0-based indexes of a block list's `- ` lines under the key at `keyIndex` (whose name starts at
 * `keyColumn`): the entries may sit at the key's own column, as YAML allows, or deeper.
 */
function entryStarts(lines: string[], keyIndex: number, end: number, keyColumn: number): number[] {
  const entries: number[] = [];
  let entryIndent: number | null = null;
  for (let i = keyIndex + 1; i < end; i++) {
    const line = lines[i];
    if (isBlankOrComment(line)) continue;
    const indent = indentOf(line);
    const isEntry = /^\s*-(\s|$)/.test(line);
    if (entryIndent === null) {
      if (!isEntry || indent < keyColumn) break;
      entryIndent = indent;
    }
    if (isEntry && indent === entryIndent) entries.push(i);
    else if (indent <= entryIndent) break; // the item's next key
  }
  return entries;
}

/** 0-based indexes of the `- ` lines at the list's own indentation. */
function itemStarts(lines: string[], tasksIndex: number): number[] {
  const starts: number[] = [];
  let itemIndent: number | null = null;
  for (let i = tasksIndex + 1; i < lines.length; i++) {
    const line = lines[i];
    if (isBlankOrComment(line)) continue;
    const indent = indentOf(line);
    const isItem = /^\s*-(\s|$)/.test(line);
    if (itemIndent === null) {
      if (!isItem) break;
      itemIndent = indent;
    }
    if (isItem && indent === itemIndent) starts.push(i);
    else if (indent <= itemIndent) break; // the next top-level key: the list is over
  }
  return starts;
}

/** 0-based index just past the list, so the last item's key search stops there. */
function listEndIndex(lines: string[], tasksIndex: number, starts: number[]): number {
  const last = starts[starts.length - 1];
  if (last === undefined) return tasksIndex + 1;
  const itemIndent = indentOf(lines[last]);
  for (let i = last + 1; i < lines.length; i++) {
    if (!isBlankOrComment(lines[i]) && indentOf(lines[i]) <= itemIndent) return i;
  }
  return lines.length;
}

function isBlankOrComment(line: string): boolean {
  return /^\s*(#|$)/.test(line);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
