#!/usr/bin/env node
// The `orchestrator` command. Runs the compiled JavaScript in dist/ (`npm run build`, which
// `npm ci` runs as `prepare`) when its stamp matches the TypeScript sources on disk now, and
// otherwise the sources themselves through tsx (a dependency): a stale build never runs, an edited
// .ts file runs at once, and a fresh clone works straight after `npm ci`. NODE_DEBUG=orchestrator
// prints which of the two started.
import { fileURLToPath } from "node:url";
import { debuglog } from "node:util";
import { DIST_DIR, distIsFresh } from "./source-stamp.js";

const root = new URL("..", import.meta.url);
const debug = debuglog("orchestrator");
let runCli;
if (distIsFresh(fileURLToPath(root))) {
  debug("running %s/ (its stamp matches src/)", DIST_DIR);
  // Stack traces through dist/ name the .ts files and lines, as under tsx.
  process.setSourceMapsEnabled(true);
  ({ runCli } = await import(new URL(`${DIST_DIR}/cli/run-cli.js`, root).href));
} else {
  debug("running src/ through tsx (%s/ is missing or older than src/: npm run build)", DIST_DIR);
  const { register } = await import("tsx/esm/api");
  register();
  ({ runCli } = await import("../src/cli/run-cli.ts"));
}
process.exitCode = await runCli(process.argv.slice(2));
