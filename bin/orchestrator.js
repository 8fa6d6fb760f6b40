#!/usr/bin/env node
// The `orchestrator` command. Runs the TypeScript sources directly through tsx,
// so a fresh clone works straight after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/run-cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
