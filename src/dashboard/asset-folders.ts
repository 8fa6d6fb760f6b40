import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/**
 * The installed folder of package `name` (its version is package.json's pin): found from its
 * entry point upwards, since not every package exports its package.json (chart.js does not).
 * Throws when the package is missing (npm ci was not run): serve cannot offer the dashboard then.
 */
export function packageFolder(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the installed package ${name}: run npm ci`);
    dir = up;
  }
}

/**
 * The dashboard's own script and stylesheet: src/dashboard/public from the package root, so a
 * compiled copy of this module (one folder deeper or not) still finds them. The package root is
 * the folder holding this project's package.json.
 */
export function publicFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "src", "dashboard", "public");
    if (existsSync(path.join(dir, "package.json")) && existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find src/dashboard/public beside package.json");
    dir = up;
  }
}
