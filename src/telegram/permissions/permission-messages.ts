/**
 * Which Telegram messages show which permission request, kept beside the state so a restart can
 * still edit them: a request asked before a crash is expired by the restart, and its message must
 * lose its buttons and say so. One JSON file (by default `<state_file>.telegram.permissions.json`):
 * per request id, the messages with its buttons (the request itself, re-sent by /permissions),
 * the reminders (replies to them deny or answer too), whether the messages were edited to their
 * outcome yet, and a question's picks so far.
 *
 * Written like the conversation file (DurableJSONFile: temp file, fsync, rename), one write at a
 * time, after every change; at most MAX_ENTRIES requests, oldest dropped. Nothing here throws: a
 * file that cannot be read or written is logged and the bot goes on from memory (a message not
 * found after a restart keeps its buttons, and a press on it is still answered from the state).
 * A file that cannot be parsed is moved aside (`.corrupt-<time>`).
 */
import { rename } from "node:fs/promises";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../logging/create-logger.js";
import { DurableJSONFile } from "../../store/durable-json-file.js";
import type { Selection } from "./ask-user-question.js";

export interface ChatMessage {
  chat: string;
  message_id: number;
}

export interface PermissionEntry {
  id: string;
  /** Messages with the request's buttons: edited to the outcome once it is answered or expired. */
  messages: ChatMessage[];
  /** Reminders: no buttons, but a reply to one answers like a reply to the request. */
  reminders: ChatMessage[];
  /** Every message was edited to the request's outcome. */
  settled: boolean;
  /** A question's picks so far (several questions or multi-select, sent with Done). */
  selection: Selection;
}

interface StoredFile {
  version: 1;
  entries: PermissionEntry[];
}

/** Requests remembered; the state keeps the last 100 answered ones, so older messages answer "out of date" anyway. */
export const MAX_ENTRIES = 200;

/** The file beside the conversation file: `state.json.telegram.json` -> `state.json.telegram.permissions.json`. */
export function permissionMessagesFileFor(conversationFile: string): string {
  return `${conversationFile.replace(/\.json$/, "")}.permissions.json`;
}

export class PermissionMessages {
  readonly #file: DurableJSONFile<StoredFile>;
  #entries: Promise<PermissionEntry[]> | null = null;

  constructor(
    readonly path: string,
    readonly log: Logger,
    readonly clock: Clock,
  ) {
    this.#file = new DurableJSONFile(path);
  }

  async entry(id: string): Promise<PermissionEntry | null> {
    return (await this.#load()).find((e) => e.id === id) ?? null;
  }

  /** The request a message (with buttons, or a reminder) belongs to. */
  async requestOf(chat: string, messageId: number): Promise<string | null> {
    const is = (m: ChatMessage) => m.chat === chat && m.message_id === messageId;
    return (await this.#load()).find((e) => e.messages.some(is) || e.reminders.some(is))?.id ?? null;
  }

  /** A message with the request's buttons was sent: it is edited when the request is settled. */
  addMessage(id: string, message: ChatMessage): Promise<void> {
    return this.#change(id, (e) => {
      e.messages.push(message);
      e.settled = false;
    });
  }

  addReminder(id: string, message: ChatMessage): Promise<void> {
    return this.#change(id, (e) => void e.reminders.push(message));
  }

  markSettled(id: string): Promise<void> {
    return this.#change(id, (e) => void (e.settled = true));
  }

  setSelection(id: string, selection: Selection): Promise<void> {
    return this.#change(id, (e) => void (e.selection = selection));
  }

  async #change(id: string, change: (entry: PermissionEntry) => void): Promise<void> {
    const entries = await this.#load();
    let entry = entries.find((e) => e.id === id);
    if (!entry) {
      entry = { id, messages: [], reminders: [], settled: false, selection: {} };
      entries.push(entry);
      if (entries.length > MAX_ENTRIES) entries.splice(0, entries.length - MAX_ENTRIES);
    }
    change(entry);
    try {
      await this.#file.write({ version: 1, entries });
    } catch (error) {
      this.log.error({ err: error, file: this.path }, "could not save which Telegram messages show permission requests; after a restart their buttons may stay");
    }
  }

  /** Read once, then served from memory (this process is the file's only writer). */
  #load(): Promise<PermissionEntry[]> {
    this.#entries ??= this.#file.read().then(
      (value) => (value && Array.isArray(value.entries) ? value.entries.filter(isEntry) : []),
      async (error: unknown) => {
        if (error instanceof SyntaxError) {
          const aside = `${this.path}.corrupt-${this.clock.now().getTime()}`;
          await rename(this.path, aside).catch(() => undefined);
          this.log.error({ file: this.path, moved_to: aside }, "the Telegram permission messages file was corrupt: moved aside; older request messages keep their buttons");
        } else {
          this.log.error({ err: error, file: this.path }, "could not read the Telegram permission messages file; going on without it");
        }
        return [];
      },
    );
    return this.#entries;
  }
}

function isEntry(value: unknown): value is PermissionEntry {
  const e = value as Partial<PermissionEntry> | null;
  return typeof e === "object" && e !== null && typeof e.id === "string" && Array.isArray(e.messages) && Array.isArray(e.reminders) && typeof e.settled === "boolean" && typeof e.selection === "object" && e.selection !== null;
}
