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
import { measureOverhead, type OverheadFigure } from "./orchestration-overhead.js";
import { measureTelegramRoundTrip } from "./telegram-round-trip.js";
import { measureTelegramWaits } from "./telegram-waits.js";
import { measureCheckpointOverhead } from "./checkpoint-overhead.js";
import { measureColdStart, type StartFigures } from "./cold-start.js";

const TASKS = Number(process.env.BENCH_TASKS ?? 200);
const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 200);
const CHECKPOINT_TASKS = Number(process.env.BENCH_CHECKPOINT_TASKS ?? 30);
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

// Per-task overhead, small file against large: about the same number of tasks each (100 sessions of 10, one of 1,000).
const SMALL = 10;
const LARGE = Number(process.env.BENCH_LARGE_TASKS ?? 1000);
const bestOf = (figures: OverheadFigure[]) => figures.reduce((a, b) => (b.perTaskMs < a.perTaskMs ? b : a));
const smallRuns: OverheadFigure[] = [];
const largeRuns: OverheadFigure[] = [];
for (let round = 0; round < ROUNDS; round++) {
  smallRuns.push(await measureOverhead(SMALL, Math.max(1, Math.round(LARGE / SMALL))));
  largeRuns.push(await measureOverhead(LARGE, 1));
  console.error(`round ${round + 1}: per-task overhead ${smallRuns.at(-1)?.perTaskMs.toFixed(2)} ms (${SMALL} tasks), ${largeRuns.at(-1)?.perTaskMs.toFixed(2)} ms (${LARGE} tasks)`);
}
const small = bestOf(smallRuns);
const large = bestOf(largeRuns);
const growth = large.perTaskMs / small.perTaskMs;

const quiet = await childRun(1, "success");
const flood = await childRun(1, "flood");
console.error(`peak RSS: one quiet task ${quiet.maxRssMb.toFixed(0)} MB, one ${FLOOD_MB} MB task ${flood.maxRssMb.toFixed(0)} MB`);

const rps = await measureStatusRps({ seconds: 3, connections: 8 });
console.error(`HTTP: bare ${rps.bareRps.toFixed(0)} req/s, /webhook/status ${rps.statusRps.toFixed(0)} req/s`);
const tg = await measureTelegramRoundTrip({ samples: 200 });
console.error(`Telegram round trip: median ${tg.medianMs.toFixed(1)} ms, p99 ${tg.p99Ms.toFixed(1)} ms`);
const waits = await measureTelegramWaits({ samples: 100 });
console.error(
  `Telegram waits: /approve -> spawn p50 ${waits.approveToSpawn.p50Ms} ms, p99 ${waits.approveToSpawn.p99Ms} ms; result -> message p50 ${waits.resultToMessage.p50Ms} ms, p99 ${waits.resultToMessage.p99Ms} ms`,
);
const cp = await measureCheckpointOverhead({ tasks: CHECKPOINT_TASKS, rounds: ROUNDS });
console.error(
  `checkpoints: ${cp.perTaskOverheadMs.toFixed(1)} ms a task (ratio ${cp.ratio.toFixed(2)}); one snapshot ${cp.snapshotMs.toFixed(1)} ms, git status ${cp.statusMs.toFixed(1)} ms (ratio ${cp.snapshotToStatus.toFixed(2)})`,
);
const start = await measureColdStart({ samples: 7 });
console.error(
  `cold start (node -e 0 ${start.nodeMs.toFixed(0)} ms): --help ${start.dist.helpMs.toFixed(0)} ms, status ${start.dist.statusMs.toFixed(0)} ms, serve ready ${start.dist.serveReadyMs.toFixed(0)} ms (through tsx: ${start.tsx.helpMs.toFixed(0)}, ${start.tsx.statusMs.toFixed(0)}, ${start.tsx.serveReadyMs.toFixed(0)} ms)`,
);
const startRow = (what: string, key: keyof StartFigures, goalMs: number) =>
  `| ${what} | ${start.dist[key].toFixed(0)} ms | **${(start.dist[key] / start.nodeMs).toFixed(1)}** | ${start.tsx[key].toFixed(0)} ms (${(start.tsx[key] / start.nodeMs).toFixed(1)}) | < ${goalMs} ms: ${pass(start.dist[key] < goalMs)} |`;

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

## Per-task overhead: ${LARGE} tasks against ${SMALL}

Does a transition cost more when the task file is longer? Sessions run to completion through the
real app wiring (lock, durable state file, file logger) with an instant in-process runner
(\`ScriptedRunner\`: no process, each run succeeds at once), so all the time is orchestration:
transitions, state saves, log lines. **Per-task overhead** = wall time from the start command to the
completed session, divided by the number of tasks. The ${SMALL}-task file runs as ${small.sessions} sessions back
to back, so both sizes count about as many tasks. Best of ${ROUNDS} rounds each.

| task file | per-task overhead | state.json at the end |
| --- | --- | --- |
| ${SMALL} tasks | ${small.perTaskMs.toFixed(2)} ms | ${(small.stateBytes / 1024).toFixed(1)} KB |
| ${LARGE} tasks | ${large.perTaskMs.toFixed(2)} ms | ${(large.stateBytes / 1024).toFixed(0)} KB |
| **ratio** | **${growth.toFixed(2)}** (goal within 1.5: ${pass(growth <= 1.5)}) | |

Each save writes the status fields of every task (about 0.75 KB a finished task: state.json is the
complete record), never the tasks' text (written once per session to the definitions file); the
JSON of tasks a transition did not change is reused, not re-serialized. What is left of the growth
is writing and fsyncing those bytes.

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

## Waits a person feels on the phone

The real bot against the fake Bot API, around the real app: durable state file, file logger and
the real ClaudeRunner starting a real child (\`bench/stamping-claude.mjs\`, an instant fake claude
that stamps its result line with the machine's monotonic clock). Approval mode manual; ${waits.samples} tasks, each
approved with \`/approve\`, one after another.

| wait | from | to | p50 | p99 | goal |
| --- | --- | --- | --- | --- | --- |
| approve | \`/approve\` update offered to the bot | the claude child spawned | ${waits.approveToSpawn.p50Ms.toFixed(1)} ms | ${waits.approveToSpawn.p99Ms.toFixed(1)} ms | p99 < 50 ms: ${pass(waits.approveToSpawn.p99Ms < 50)} |
| completion | the child writes its result line | "Task N Complete!" at the Bot API | ${waits.resultToMessage.p50Ms.toFixed(1)} ms | ${waits.resultToMessage.p99Ms.toFixed(1)} ms | p99 < 250 ms: ${pass(waits.resultToMessage.p99Ms < 250)} |

## What checkpoints cost a task

A git repository of ${cp.repoFiles.toLocaleString("en")} committed files (${(cp.repoBytes / 1e6).toFixed(0)} MB in a few folders) with a \`.gitignore\`d
\`node_modules/\` of ${cp.ignoredFiles.toLocaleString("en")} small files, isolated from the machine's git configuration. The same
session of ${cp.tasks} tasks runs through the real app (lock, durable state file, file logger, the real
ClaudeRunner and the instant fake claude, scenario success, each task writing one file in the project)
with \`git.enabled: false\` and with \`git.enabled: true\`: a snapshot of the whole work tree before and
after every attempt, and the change between them recorded (\`files_changed\`). The orchestrator's own
files live outside the project. **Per-task overhead** = the difference of the best wall times divided
by the number of tasks. Best of ${cp.rounds} rounds each, the two runs alternating.

| run | best wall time | per task |
| --- | --- | --- |
| git off (baseline) | ${cp.gitOffMs.toFixed(0)} ms | ${(cp.gitOffMs / cp.tasks).toFixed(1)} ms |
| snapshots on | ${cp.gitOnMs.toFixed(0)} ms | ${(cp.gitOnMs / cp.tasks).toFixed(1)} ms |
| **overhead** | **${cp.perTaskOverheadMs.toFixed(1)} ms a task** | ratio **${cp.ratio.toFixed(2)}** |

The fake claude is instant, so for a project of this size the ratio is an upper bound: against a real
task of seconds or minutes the same milliseconds are a small share. A task starts ${cp.gitProcessesPerTask} git processes
(counted with git's trace2 events in an extra, untimed session).

One snapshot (\`GitWorkTree.snapshot\`, as before a task) against a plain \`git status --porcelain\` of the
same repository, both started the same way (\`runGit\`), interleaved, median of ${cp.samples} each:

| operation | median |
| --- | --- |
| \`git status --porcelain\` (baseline) | ${cp.statusMs.toFixed(1)} ms |
| one snapshot | ${cp.snapshotMs.toFixed(1)} ms |
| **ratio** | **${cp.snapshotToStatus.toFixed(2)}** |

The snapshot's directory walk visited ${cp.snapshotPathsVisited.toLocaleString("en")} paths (trace2 \`read_directory\`) of the
${(cp.repoFiles + cp.ignoredFiles).toLocaleString("en")} files on disk: the ignored folder is not read.

Alone: \`node bin/run-ts.js bench/checkpoint-overhead.ts ${cp.tasks} ${cp.rounds} ${cp.samples}\` (tasks, rounds, samples) measures
this section again and prints its figures as JSON.

## Cold start of the \`orchestrator\` command

Wall time from spawning \`node bin/orchestrator.js …\` to its exit, and for \`serve\` to its first 200 on
\`/health\` (fake claude, no Telegram, no n8n), median of ${start.samples} each, in a scratch copy of the package:
from a fresh build (\`dist/\`, what \`npm ci\` leaves through \`prepare\`) and from the sources through tsx
(what the bin runs when \`dist/\` is missing or older than \`src/\`). The client commands are answered by a
running service. **Ratio** = the time over \`node -e 0\` (${start.nodeMs.toFixed(0)} ms here, the same run).

| command | from dist/ | ratio | through tsx (ratio) | goal |
| --- | --- | --- | --- | --- |
${startRow("`orchestrator --help`", "helpMs", 300)}
${startRow("`orchestrator status` (client)", "statusMs", 300)}
${startRow("`orchestrator permissions` (client)", "permissionsMs", 300)}
${startRow("`orchestrator serve` until /health answers", "serveReadyMs", 1000)}

The bin checks the build's stamp (a stat of every file under \`src/\`, a few ms) before it loads anything,
and the command line loads a command's modules only when it runs (\`src/cli/commands/lazy-commands.ts\`):
\`--help\` loads commander alone, a client command adds the config loader (zod, js-yaml) and \`fetch\`.
Alone: \`node bin/run-ts.js bench/cold-start.ts [samples]\` prints the figures as JSON.
`;
await writeFile(new URL("../BENCHMARKS.md", import.meta.url), report);
console.log(report);
