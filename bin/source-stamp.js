// The stamp that ties dist/ to the sources it was compiled from, so a stale build never runs.
// Plain JavaScript (not src/): the bin checks it before it knows whether TypeScript can be run.
// Node's fs and crypto only; the check costs a directory walk and one stat per file (a few ms).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The compiled tree and its stamp, relative to the package root. */
export const DIST_DIR = "dist";
export const STAMP_FILE = "build-stamp.json";

/**
 * What the build's output depends on: every file under src/ (the .ts compiled, anything else
 * copied), tsconfig.json (the compiler options) and the build script itself.
 */
const INPUTS = ["tsconfig.json", "bin/build-dist.js"];

/**
 * A digest of the inputs as they are on disk now: each one's path, size and mtime (to the
 * nanosecond the filesystem keeps). Any edit, added, removed or renamed file changes it; contents
 * are not read (that is what keeps the check cheap). A missing input is part of the digest too.
 * @param {string} root the package root
 * @returns {{ files: number, digest: string }}
 */
export function sourceStamp(root) {
  const lines = [];
  for (const entry of readdirSync(path.join(root, "src"), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    lines.push(path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)));
  }
  lines.sort();
  const files = lines.length;
  lines.push(...INPUTS);
  const hash = createHash("sha256");
  for (const rel of lines) {
    const st = statSync(path.join(root, rel), { bigint: true, throwIfNoEntry: false });
    hash.update(st ? `${rel}\0${st.size}\0${st.mtimeNs}\n` : `${rel}\0missing\n`);
  }
  return { files, digest: hash.digest("hex") };
}

/**
 * True when dist/ holds a build of exactly the sources on disk. Never throws: no dist/, no stamp,
 * an unreadable stamp, or no src/ all mean "not fresh" (the bin then runs the sources).
 * @param {string} root the package root
 */
export function distIsFresh(root) {
  try {
    const stamp = JSON.parse(readFileSync(path.join(root, DIST_DIR, STAMP_FILE), "utf8"));
    const now = sourceStamp(root);
    return stamp.digest === now.digest && stamp.files === now.files;
  } catch {
    return false;
  }
}
