/**
 * Tells every allowed chat what the orchestrator does, on its own: session started, task started
 * (+ its progress, by edits), task completed / failed (a NEW message, so the phone buzzes),
 * approval needed (with buttons), paused, resumed, skipped, interrupted or cancelled, verification
 * failed (Claude fixes it), rolled back, session complete. "Verifying" is no message of its own:
 * it goes into the progress message (an edit, so the phone does not buzz for it).
 * Subscribes to the orchestrator; each transition is rendered (pure) and queued for sending.
 */
import type { Clock } from "../core/clock.js";
import type { Notification } from "../core/effects.js";
import type { Logger } from "../logging/create-logger.js";
import type { Change, Orchestrator } from "../orchestrator/orchestrator.js";
import { taskRef } from "./callback-data.js";
import { escapeHtml } from "./rendering/html.js";
import type { ChatSender } from "./chat-sender.js";
import type { CommandOrigins } from "./command-origins.js";
import type { ProgressTracker } from "./progress-tracker.js";
import { VERIFYING, renderBackOnline, renderChange } from "./rendering/render-change.js";
import { ratedTaskOf, withFeedbackRow } from "./feedback/feedback-buttons.js";
import { PLAN_EVENTS, renderPlanNotes } from "./rendering/render-plan.js";

export interface ReporterOptions {
  orchestrator: Orchestrator;
  sender: ChatSender;
  tracker: ProgressTracker;
  origins: CommandOrigins;
  chatIds: string[];
  clock: Clock;
  log: Logger;
}

export class Reporter {
  #unsubscribe: (() => void) | null = null;

  constructor(readonly options: ReporterOptions) {}

  /** Subscribes; when a session is active, first tells the chats where it stands (back online). */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.options.orchestrator.subscribe((change) => this.#onChange(change));
    const notice = renderBackOnline(this.options.orchestrator.state);
    if (notice) for (const chatId of this.options.chatIds) void this.options.sender.send(chatId, notice.html, notice.keyboard);
    // A problem found before the bot was up (logs not written, state not saved at start) was
    // told to n8n by its notification, but the bot was not listening yet: tell the phone now.
    const problems = this.options.orchestrator.problems;
    if (problems.length > 0) {
      const html = ["⚠️ <b>The orchestrator has a problem</b>", ...problems.map((p) => escapeHtml(p))].join("\n");
      for (const chatId of this.options.chatIds) void this.options.sender.send(chatId, html);
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.options.tracker.end();
  }

  #onChange(change: Change): void {
    const { tracker, sender, chatIds, origins, clock } = this.options;
    const event = change.event;
    if (event.type === "task_progress") {
      tracker.progress(taskRef(change.state, event.index), event.progress);
      return;
    }
    tracker.sync(change.state);
    const notes = change.effects.flatMap((e): Notification[] => (e.type === "notify" ? [e.notification] : []));
    for (const n of notes) {
      // "🔎 Task 1/3: Claude is done; verifying (npm test)": the progress message shows it at its next edit.
      if (n.event === "task_verifying" && n.task_index !== null) tracker.progress(taskRef(change.state, n.task_index), { kind: VERIFYING, text: n.message.replace(/^🔎\s*/, "") });
    }
    // A plan's notifications (drafting, ready with Start / Show file / Discard, failed…) have their own messages.
    const messages = [...renderChange(change.state, notes.filter((n) => !PLAN_EVENTS.has(n.event)), clock.now()), ...renderPlanNotes(change.state, notes)];
    if (messages.length === 0) return;
    origins.markAnnounced(event);
    // A task's end (completed, failed) gets 👍 / 👎 on its message (the first, renderChange's): a
    // press, or a reply to the message, is feedback on that task.
    let rated = ratedTaskOf(notes);
    for (const message of messages) {
      const keyboard = rated !== null && message.run === null ? withFeedbackRow(message.keyboard, change.state, rated) : message.keyboard;
      if (message.run === null) rated = null;
      const targets = chatIds.map((chatId) => ({ chatId, messageId: sender.send(chatId, message.html, keyboard) }));
      if (message.run) tracker.begin(message.run, change.state, targets);
    }
  }
}
