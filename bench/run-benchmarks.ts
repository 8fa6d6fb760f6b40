/**
 * `npm run bench`: measures orchestration overhead and memory, writes BENCHMARKS.md.
 * Timings are ratios against a baseline run in the same command, so a slower machine moves both.
 */
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { buildPrompt } from "../src/core/build-prompt.js";
import { createTaskRecord } from "../src/core/state.js";
import { benchTasks, FAKE_CLAUDE, orchestrate } from "./orchestrate-once.js";
import { measureStatusRps } from "./http-status-rps.js";
import { measureTelegramRoundTrip } from "./telegram-round-trip.js";

const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 200);
const ROUNDS = 2;
const env = { ...process.env, FAKE_CLAUDE_SCENARIO: "success" };

/** The baseline: the same fake claude, same arguments and prompt, `count` times in a plain loop. */
async function plainLoop(count: number): Promise<number> {
  const started = performance.now();
  for (const def of benchTasks(count)) {
    await execa(FAKE_CLAUDE, ["-p", "--output-format", "stream-json", "--verbose"], { input: buildPrompt(createTaskRecord(def)), env });
  }
  return performance.now() - started;
}

async function childRun(count: number, scenario: string): Promise<{ ms: number; maxRssMb: number }> {
  const runTs = fileURLToPath(new URL("../bin/run-ts.js", import.meta.url));
  const script = fileURLToPath(new URL("./orchestrate-once.ts", import.meta.url));
  const r = await execa("node", [runTs, script, String(count), scenario], { env: { ...process.env, FAKE_CLAUDE_FLOOD_MB: String(FLOOD_MB) } });
  return JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
}

const baseline: number[] = [];
const orchestrated: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  baseline.push(await plainLoop(TASKS));
  orchestrated.push(await orchestrate(TASKS, env));
  console.error(`round ${round + 1}: plain ${baseline.at(-1)?.toFixed(0)} ms, orchestrated ${orchestrated.at(-1)?.toFixed(0)} ms`);
}
const best = (xs: number[]) => Math.min(...xs);
const ratio = best(orchestrated) / best(baseline);

const quiet = await childRun(1, "success");
const flood = await childRun(1, "flood");
console.error(`peak RSS: one quiet task ${quiet.maxRssMb.toFixed(0)} MB, one ${FLOOD_MB} MB task ${flood.maxRssMb.toFixed(0)} MB`);

const rps = await measureStatusRps({ seconds: 3, connections: 8 });
console.error(`HTTP: bare ${rps.bareRps.toFixed(0)} req/s, /webhook/status ${rps.statusRps.toFixed(0)} req/s`);
const tg = await measureTelegramRoundTrip({ samples: 200 });
console.error(`Telegram round trip: median ${tg.medianMs.toFixed(1)} ms, p99 ${tg.p99Ms.toFixed(1)} ms`);

const pass = (ok: boolean) => (ok ? "met" : "**missed**");
const report = `# Benchmarks

Produced by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores, ${os.platform()}).
Timings are ratios against a baseline measured in the same command, best of ${ROUNDS} rounds each.

## Orchestration overhead

${TASKS} tasks with an instant fake claude (\`test/fixtures/fake-claude.mjs\`, scenario success), auto approval mode,
the real ClaudeRunner, durable state file (temp + fsync + rename on every transition) and file logger,
against the same fake started ${TASKS} times in a plain loop with the same arguments and prompt.

| run | best wall time |
| --- | --- |
| plain loop (baseline) | ${best(baseline).toFixed(0)} ms |
| orchestrator | ${best(orchestrated).toFixed(0)} ms |
| **ratio** | **${ratio.toFixed(3)}** (goal < 1.10: ${pass(ratio < 1.1)}) |

## Peak memory while a task prints ${FLOOD_MB} MB

A fresh process runs one task whose claude prints ${FLOOD_MB} MB of stream-json (scenario flood); peak RSS
(\`process.resourceUsage().maxRSS\`) of the orchestrator process, beside the same process running one quiet task.

| run | peak RSS |
| --- | --- |
| one quiet task | ${quiet.maxRssMb.toFixed(0)} MB |
| one task printing ${FLOOD_MB} MB | ${flood.maxRssMb.toFixed(0)} MB (goal < 150 MB: ${pass(flood.maxRssMb < 150)}) |

## HTTP API throughput

\`POST /webhook/status\` (secret check, access log line, status of a loaded 3-task session) against a
bare Express handler answering a small JSON, each driven for 3 s by 8 keep-alive clients on 127.0.0.1
from the same process.

| server | requests/s |
| --- | --- |
| bare Express handler (baseline) | ${rps.bareRps.toFixed(0)} |
| \`/webhook/status\` | ${rps.statusRps.toFixed(0)} |
| **ratio** | **${rps.ratio.toFixed(2)}** |

## Telegram round trip

The real grammY bot (long polling) against the fake Bot API server on 127.0.0.1: time from a
\`/status\` update being offered to the bot until its reply reaches the server, ${tg.samples} samples.

| median | p99 |
| --- | --- |
| ${tg.medianMs.toFixed(1)} ms | ${tg.p99Ms.toFixed(1)} ms |
`;
await writeFile(new URL("../BENCHMARKS.md", import.meta.url), report);
console.log(report);
