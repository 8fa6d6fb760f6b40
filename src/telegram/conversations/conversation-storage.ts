/**
 * Where @grammyjs/conversations keeps half-finished questions ("Skip Task 2/3? Yes / No"), so a
 * restart between the question and the answer does not lose it: one JSON file (by default
 * `<state_file>.telegram.json`), `{ "<chat id>": <versioned conversation state> }`.
 *
 * Written like the session state: temp file, fsync, rename, fsync the folder (DurableJSONFile),
 * one write at a time. It is only written while a conversation is active. A file that cannot be
 * parsed is moved aside (`.corrupt-<time>`) and the bot starts with no open questions: losing a
 * pending question is better than refusing to start.
 */
import { rename } from "node:fs/promises";
import type { VersionedStateStorage } from "@grammyjs/conversations";
import type { Logger } from "../../logging/create-logger.js";
import { DurableJSONFile } from "../../store/durable-json-file.js";

type Stored<S> = Parameters<VersionedStateStorage<string, S>["write"]>[1];

export class FileConversationStorage<S> implements VersionedStateStorage<string, S> {
  readonly #file: DurableJSONFile<Record<string, Stored<S>>>;
  #data: Promise<Record<string, Stored<S>>> | null = null;

  constructor(
    readonly path: string,
    readonly log: Logger,
  ) {
    this.#file = new DurableJSONFile(path);
  }

  async read(key: string): Promise<Stored<S> | undefined> {
    return (await this.#load())[key];
  }

  async write(key: string, state: Stored<S>): Promise<void> {
    const data = await this.#load();
    data[key] = state;
    await this.#file.write(data);
  }

  async delete(key: string): Promise<void> {
    const data = await this.#load();
    if (!(key in data)) return;
    delete data[key];
    await this.#file.write(data);
  }

  /** Read once, then served from memory (this process is the file's only writer). */
  #load(): Promise<Record<string, Stored<S>>> {
    this.#data ??= this.#file.read().then(
      (value) => (value && typeof value === "object" && !Array.isArray(value) ? value : {}),
      async (error: unknown) => {
        if (!(error instanceof SyntaxError)) throw error;
        const aside = `${this.path}.corrupt-${Date.now()}`;
        await rename(this.path, aside).catch(() => undefined);
        this.log.error({ file: this.path, moved_to: aside }, "Telegram conversation file was corrupt: moved aside; open questions are forgotten");
        return {};
      },
    );
    // A read that failed for another reason (permissions) is retried on the next update.
    this.#data.catch(() => (this.#data = null));
    return this.#data;
  }
}
