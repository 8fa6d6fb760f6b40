/**
 * Where the session state lives between steps and across restarts.
 *
 * FileStateStore keeps it in state.json, compact JSON written atomically and durably on every
 * transition, plus `<file>.bak`, the last copy that loaded cleanly. The tasks' definition text
 * (description, instruction, criteria...) never changes after a start, so it is written once per
 * session to a definitions file beside it that state.json names (task-definitions-file.ts), and
 * each save writes the tasks' status fields only: under 1 KB per task in the session (about 0.75 KB
 * a finished task), whatever the size of the tasks' text, and serializes only the tasks it changed
 * (state-file-serializer.ts). In memory, and to every caller, the state is one SessionState as
 * before: the split is this store's business.
 *
 * A corrupt state file (or one whose definitions file is missing or damaged) is never silently
 * replaced: it is moved aside to `<file>.corrupt-<timestamp>` and a loud warning is given; so is
 * a bad backup found then. Large states reuse the storage of the file a save replaces
 * (SPARE_MIN_BYTES): a spare `<file>.spare-<pid>` stays beside state.json while the writer runs.
 */
import { lstat, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../core/clock.js";
import { StateError } from "../core/errors.js";
import { createIdleState, describeStateProblem, type SessionState, type TaskRecord } from "../core/state.js";
import { DurableJSONFile, errorCode, spareFilePattern, tempFilePattern } from "./durable-json-file.js";
import { isProcessAlive } from "./lock-file.js";
import { StateFileSerializer } from "./state-file-serializer.js";
import {
  buildDefinitions,
  checkDefinitions,
  DEFINITIONS_KEY,
  definitionsFileName,
  definitionsFilePattern,
  definitionsTempFilePattern,
  describeReferenceProblem,
  joinDefinition,
  sameDefinition,
  type DefinitionEntry,
} from "./task-definitions-file.js";

export interface StateStore {
  /** The saved state, or a fresh idle state when there is none (or it was corrupt and unrecoverable). */
  load(): Promise<SessionState>;
  /** Durably replaces the saved state. Throws StateError on failure; the previous state stays on disk. */
  save(state: SessionState): Promise<void>;
  /** A clean stop: lets go of what the store keeps beside the file (the reused storage). Optional. */
  close?(): Promise<void>;
}

export type WarningSink = (msg: string, ctx: object) => void;

export interface FileStateStoreOptions {
  clock: Clock;
  /** Told about recovered problems (corrupt file, failed backup). Default: a line on stderr. */
  onWarning?: WarningSink;
}

/**
 * state.json writes of at least this size reuse the storage of the file they replace (a spare,
 * see writeReusingSpare in durable-json-file.ts): about 80 tasks and up, where a new file's block
 * allocation starts to dominate a save (780 KB: 1.2 ms new, 0.6 ms reused). Smaller states are
 * written to a new file every time, as every other file is: it costs at most ~0.2 ms more there,
 * and a file once named state.json is then never modified, even for a reader holding it open.
 */
export const SPARE_MIN_BYTES = 64 * 1024;

const stderrWarning: WarningSink = (msg, ctx) => {
  process.stderr.write(`WARNING: ${msg} ${JSON.stringify(ctx)}\n`);
};

/** One session's definitions file, as this store knows it. */
interface Definitions {
  /** Base name, in the state file's folder. */
  name: string;
  session: string | null;
  entries: DefinitionEntry[];
  /** The file's text while it still has to be written; null once it is durably on disk. */
  pending: string | null;
  /** verified[i]: the task object last found to have entries[i]'s text (so it is checked once, not per save). */
  verified: (TaskRecord | undefined)[];
}

export class FileStateStore implements StateStore {
  readonly file: string;
  readonly backupFile: string;
  readonly #dir: string;
  readonly #main: DurableJSONFile<unknown>;
  readonly #backup: DurableJSONFile<unknown>;
  readonly #serializer = new StateFileSerializer();
  readonly #clock: Clock;
  readonly #warn: WarningSink;
  /** The definitions the latest save() refers to. */
  #definitions: Definitions | null = null;
  /** The definitions file the state.json on disk names: null for none, undefined when not known yet. */
  #onDisk: string | null | undefined = undefined;
  /** Saves run one after another: a state.json is written only after the definitions it names. */
  #queue: Promise<void> = Promise.resolve();

  constructor(file: string, opts: FileStateStoreOptions) {
    this.file = path.resolve(file);
    this.backupFile = `${this.file}.bak`;
    this.#dir = path.dirname(this.file);
    this.#main = new DurableJSONFile(this.file, { reuseStorageFrom: SPARE_MIN_BYTES });
    this.#backup = new DurableJSONFile(this.backupFile);
    this.#clock = opts.clock;
    this.#warn = opts.onWarning ?? stderrWarning;
  }

  /**
   * Missing file: a fresh idle state (nothing is written). Valid file: that state, and it becomes
   * the new `.bak`. Corrupt file (unparsable, empty, wrong shape, or its definitions file missing,
   * damaged or not its own): moved aside, then `.bak` is restored if valid, else an idle state is
   * saved (and a bad `.bak` is moved aside too, as `<file>.bak.corrupt-<timestamp>`); either way
   * notify_seq jumps by RESTORE_NOTIFY_SEQ_GAP and onWarning is called. Definitions files nothing
   * refers to any more are removed.
   * Throws StateError when a file cannot be read at all or the state cannot be moved aside.
   */
  async load(): Promise<SessionState> {
    await this.#removeStaleTempFiles();
    const current = await this.#readChecked(this.#main);
    if (current.kind === "missing") {
      this.#definitions = null;
      this.#onDisk = null;
      await this.#removeUnreferencedDefinitions();
      return createIdleState();
    }
    if (current.kind === "ok") {
      this.#definitions = current.definitions;
      this.#onDisk = current.definitions?.name ?? null;
      await this.#refreshBackup(current.text);
      await this.#removeUnreferencedDefinitions();
      return current.state;
    }

    const movedTo = await this.#moveAside(current.problem);
    this.#onDisk = undefined;
    const backup = await this.#readChecked(this.#backup);
    // The definitions file the bad state names goes aside with it, for inspection (else nothing
    // would name it and it would be removed), unless the restored backup uses it.
    const inUse = backup.kind === "ok" ? backup.definitions?.name : undefined;
    const named = current.definitionsFile;
    const definitionsMovedTo = named && path.basename(named) !== inUse ? await this.#moveDefinitionsAside(named) : null;
    const also = definitionsMovedTo ? `; its task definitions file moved to ${definitionsMovedTo}` : "";
    // Whatever comes back, notification ids go on past any the lost state could have sent.
    const seen = Math.max(backup.kind === "ok" ? Number(backup.state.notify_seq) || 0 : 0, highestNotifySeq(current.text), highestNotifySeq(backup.kind === "corrupt" ? backup.text : undefined));
    const notifySeq = seen + RESTORE_NOTIFY_SEQ_GAP;
    const ids = `notification ids go on from ${notifySeq + 1}, past any the lost state could have sent (n8n would drop a reused one as a repeat)`;
    if (backup.kind === "ok") {
      const restored: SessionState = { ...backup.state, notify_seq: notifySeq };
      this.#definitions = backup.definitions;
      await this.save(restored);
      this.#warn(
        `state file was corrupt (${current.problem}): moved to ${movedTo}${also}; restored last good copy from ${this.backupFile}. Changes made after that copy are lost; inspect ${movedTo}. The ${ids}.`,
        { file: this.file, movedTo, restoredFrom: this.backupFile, problem: current.problem, notifySeq },
      );
      return restored;
    }
    const why = backup.kind === "missing" ? "no backup" : `backup ${this.backupFile} is unusable too (${backup.problem})`;
    // A bad backup goes aside as well: the next clean start would overwrite it (#refreshBackup).
    const aside = backup.kind === "corrupt" ? await this.#moveBackupAside(backup.definitionsFile, named) : { movedTo: null, note: "" };
    const idle: SessionState = { ...createIdleState(), notify_seq: notifySeq };
    this.#definitions = null;
    await this.save(idle);
    this.#warn(
      `state file was corrupt (${current.problem}): moved to ${movedTo}${also}; ${why}; starting with an empty state. Inspect ${movedTo}.${aside.note} The ${ids}.`,
      { file: this.file, movedTo, backup: this.backupFile, problem: current.problem, notifySeq, ...(aside.movedTo ? { backupMovedTo: aside.movedTo } : {}) },
    );
    return idle;
  }

  /**
   * Refuses a state that would not load back (a bug upstream), then writes it durably: first the
   * session's definitions file when they are new (once per session), then state.json.
   * The state is serialized at call time; its tasks and outbox entries are frozen then (see
   * StateFileSerializer): a change to a task must be a new task object, as transitions make.
   */
  save(state: SessionState): Promise<void> {
    const problem = describeStateProblem(state);
    if (problem !== null) {
      return Promise.reject(new StateError(`refusing to save an invalid state to ${this.file}: ${problem}. This is a bug; please report it.`, this.file));
    }
    let definitions: Definitions | null;
    let text: Buffer[];
    try {
      definitions = this.#definitionsFor(state);
      text = this.#serializer.serialize(state, definitions?.name ?? null);
    } catch (err) {
      return Promise.reject(new StateError(`could not save ${this.file}: the state is not JSON (${(err as Error).message})`, this.file, { cause: err }));
    }
    // Run after the previous save whether it failed or not; its caller got its own error.
    const mine = this.#queue.then(
      () => this.#write(definitions, text),
      () => this.#write(definitions, text),
    );
    this.#queue = mine.catch(() => undefined);
    return mine;
  }

  /** The definitions `state` refers to: the current ones when its tasks still have their text, else new ones (to write). */
  #definitionsFor(state: SessionState): Definitions | null {
    if (state.tasks.length === 0) return (this.#definitions = null);
    const current = this.#definitions;
    if (current && current.session === state.session_id && current.entries.length === state.tasks.length && this.#stillMatch(current, state.tasks)) return current;
    const { doc, text } = buildDefinitions(state.session_id, state.tasks);
    this.#definitions = { name: definitionsFileName(this.file, state.session_id, text), session: state.session_id, entries: doc.tasks, pending: text, verified: state.tasks.slice() };
    return this.#definitions;
  }

  /** Compares only the tasks not seen before (copy-on-write: the ones this transition changed). */
  #stillMatch(definitions: Definitions, tasks: readonly TaskRecord[]): boolean {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i] as TaskRecord;
      if (definitions.verified[i] === task) continue;
      if (!sameDefinition(task, definitions.entries[i])) return false;
      definitions.verified[i] = task;
    }
    return true;
  }

  /** Removes the spare kept for storage reuse (state.json.spare-<pid>) once the last save is done. */
  async close(): Promise<void> {
    await this.#main.releaseStorage();
  }

  async #write(definitions: Definitions | null, text: readonly Buffer[]): Promise<void> {
    if (definitions && definitions.pending !== null) {
      try {
        await new DurableJSONFile(path.join(this.#dir, definitions.name)).writeText(definitions.pending);
      } catch (err) {
        throw new StateError(`${(err as Error).message} (these are the tasks' definitions; ${path.basename(this.file)} was not written either)`, this.file, { cause: err });
      }
      definitions.pending = null;
    }
    await this.#main.writeText(text);
    const before = this.#onDisk;
    this.#onDisk = definitions?.name ?? null;
    if (before !== this.#onDisk) await this.#removeUnreferencedDefinitions();
  }

  /**
   * A failed backup does not stop a start: the state itself loaded fine. Warn, because the
   * same cause (a full disk) will make the next save fail too. The backup names the same
   * definitions file as state.json, so it is a plain copy of the text.
   */
  async #refreshBackup(text: string): Promise<void> {
    try {
      await this.#backup.writeText(text);
    } catch (err) {
      this.#warn(`could not refresh the backup ${this.backupFile}: ${(err as Error).message}`, {
        file: this.backupFile,
      });
    }
  }

  /** Renames the bad file to `<file>.corrupt-<timestamp>[-n]`, never overwriting an earlier one. */
  async #moveAside(problem: string): Promise<string> {
    try {
      return await moveToCorrupt(this.file, this.#stamp());
    } catch (err) {
      throw new StateError(
        `state file ${this.file} is corrupt (${problem}) and could not be moved aside: ${(err as Error).message}. Move it away by hand and restart.`,
        this.file,
        { cause: err },
      );
    }
  }

  /**
   * Moves an unusable backup to `<file>.bak.corrupt-<timestamp>`, with the definitions file it
   * names unless that is `stateDefinitions` (already moved with the state). Best effort: a backup
   * that cannot be moved is said so (the next clean start overwrites it). Returns the sentence for
   * the warning.
   */
  async #moveBackupAside(definitionsFile: string | undefined, stateDefinitions: string | undefined): Promise<{ movedTo: string | null; note: string }> {
    let movedTo: string;
    try {
      movedTo = await moveToCorrupt(this.backupFile, this.#stamp());
    } catch (err) {
      return { movedTo: null, note: ` The bad backup could not be moved aside (${(err as Error).message}): the next clean start overwrites it.` };
    }
    const defs = definitionsFile && definitionsFile !== stateDefinitions ? await this.#moveDefinitionsAside(definitionsFile) : null;
    return { movedTo, note: ` The bad backup was moved to ${movedTo}${defs ? `, its task definitions file to ${defs}` : ""}, so that no later start overwrites it.` };
  }

  /** Best effort (null when it is not there or cannot be moved): it is only kept for a person to look at. */
  async #moveDefinitionsAside(file: string): Promise<string | null> {
    return moveToCorrupt(file, this.#stamp()).catch(() => null);
  }

  #stamp(): string {
    return this.#clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace(/[-:]/g, "");
  }

  /**
   * Definitions files that neither state.json nor its .bak names (an earlier session's, or one
   * written just before a crash) are removed. Failures are harmless and ignored.
   */
  async #removeUnreferencedDefinitions(): Promise<void> {
    const keep = new Set<string>();
    if (this.#onDisk) keep.add(this.#onDisk);
    if (this.#definitions) keep.add(this.#definitions.name);
    const backupRef = await this.#backupReference();
    if (backupRef) keep.add(backupRef);
    const pattern = definitionsFilePattern(this.file);
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    for (const name of names) {
      if (pattern.test(name) && !keep.has(name)) await unlink(path.join(this.#dir, name)).catch(() => undefined);
    }
  }

  /** The definitions file the backup names, or null (no backup, unreadable, or none named). */
  async #backupReference(): Promise<string | null> {
    try {
      const raw = await this.#backup.read();
      const ref = (raw as Record<string, unknown> | null)?.[DEFINITIONS_KEY];
      return typeof ref === "string" ? ref : null;
    } catch {
      return null;
    }
  }

  /**
   * Temp files `<file>.tmp-<pid>`, `<file>.bak.tmp-<pid>` and those of definitions files, left by
   * a writer that was killed mid-save, and a writer's spare `<file>.spare-<pid>[.link]` (kept
   * while it runs, see SPARE_MIN_BYTES). Only those of dead processes are removed; failures here
   * are harmless and ignored.
   */
  async #removeStaleTempFiles(): Promise<void> {
    const patterns = [tempFilePattern(this.file), tempFilePattern(this.backupFile), definitionsTempFilePattern(this.file), spareFilePattern(this.file)];
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    for (const name of names) {
      for (const re of patterns) {
        const m = re.exec(name);
        if (!m) continue;
        const pid = Number(m[1]);
        if (pid === process.pid || isProcessAlive(pid)) continue;
        await unlink(path.join(this.#dir, name)).catch(() => undefined);
      }
    }
  }

  /**
   * Reads and validates state.json or its backup, and the definitions file it names, joined
   * into one SessionState. I/O failures other than "missing" throw (StateError).
   */
  async #readChecked(file: DurableJSONFile<unknown>): Promise<Checked> {
    const text = await file.readText();
    if (text === null) return { kind: "missing" };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { kind: "corrupt", problem: text.length === 0 ? "empty file" : `not JSON: ${(err as Error).message}`, text };
    }
    const ref = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[DEFINITIONS_KEY] : undefined;
    // The definitions file it names, if the name is a proper one (never a path elsewhere).
    const definitionsFile = ref !== undefined && describeReferenceProblem(ref) === null ? path.join(this.#dir, ref as string) : undefined;
    // A file holding the literal `null` is corrupt too: describeStateProblem says so.
    const problem = describeStateProblem(raw);
    if (problem !== null) return { kind: "corrupt", problem, text, definitionsFile };
    const { [DEFINITIONS_KEY]: _, ...stored } = raw as Record<string, unknown>;
    // A state written before definitions files existed has each task's text inline.
    if (ref === undefined) return { kind: "ok", state: raw as SessionState, text, definitions: null };
    if (definitionsFile === undefined) return { kind: "corrupt", problem: describeReferenceProblem(ref) as string, text };
    const name = ref as string;
    const definitionsText = await new DurableJSONFile(definitionsFile).readText();
    if (definitionsText === null) return { kind: "corrupt", problem: `its task definitions file ${name} is missing`, text };
    const tasks = stored.tasks as Record<string, unknown>[];
    const sessionId = (stored.session_id ?? null) as string | null;
    const checked = checkDefinitions(name, definitionsText, tasks, sessionId);
    if (!checked.ok) return { kind: "corrupt", problem: checked.problem, text, definitionsFile };
    const entries = checked.doc.tasks;
    const state = { ...stored, tasks: tasks.map((t, i) => joinDefinition(t, entries[i] as DefinitionEntry)) } as unknown as SessionState;
    return { kind: "ok", state, text, definitions: { name, session: sessionId, entries, pending: null, verified: [] } };
  }
}

type Checked =
  | { kind: "missing" }
  | { kind: "ok"; state: SessionState; text: string; definitions: Definitions | null }
  /** definitionsFile: the one the bad file names, when it names one properly (it may not exist); text: the bad file's. */
  | { kind: "corrupt"; problem: string; text: string; definitionsFile?: string };

/**
 * How far notify_seq jumps when a state is restored from its backup (or started empty) after a
 * corrupt state.json. The backup is from the last start, so the lost state may have sent more
 * notifications since, under ids `<session>-<seq>` that n8n has and de-duplicates on: a reused id
 * with a new event would be dropped. No session sends a million (a 10,000-task session with
 * retries sends about 50,000), and the ids stay short.
 */
export const RESTORE_NOTIFY_SEQ_GAP = 1_000_000;

/** The highest `"notify_seq": n` still legible in a damaged file's text (0 when none). */
function highestNotifySeq(text: string | undefined): number {
  let highest = 0;
  for (const m of (text ?? "").matchAll(/"notify_seq"\s*:\s*(\d{1,15})\b/g)) highest = Math.max(highest, Number(m[1]));
  return highest;
}

/** Renames `file` to `<file>.corrupt-<stamp>[-n]`, never over an earlier one; returns the new path. */
async function moveToCorrupt(file: string, stamp: string): Promise<string> {
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 2; await exists(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  await rename(file, target);
  return target;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw err;
  }
}

/** For tests: keeps a deep copy of the last saved state and counts saves. */
export class MemoryStateStore implements StateStore {
  #state: SessionState | null;
  /** How many times save() was called successfully. */
  saveCount = 0;

  constructor(initial?: SessionState) {
    this.#state = initial ? structuredClone(initial) : null;
  }

  async load(): Promise<SessionState> {
    return structuredClone(this.#state ?? createIdleState());
  }

  /** Same rule as the file store: an invalid state is refused, so tests catch the bug too. */
  async save(state: SessionState): Promise<void> {
    const problem = describeStateProblem(state);
    if (problem !== null) throw new StateError(`refusing to save an invalid state: ${problem}`, "<memory>");
    this.#state = structuredClone(state);
    this.saveCount++;
  }

  /** A copy of the last saved state, or null before any save. */
  get lastSaved(): SessionState | null {
    return this.#state === null ? null : structuredClone(this.#state);
  }
}
