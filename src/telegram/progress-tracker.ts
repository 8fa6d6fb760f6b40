/**
 * Keeps the running task's "⚙️ Executing" message up to date: the latest tool use or text from
 * Claude and the time elapsed, by EDITING that message at most once every `editMs` (default
 * 3000 ms). Telegram's flood control punishes faster edits with growing retry_after penalties
 * (FIELD-NOTES), and edits do not notify the phone anyway: the end of a task is a new message,
 * sent by the reporter.
 *
 * Edits are lossy on purpose: they use an Api without auto-retry, and a 429 only postpones the
 * next edit by retry_after. Waiting out a penalty for a stale edit would hold up the messages
 * that matter. Each edit has `timeoutMs` (default 10 s) to get an answer and is cancelled by
 * `signal` (shutdown), so a Telegram that does not answer never holds an edit, or the process.
 */
import { GrammyError, type Api } from "grammy";
import type { Clock } from "../core/clock.js";
import type { Progress } from "../core/run-outcome.js";
import type { SessionState } from "../core/state.js";
import type { Logger } from "../logging/create-logger.js";
import { refIsCurrent, type TaskRef } from "./callback-data.js";
import { describeTelegramError } from "./describe-telegram-error.js";
import { renderTaskStarted } from "./rendering/render-change.js";
import { secondsSince } from "./rendering/render-parts.js";
import { splitHtml } from "./rendering/split-message.js";
import { apiSignal } from "./telegram-link.js";

/** What the message shows last: Claude's latest step, or the orchestrator's ("verifying"). */
export interface LatestProgress {
  kind: Progress["kind"] | "verifying";
  text: string;
}

export interface ProgressTarget {
  chatId: string;
  /** The progress message's id once it is sent (null: it could not be sent). */
  messageId: Promise<number | null>;
  lastHtml?: string;
}

interface LiveRun {
  ref: TaskRef;
  state: SessionState;
  targets: ProgressTarget[];
  latest: LatestProgress | null;
  lastEditAt: number;
  notBefore: number;
  timer: NodeJS.Timeout | null;
  editing: boolean;
  dirty: boolean;
}

export interface ProgressTrackerOptions {
  /** An Api WITHOUT auto-retry (see above). */
  api: Api;
  editMs: number;
  /** For the elapsed time shown; the throttle itself runs on real time. */
  clock: Clock;
  log: Logger;
  /** Aborted at shutdown: an edit under way is cancelled. */
  signal?: AbortSignal;
  /** Time one edit may take, ms (default 10 000); an edit without an answer by then is dropped. */
  timeoutMs?: number;
}

export class ProgressTracker {
  #run: LiveRun | null = null;

  constructor(readonly options: ProgressTrackerOptions) {}

  /** A task started and its message is on the way: edits from now on go to that message. */
  begin(ref: TaskRef, state: SessionState, targets: ProgressTarget[]): void {
    this.end();
    // The first edit comes editMs after the message itself (once it is actually sent), like every later one.
    const run: LiveRun = { ref, state, targets, latest: null, lastEditAt: Date.now(), notBefore: 0, timer: null, editing: false, dirty: false };
    this.#run = run;
    void Promise.all(targets.map((t) => t.messageId)).then(() => (run.lastEditAt = Math.max(run.lastEditAt, Date.now())));
  }

  /** Claude did something in the running task; shown at the next allowed edit. */
  progress(ref: TaskRef, progress: LatestProgress): void {
    const run = this.#run;
    if (!run || run.ref.session !== ref.session || run.ref.index !== ref.index || run.ref.attempt !== ref.attempt) return;
    run.latest = { kind: progress.kind, text: progress.text };
    this.#schedule(run);
  }

  /** Ends the live run when the state shows its task is no longer the one running. */
  sync(state: SessionState): void {
    if (this.#run && !(state.status === "running" && refIsCurrent(this.#run.ref, state))) this.end();
  }

  end(): void {
    if (this.#run?.timer) clearTimeout(this.#run.timer);
    this.#run = null;
  }

  #schedule(run: LiveRun): void {
    if (run.timer || run.editing) {
      run.dirty = true;
      return;
    }
    const at = Math.max(run.lastEditAt + this.options.editMs, run.notBefore);
    run.timer = setTimeout(() => void this.#flush(run), Math.max(0, at - Date.now()));
  }

  async #flush(run: LiveRun): Promise<void> {
    run.timer = null;
    if (this.#run !== run) return;
    const wait = Math.max(run.lastEditAt + this.options.editMs, run.notBefore) - Date.now();
    if (wait > 0) {
      run.timer = setTimeout(() => void this.#flush(run), wait);
      return;
    }
    run.editing = true;
    run.dirty = false;
    const task = run.state.tasks[run.ref.index];
    const html = splitHtml(renderTaskStarted(run.state, run.ref.index, run.latest, secondsSince(task?.started_at ?? null, this.options.clock.now())))[0] as string;
    await Promise.all(run.targets.map((target) => this.#edit(run, target, html)));
    run.lastEditAt = Date.now();
    run.editing = false;
    if (run.dirty && this.#run === run) this.#schedule(run);
  }

  async #edit(run: LiveRun, target: ProgressTarget, html: string): Promise<void> {
    const messageId = await target.messageId;
    // Telegram refuses an edit that changes nothing ("message is not modified").
    if (messageId === null || target.lastHtml === html || this.#run !== run) return;
    try {
      const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 10_000), ...(this.options.signal ? [this.options.signal] : [])];
      await this.options.api.editMessageText(target.chatId, messageId, html, { parse_mode: "HTML" }, apiSignal(AbortSignal.any(signals)));
      target.lastHtml = html;
    } catch (error) {
      const retryAfter = error instanceof GrammyError ? error.parameters.retry_after : undefined;
      if (retryAfter !== undefined) run.notBefore = Date.now() + retryAfter * 1000;
      this.options.log.debug({ chat_id: target.chatId, err: describeTelegramError(error) }, "progress edit dropped");
    }
  }
}
