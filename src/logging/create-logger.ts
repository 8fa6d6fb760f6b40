import { pino, type Logger, type DestinationStream } from "pino";
import type { Clock } from "../core/clock.js";
import { DailyFileStream } from "./daily-file-stream.js";
import type { LogHealth } from "./log-health.js";
import { prettyLine } from "./pretty-line.js";

export type { Logger };

export interface LoggerOptions {
  level: "debug" | "info" | "warn" | "error";
  /** Folder for the daily `YYYY-MM-DD.log` files; null writes no file (tests). */
  logsDir: string | null;
  clock: Clock;
  /** Where the console copy goes (default process.stdout); null for none. */
  console?: NodeJS.WritableStream | null;
  /** Readable lines instead of JSON on the console (default: when the console is a TTY). */
  pretty?: boolean;
  /** Values that must never appear in a log line (bot token, webhook secret...). */
  secrets?: (string | null | undefined)[];
  /** Told when the daily log file cannot be written, and when it can again (default: nobody). */
  health?: LogHealth;
}

/**
 * The process's root logger: JSON lines to the console and to orchestrator_logs/YYYY-MM-DD.log.
 * Modules take a child logger (`logger.child({ module: "runner" })`). As a last line of defence every
 * line is scrubbed of secret values, so a secret that slips into an error message is still not logged.
 */
export function createLogger(opts: LoggerOptions): { logger: Logger; close(): void; file: DailyFileStream | null } {
  // Each secret is scrubbed as written and as it appears inside a JSON string (a quote or backslash
  // in it is escaped there, and the pretty console line would decode it back to the raw value).
  const secrets = (opts.secrets ?? [])
    .filter((s): s is string => typeof s === "string" && s.length >= 6)
    .flatMap((s) => [JSON.stringify(s).slice(1, -1), s]);
  const scrub = (line: string) => secrets.reduce((acc, s) => acc.split(s).join("[redacted]"), line);
  const streams: { level: LoggerOptions["level"]; stream: DestinationStream }[] = [];
  const out = opts.console === undefined ? process.stdout : opts.console;
  if (out) {
    const pretty = opts.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
    streams.push({ level: opts.level, stream: { write: (line: string) => void out.write(pretty ? prettyLine(scrub(line)) : scrub(line)) } });
  }
  const file = opts.logsDir ? new DailyFileStream(opts.logsDir, opts.clock, opts.health ?? null) : null;
  // A read-only or missing logs folder is known now, for the start-up banner, not at the first line.
  file?.probe();
  if (file) streams.push({ level: opts.level, stream: { write: (line: string) => file.write(scrub(line)) } });
  const logger = pino(
    { level: opts.level, base: { pid: process.pid }, timestamp: () => `,"time":${opts.clock.now().getTime()}` },
    pino.multistream(streams),
  );
  return { logger, close: () => file?.close(), file };
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
