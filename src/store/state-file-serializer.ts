/**
 * The text of state.json: compact JSON, each task without its definition text (that is in the
 * task definitions file, see task-definitions-file.ts), and `task_definitions` naming that file.
 *
 * Why a cache: transitions are copy-on-write (src/core/draft.ts clones only the tasks they
 * change), so from one save to the next almost every task and outbox entry is the very same
 * object. Each one's JSON is kept by object identity and reused, so serializing costs O(changed
 * tasks), plus a list of the cached pieces, which the file write gathers (writev) without copying
 * them into one buffer (that copy, and the garbage of a 780 KB buffer per save, cost a 1,000-task
 * session about 0.2 ms a task). To make that safe, an object is frozen (deeply) when
 * its JSON is cached: changing a saved task in place, instead of replacing it, throws a TypeError
 * at once rather than leaving a stale task in the file.
 */
import type { SessionState } from "../core/state.js";
import { DEFINITIONS_KEY, isDefinitionTextKey } from "./task-definitions-file.js";

const COMMA = Buffer.from(",");

export class StateFileSerializer {
  /** UTF-8 JSON of a task (without its text) or an outbox entry, by identity; entries go with their objects. */
  readonly #json = new WeakMap<object, Buffer>();

  /**
   * state.json's bytes for `state`, as the pieces to write one after another (the cached ones
   * themselves: nothing is joined, copied or re-encoded per save; the file write gathers them);
   * `definitionsFile` (a base name) is written as task_definitions unless null.
   */
  serialize(state: SessionState, definitionsFile: string | null): Buffer[] {
    const chunks: Buffer[] = [];
    let text = "";
    let first = true;
    const field = (key: string, json: string) => {
      text += `${first ? "{" : ","}${JSON.stringify(key)}:${json}`;
      first = false;
    };
    for (const [key, value] of Object.entries(state)) {
      if (value === undefined) continue;
      if ((key === "tasks" || key === "outbox") && Array.isArray(value)) {
        if (key === "tasks" && definitionsFile !== null) field(DEFINITIONS_KEY, JSON.stringify(definitionsFile));
        field(key, "[");
        chunks.push(Buffer.from(text));
        const toJson = key === "tasks" ? taskJson : plainJson;
        value.forEach((item: object, i: number) => {
          if (i > 0) chunks.push(COMMA);
          chunks.push(this.#cached(item, toJson));
        });
        text = "]";
      } else {
        const json = JSON.stringify(value);
        if (json !== undefined) field(key, json);
      }
    }
    chunks.push(Buffer.from(`${text}${first ? "{" : ""}}\n`));
    return chunks;
  }

  #cached(item: object, toJson: (item: object) => string): Buffer {
    let json = this.#json.get(item);
    if (json === undefined) {
      json = Buffer.from(toJson(item));
      deepFreeze(item);
      this.#json.set(item, json);
    }
    return json;
  }
}

/** A task's JSON without the keys that live in the definitions file; every other key stays. */
function taskJson(task: object): string {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(task)) if (!isDefinitionTextKey(key)) kept[key] = value;
  return JSON.stringify(kept);
}

function plainJson(item: object): string {
  return JSON.stringify(item);
}

function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) if (typeof inner === "object" && inner !== null) deepFreeze(inner);
}
