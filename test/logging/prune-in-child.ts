// Runs one pruneOldLogs sweep in this process and prints its result as JSON (not a test file).
// prune-old-logs.test.ts starts it as an unprivileged user when the tests run as root, so a
// folder's permissions stop it (they do not stop root). `node bin/run-ts.js this.ts <options json>`.
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { pruneOldLogs } from "../../src/logging/prune-old-logs.js";

const { logsDir, now, retentionDays } = JSON.parse(process.argv[2] ?? "{}") as { logsDir: string; now: string; retentionDays: number };
const clock = new ManualClock(now);
const warnings: string[] = [];
const { logger } = createLogger({ level: "warn", logsDir: null, clock, console: { write: (line: string) => warnings.push(line) } as unknown as NodeJS.WritableStream });
const result = await pruneOldLogs({ logsDir, retentionDays, clock, logger, keep: { sessionId: null, planId: null } });
process.stdout.write(JSON.stringify({ result, warnings: warnings.map((line) => (JSON.parse(line) as { msg: string }).msg) }));
