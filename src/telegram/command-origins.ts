/**
 * Which chat's command caused a transition. When a command's effect is something the bot reports
 * to every chat anyway ("⚙️ Executing Task 1/3"), replying to the command as well would say it
 * twice; so the reporter marks the command as announced and the handler stays quiet.
 *
 * AsyncLocalStorage carries the mark: the orchestrator calls its subscribers inside the async
 * context of the dispatch() that caused the change. That context also leaks into the task run the
 * command started (and its later reports), so only changes whose event IS a command are marked,
 * and one report: rollback_done, which only a rollback command's own effect makes, and which
 * Control waits for before it answers; its "↩️ rolled back" report is then the answer.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { COMMAND_NAMES, type OrchestratorEvent } from "../core/events.js";

interface Origin {
  chatId: string;
  announced: boolean;
}

export class CommandOrigins {
  readonly #storage = new AsyncLocalStorage<Origin>();

  /** Runs a command for `chatId`; `announced` says whether its change was reported to the chats. */
  async run<T>(chatId: string, command: () => Promise<T>): Promise<{ result: T; announced: boolean }> {
    const origin: Origin = { chatId, announced: false };
    const result = await this.#storage.run(origin, command);
    return { result, announced: origin.announced };
  }

  /** Called by the reporter for every change it reported. */
  markAnnounced(event: OrchestratorEvent): void {
    if (!(COMMAND_NAMES as readonly string[]).includes(event.type) && event.type !== "rollback_done") return;
    const origin = this.#storage.getStore();
    if (origin) origin.announced = true;
  }
}
