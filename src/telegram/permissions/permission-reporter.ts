/**
 * Claude's permission requests and questions on the phone: one message per request (a new
 * message, so it buzzes) with its buttons, to every allowed chat; the halfway reminder as a new
 * message replying to it; and, once the request is answered (from any surface: a button, a
 * reply, HTTP, the CLI) or expired, every message that shows its buttons edited to the outcome.
 *
 * It watches the state, not the notifications: a record that appears pending is asked, one whose
 * `reminded` turns true is reminded, one that leaves pending is settled. So whatever answers, the
 * phone's buttons go away. Work on one request is done in order (the edit waits for the send).
 *
 * At start (the bot's first contact with Telegram) it catches up from the state and its store:
 * a pending request without a message is asked now, and a message of a request that was settled
 * while the bot was not listening (a restart expires what was pending) is edited now. A message
 * whose edit fails (Telegram down) stays unsettled and is tried again at the next start or press.
 */
import type { Clock } from "../../core/clock.js";
import type { Notification } from "../../core/effects.js";
import type { PermissionRecord } from "../../core/permission.js";
import type { SessionState } from "../../core/state.js";
import type { Logger } from "../../logging/create-logger.js";
import type { Change, Orchestrator } from "../../orchestrator/orchestrator.js";
import type { ChatSender } from "../chat-sender.js";
import { renderPermissionReminder, renderPermissionRequest, renderPermissionSettled } from "../rendering/render-permission.js";
import type { PermissionMessages } from "./permission-messages.js";

export interface PermissionReporterOptions {
  orchestrator: Orchestrator;
  sender: ChatSender;
  store: PermissionMessages;
  chatIds: string[];
  clock: Clock;
  log: Logger;
}

export class PermissionReporter {
  #unsubscribe: (() => void) | null = null;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(readonly options: PermissionReporterOptions) {}

  get store(): PermissionMessages {
    return this.options.store;
  }

  start(): void {
    if (this.#unsubscribe) return;
    const { orchestrator } = this.options;
    this.#unsubscribe = orchestrator.subscribe((change) => this.#onChange(change));
    for (const record of orchestrator.state.permissions ?? []) {
      this.#enqueue(record.id, async () => {
        const entry = await this.options.store.entry(record.id);
        if (record.status === "pending" && !entry) await this.#ask(record.id);
        else if (record.status !== "pending" && entry && !entry.settled) await this.#settle(record.id);
      });
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** Resolves when the work queued so far is done (or after `ms`). */
  async idle(ms = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#chains.values()]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Edits the request's messages to its outcome when it is settled and they are not yet (a press on one found it closed). */
  settle(id: string): Promise<void> {
    return this.#enqueue(id, () => this.#settle(id));
  }

  /** A message re-sent with the request's buttons (/permissions): edited with the others when it is settled. */
  register(id: string, chat: string, messageId: number): Promise<void> {
    return this.#enqueue(id, () => this.options.store.addMessage(id, { chat, message_id: messageId }));
  }

  /** A question's picks changed: its messages show them (✅). */
  refresh(id: string): Promise<void> {
    return this.#enqueue(id, async () => {
      const record = this.#record(id);
      const entry = await this.options.store.entry(id);
      if (!record || record.status !== "pending" || !entry) return;
      const message = renderPermissionRequest(this.options.orchestrator.state, record, entry.selection);
      for (const m of entry.messages) await this.options.sender.edit(m.chat, m.message_id, message.html, message.keyboard);
    });
  }

  #onChange(change: Change): void {
    const before = new Map((change.previous.permissions ?? []).map((p) => [p.id, p]));
    for (const record of change.state.permissions ?? []) {
      const was = before.get(record.id);
      if (record.status === "pending" && !was) this.#enqueue(record.id, () => this.#ask(record.id));
      else if (record.status === "pending" && record.reminded && was && !was.reminded) {
        const note = change.effects.find((e): e is { type: "notify"; notification: Notification } => e.type === "notify" && e.notification.message.startsWith("⏰") && e.notification.task_index === record.index);
        this.#enqueue(record.id, () => this.#remind(record.id, note?.notification.message ?? null));
      } else if (record.status !== "pending" && was?.status === "pending") this.#enqueue(record.id, () => this.#settle(record.id));
    }
  }

  #record(id: string, state: SessionState = this.options.orchestrator.state): PermissionRecord | null {
    return (state.permissions ?? []).find((p) => p.id === id) ?? null;
  }

  async #ask(id: string): Promise<void> {
    const record = this.#record(id);
    // Answered before its message went out (HTTP was quicker): nothing to ask any more.
    if (!record || record.status !== "pending") return;
    const { sender, store, chatIds, orchestrator } = this.options;
    const message = renderPermissionRequest(orchestrator.state, record);
    await Promise.all(
      chatIds.map(async (chat) => {
        const messageId = await sender.send(chat, message.html, message.keyboard);
        if (messageId !== null) await store.addMessage(id, { chat, message_id: messageId });
        if (message.document) await sender.sendDocument(chat, message.document.filename, message.document.content, message.document.caption);
      }),
    );
  }

  async #remind(id: string, coreMessage: string | null): Promise<void> {
    const record = this.#record(id);
    if (!record || record.status !== "pending") return;
    const { sender, store, chatIds, orchestrator } = this.options;
    const entry = await store.entry(id);
    const html = renderPermissionReminder(orchestrator.state, record, coreMessage);
    await Promise.all(
      chatIds.map(async (chat) => {
        const original = entry?.messages.find((m) => m.chat === chat);
        // No original in this chat (it could not be sent): the reminder is the request itself, buttons and all.
        if (!original) {
          const again = renderPermissionRequest(orchestrator.state, record, entry?.selection ?? {});
          const messageId = await sender.send(chat, `${html}\n\n${again.html}`, again.keyboard);
          if (messageId !== null) await store.addMessage(id, { chat, message_id: messageId });
          return;
        }
        const messageId = await sender.send(chat, html, null, { replyTo: original.message_id });
        if (messageId !== null) await store.addReminder(id, { chat, message_id: messageId });
      }),
    );
  }

  async #settle(id: string): Promise<void> {
    const { sender, store, orchestrator, log } = this.options;
    const record = this.#record(id);
    const entry = await store.entry(id);
    if (!record || record.status === "pending" || !entry || entry.settled) return;
    const html = renderPermissionSettled(orchestrator.state, record);
    const edited = await Promise.all(entry.messages.map((m) => sender.edit(m.chat, m.message_id, html)));
    if (edited.every(Boolean)) await store.markSettled(id);
    else log.warn({ permission_id: id }, "a permission request's message could not be edited to its outcome; tried again at the next press or start");
  }

  #enqueue(id: string, job: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const run = previous.then(job).catch((error: unknown) => this.options.log.error({ err: error, permission_id: id }, "telling the phone about a permission request failed"));
    this.#chains.set(id, run);
    void run.then(() => {
      if (this.#chains.get(id) === run) this.#chains.delete(id);
    });
    return run;
  }
}
