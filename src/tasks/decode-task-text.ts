import { isUtf8 } from "node:buffer";
import type { TaskFileIssue } from "../core/task.js";

/** Lines reported at most per kind of problem: a binary file would otherwise list thousands. */
const MAX_LINES_REPORTED = 5;

/**
 * The text of a task file's bytes, or its problems as `file:line` issues: invalid UTF-8 (which
 * a lossy decode would silently turn into U+FFFD, so claude would get something other than what
 * the file says), NUL bytes (a binary file, or UTF-16), and a UTF-16 byte order mark. Lines are
 * counted as the task parser counts them (\n, \r\n or a lone \r end a line); a UTF-8 BOM is kept
 * for the parser, which ignores it.
 */
export function decodeTaskText(bytes: Buffer, file: string): { ok: true; text: string } | { ok: false; issues: TaskFileIssue[] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, issues: [{ file, line: 1, message: "the file is UTF-16; save it as UTF-8" }] };
  }
  if (isUtf8(bytes) && !bytes.includes(0)) return { ok: true, text: bytes.toString("utf8") };

  const badUtf8: number[] = [];
  const nul: number[] = [];
  let line = 1;
  let lineStart = 0;
  const check = (end: number) => {
    const slice = bytes.subarray(lineStart, end);
    if (badUtf8.length < MAX_LINES_REPORTED && !isUtf8(slice)) badUtf8.push(line);
    if (nul.length < MAX_LINES_REPORTED && slice.includes(0)) nul.push(line);
  };
  // A line break byte (0x0a, 0x0d) never occurs inside a multi-byte UTF-8 sequence, so lines can
  // be checked one at a time.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x0a && b !== 0x0d) continue;
    check(i);
    if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
    line++;
    lineStart = i + 1;
  }
  check(bytes.length);
  return {
    ok: false,
    issues: [
      ...badUtf8.map((l) => ({ file, line: l, message: "not valid UTF-8; save the file as UTF-8" })),
      ...nul.map((l) => ({ file, line: l, message: "contains a NUL byte; a task file is plain text (is this a binary file?)" })),
    ].sort((a, b) => a.line - b.line),
  };
}
