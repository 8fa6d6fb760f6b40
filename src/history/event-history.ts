/**
 * Writes the event history: every transition of the orchestrator (commands with who sent them,
 * runner reports, the notifications they made) as one JSON line in `events-YYYY-MM-DD.jsonl`
 * (history-files.ts), for `orchestrator history`, `/history` and `POST /webhook/history`.
 *
 * It must never slow or fail a transition: record() only builds the line and queues it in
 * memory; a timer appends the queued lines every `flushMs` (default 200 ms) in one write and
 * fsyncs them, so a crash loses at most that much. close() writes what is left (app.close()).
 *
 * A write that fails (a read-only folder, a full disk) keeps the lines queued and tries again
 * every RETRY_MS; it is said once, through the LogHealth (source "events": /health, /status and
 * the phone hear "logs are not being written: …") and one log line, and once more when writing
 * works again. Memory is bounded: past maxPendingBytes the oldest queued lines are dropped and
 * counted, and the file gets a `history_gap` line saying how many are missing.
 */
import { mkdir, open } from "node:fs/promises";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { LogHealth } from "../logging/log-health.js";
import type { Change } from "../orchestrator/orchestrator.js";
import { commandEntry, historyEntry, noteEntry, type CommandRecord, type HistoryEntry } from "./history-entry.js";
import { historyFile } from "./history-files.js";

/** How long a failing write waits before it is tried again. */
export const RETRY_MS = 2000;
/** Default bound of the lines waiting in memory (about 20 000 lines). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** The file operations the writer needs; tests wrap them to count writes and fsyncs. */
export interface HistoryFs {
  mkdir(dir: string): Promise<unknown>;
  /** Opens `file` for appending. */
  open(file: string): Promise<{ write(data: string): Promise<unknown>; sync(): Promise<void>; close(): Promise<void> }>;
}

export const nodeHistoryFs: HistoryFs = {
  mkdir: (dir) => mkdir(dir, { recursive: true }),
  open: (file) => open(file, "a"),
};

export interface EventHistoryOptions {
  /** paths.logs_dir. */
  dir: string;
  clock: Clock;
  health?: LogHealth | null;
  logger?: Logger | null;
  /** Longest time a line waits before it is written (default 200 ms). */
  flushMs?: number;
  /** Wait before a failed write is tried again (default RETRY_MS). */
  retryMs?: number;
  maxPendingBytes?: number;
  fs?: HistoryFs;
}

interface Pending {
  day: string;
  line: string;
}

/** Subscribes to an orchestrator with attach(); `history` in App. */
export class EventHistory {
  readonly #opts: Required<Omit<EventHistoryOptions, "health" | "logger">> & Pick<EventHistoryOptions, "health" | "logger">;
  #pending: Pending[] = [];
  #pendingBytes = 0;
  #dropped = 0;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #failing: string | null = null;
  #closed = false;
  #detach: (() => void) | null = null;

  constructor(options: EventHistoryOptions) {
    this.#opts = { flushMs: 200, retryMs: RETRY_MS, maxPendingBytes: MAX_PENDING_BYTES, fs: nodeHistoryFs, ...options };
  }

  /** Records every change of `orchestrator` from now on. */
  attach(orchestrator: { subscribe(listener: (change: Change) => void): () => void }): void {
    this.#detach?.();
    this.#detach = orchestrator.subscribe((change) => this.record(change));
  }

  /** Why the last write failed, while writes fail; else null. */
  get problem(): string | null {
    return this.#failing;
  }

  /** Queues the change's line (none for progress). Never throws, never waits. */
  record(change: Change): void {
    if (this.#closed) return;
    try {
      const entry = historyEntry(change, this.#opts.clock.now().toISOString());
      if (entry) this.#queue(entry);
    } catch (error) {
      this.#opts.logger?.error({ module: "history", err: error, event: change.event.type }, "could not make a history line for this event; the event itself is unaffected");
    }
  }

  /**
   * Queues the line of a command the orchestrator never sees (feedback, learn), timed by the
   * clock like the others. Never throws, never waits.
   */
  recordCommand(command: CommandRecord): void {
    if (this.#closed) return;
    try {
      this.#queue(commandEntry(this.#opts.clock.now().toISOString(), command));
    } catch (error) {
      this.#opts.logger?.error({ module: "history", err: error, event: command.event }, "could not make a history line for this command; the command itself is unaffected");
    }
  }

  /** Writes every queued line now (waits for a write under way first). Rejects only if the write fails. */
  flush(): Promise<void> {
    this.#clearTimer();
    const run = this.#chain.then(() => this.#writeQueued());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Writes what is queued (one try) and stops: later changes are not recorded. */
  async close(): Promise<void> {
    if (this.#closed) return this.#chain;
    this.#closed = true;
    this.#detach?.();
    await this.flush().catch((error: unknown) => {
      this.#opts.logger?.error({ module: "history", err: error, lost: this.#pending.length }, `stopping: ${this.#pending.length} history line(s) could not be written and are lost`);
    });
    this.#clearTimer();
  }

  #queue(entry: HistoryEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.#pending.push({ day: localDate(new Date(entry.ts)), line });
    this.#pendingBytes += line.length;
    while (this.#pendingBytes > this.#opts.maxPendingBytes && this.#pending.length > 1) {
      const oldest = this.#pending.shift() as Pending;
      this.#pendingBytes -= oldest.line.length;
      this.#dropped++;
    }
    this.#schedule(this.#opts.flushMs);
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush().catch(() => {}); // said by #writeQueued; retried by its schedule
    }, ms);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #writeQueued(): Promise<void> {
    if (this.#pending.length === 0 && this.#dropped === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    // The gap note counts what was dropped; if this write fails before it lands, the count goes back
    // to #dropped (the note itself is not queued: queued, it could be dropped in turn and its count lost).
    let gapCount = 0;
    if (this.#dropped > 0) {
      const now = this.#opts.clock.now();
      const n = this.#dropped;
      gapCount = n;
      const gap = noteEntry(now.toISOString(), `${n} event(s) are missing here: they could not be written (${this.#failing ?? "too many waited in memory"}) and were dropped to bound memory`, { dropped: n });
      batch.unshift({ day: localDate(now), line: `${JSON.stringify(gap)}\n` });
      this.#dropped = 0;
    }
    // One open, write, fsync per day in the batch (two at most, around midnight), in order.
    let written = 0;
    try {
      await this.#opts.fs.mkdir(this.#opts.dir);
      while (written < batch.length) {
        const day = (batch[written] as Pending).day;
        let end = written;
        while (end < batch.length && (batch[end] as Pending).day === day) end++;
        await this.#append(historyFile(this.#opts.dir, day), batch.slice(written, end).map((p) => p.line).join(""));
        written = end;
      }
    } catch (error) {
      // Kept for the next try, before anything queued meanwhile; a line may then be written twice.
      let rest = batch.slice(written);
      if (gapCount > 0 && written === 0) {
        rest = rest.slice(1);
        this.#dropped += gapCount;
      }
      this.#pending = [...rest, ...this.#pending];
      this.#pendingBytes = this.#pending.reduce((n, p) => n + p.line.length, 0);
      this.#failed((error as Error).message);
      this.#schedule(this.#opts.retryMs);
      throw error;
    }
    if (this.#failing !== null) {
      this.#failing = null;
      this.#opts.health?.ok("events");
      this.#opts.logger?.info({ module: "history" }, "the event history is written again");
    }
  }

  async #append(file: string, data: string): Promise<void> {
    const handle = await this.#opts.fs.open(file);
    try {
      await handle.write(data);
      await handle.sync();
    } finally {
      await handle.close().catch(() => {});
    }
  }

  #failed(reason: string): void {
    const first = this.#failing === null;
    this.#failing = reason;
    if (!first) return;
    this.#opts.health?.fail("events", `the event history (${this.#opts.dir}) cannot be written: ${reason}`);
    this.#opts.logger?.error({ module: "history", reason }, `the event history cannot be written (${reason}); its lines are kept in memory and written once it can be, tried every ${this.#opts.retryMs / 1000} s`);
  }
}
