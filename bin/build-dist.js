#!/usr/bin/env node
// `npm run build` (and `prepare`, which npm runs after `npm ci` in the package root): compiles
// src/**/*.ts to dist/ one file at a time, copies src's other files, and writes dist/build-stamp.json
// (sourceStamp) so bin/orchestrator.js runs dist/ only while it matches the sources on disk.
//
// The compiler is esbuild's transform, reached through tsx (a dependency, not a devDependency):
// it is what tsx compiles the sources with when the bin falls back to them, so both ways run the
// same JavaScript, and it is there after `npm ci --omit=dev` too. Types are not checked here
// (`npm run typecheck` does that); a build takes about a second.
//
// On failure nothing is half-replaced: the new tree is written to a temporary folder and swapped
// in whole; dist/ is removed first so a failed build leaves no stale one (the bin runs the
// sources). Without src/ (a Docker layer that installs before copying the sources) it does nothing.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DIST_DIR, STAMP_FILE, sourceStamp } from "./source-stamp.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, DIST_DIR);

if (!existsSync(path.join(root, "src"))) {
  console.error("build: no src/ here, nothing to compile (the bin runs the sources once they are copied in)");
  process.exit(0);
}

const requireFromTsx = createRequire(createRequire(path.join(root, "package.json")).resolve("tsx/package.json"));
/** @type {typeof import("esbuild")} */
const esbuild = requireFromTsx("esbuild");

const started = performance.now();
// Taken before any source is read: a file edited while this runs leaves the stamp behind it.
const stamp = sourceStamp(root);
const tsconfig = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8"));
const temp = path.join(root, `${DIST_DIR}.tmp-${process.pid}`);
rmSync(temp, { recursive: true, force: true });
rmSync(dist, { recursive: true, force: true });
try {
  let compiled = 0;
  for (const entry of readdirSync(path.join(root, "src"), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const rel = path.relative(path.join(root, "src"), file);
    const out = path.join(temp, rel);
    mkdirSync(path.dirname(out), { recursive: true });
    if (!rel.endsWith(".ts") || rel.endsWith(".d.ts")) {
      copyFileSync(file, out);
      continue;
    }
    const js = out.replace(/\.ts$/, ".js");
    const result = esbuild.transformSync(readFileSync(file, "utf8"), {
      loader: "ts",
      format: "esm",
      platform: "node",
      target: `node${process.versions.node}`,
      // tsconfig's compiler options as tsx hands them to esbuild (class fields, JSX and the like).
      tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
      // Stack traces name the .ts file and line: the bin turns source maps on for dist/.
      sourcemap: "external",
      sourcefile: path.relative(path.dirname(js), file),
    });
    writeFileSync(js, `${result.code}//# sourceMappingURL=${path.basename(js)}.map\n`);
    writeFileSync(`${js}.map`, result.map);
    compiled++;
  }
  writeFileSync(path.join(temp, STAMP_FILE), `${JSON.stringify({ ...stamp, built: new Date().toISOString() }, null, 2)}\n`);
  renameSync(temp, dist);
  console.error(`build: ${compiled} files compiled to ${DIST_DIR}/ in ${Math.round(performance.now() - started)} ms`);
} catch (error) {
  rmSync(temp, { recursive: true, force: true });
  console.error(`build: failed, ${DIST_DIR}/ removed (the bin runs the sources through tsx): ${error?.stack ?? error}`);
  process.exit(1);
}
