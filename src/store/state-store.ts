/**
 * Where the session state lives between steps and across restarts.
 *
 * FileStateStore keeps it in one JSON file (state.json) written atomically and durably, plus
 * `<file>.bak`, the last copy that loaded cleanly. A corrupt state file is never silently
 * replaced: it is moved aside to `<file>.corrupt-<timestamp>` and a loud warning is given.
 */
import { lstat, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { Low } from "lowdb";
import type { Clock } from "../core/clock.js";
import { StateError } from "../core/errors.js";
import { createIdleState, describeStateProblem, type SessionState } from "../core/state.js";
import { DurableJSONFile, errorCode, tempFilePattern } from "./durable-json-file.js";
import { isProcessAlive } from "./lock-file.js";

export interface StateStore {
  /** The saved state, or a fresh idle state when there is none (or it was corrupt and unrecoverable). */
  load(): Promise<SessionState>;
  /** Durably replaces the saved state. Throws StateError on failure; the previous state stays on disk. */
  save(state: SessionState): Promise<void>;
}

export type WarningSink = (msg: string, ctx: object) => void;

export interface FileStateStoreOptions {
  clock: Clock;
  /** Told about recovered problems (corrupt file, failed backup). Default: a line on stderr. */
  onWarning?: WarningSink;
}

const stderrWarning: WarningSink = (msg, ctx) => {
  process.stderr.write(`WARNING: ${msg} ${JSON.stringify(ctx)}\n`);
};

export class FileStateStore implements StateStore {
  readonly file: string;
  readonly backupFile: string;
  readonly #db: Low<SessionState>;
  readonly #main: DurableJSONFile<SessionState>;
  readonly #backup: DurableJSONFile<SessionState>;
  readonly #clock: Clock;
  readonly #warn: WarningSink;

  constructor(file: string, opts: FileStateStoreOptions) {
    this.file = path.resolve(file);
    this.backupFile = `${this.file}.bak`;
    this.#main = new DurableJSONFile<SessionState>(this.file);
    this.#db = new Low(this.#main, createIdleState());
    this.#backup = new DurableJSONFile<SessionState>(this.backupFile);
    this.#clock = opts.clock;
    this.#warn = opts.onWarning ?? stderrWarning;
  }

  /**
   * Missing file: a fresh idle state (nothing is written). Valid file: that state, and it becomes
   * the new `.bak`. Corrupt file (unparsable, empty, wrong shape): moved aside, then `.bak` is
   * restored if valid, else an idle state is saved; either way onWarning is called.
   * Throws StateError when the file cannot be read at all or cannot be moved aside.
   */
  async load(): Promise<SessionState> {
    await this.#removeStaleTempFiles();
    const current = await readChecked(this.#main);
    if (current.kind === "missing") {
      this.#db.data = createIdleState();
      return createIdleState();
    }
    if (current.kind === "ok") {
      this.#db.data = current.state;
      await this.#refreshBackup(current.state);
      return structuredClone(current.state);
    }

    const movedTo = await this.#moveAside(current.problem);
    const backup = await readChecked(this.#backup);
    if (backup.kind === "ok") {
      await this.save(backup.state);
      this.#warn(
        `state file was corrupt (${current.problem}): moved to ${movedTo}; restored last good copy from ${this.backupFile}. Changes made after that copy are lost; inspect ${movedTo}.`,
        { file: this.file, movedTo, restoredFrom: this.backupFile, problem: current.problem },
      );
      return structuredClone(backup.state);
    }
    const why = backup.kind === "missing" ? "no backup" : `backup ${this.backupFile} is unusable too (${backup.problem})`;
    const idle = createIdleState();
    await this.save(idle);
    this.#warn(
      `state file was corrupt (${current.problem}): moved to ${movedTo}; ${why}; starting with an empty state. Inspect ${movedTo}.`,
      { file: this.file, movedTo, backup: this.backupFile, problem: current.problem },
    );
    return idle;
  }

  /** Refuses a state that would not load back (a bug upstream), then writes it durably. */
  async save(state: SessionState): Promise<void> {
    const problem = describeStateProblem(state);
    if (problem !== null) {
      throw new StateError(`refusing to save an invalid state to ${this.file}: ${problem}. This is a bug; please report it.`, this.file);
    }
    this.#db.data = state;
    await this.#db.write();
  }

  /**
   * A failed backup does not stop a start: the state itself loaded fine. Warn, because the
   * same cause (a full disk) will make the next save fail too.
   */
  async #refreshBackup(state: SessionState): Promise<void> {
    try {
      await this.#backup.write(state);
    } catch (err) {
      this.#warn(`could not refresh the backup ${this.backupFile}: ${(err as Error).message}`, {
        file: this.backupFile,
      });
    }
  }

  /** Renames the bad file to `<file>.corrupt-<timestamp>[-n]`, never overwriting an earlier one. */
  async #moveAside(problem: string): Promise<string> {
    const stamp = this.#clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace(/[-:]/g, "");
    let target = `${this.file}.corrupt-${stamp}`;
    for (let n = 2; await exists(target); n++) target = `${this.file}.corrupt-${stamp}-${n}`;
    try {
      await rename(this.file, target);
    } catch (err) {
      throw new StateError(
        `state file ${this.file} is corrupt (${problem}) and could not be moved aside: ${(err as Error).message}. Move it away by hand and restart.`,
        this.file,
        { cause: err },
      );
    }
    return target;
  }

  /**
   * Temp files `<file>.tmp-<pid>` / `<file>.bak.tmp-<pid>` left by a writer that was killed
   * mid-save. Only those of dead processes are removed; failures here are harmless and ignored.
   */
  async #removeStaleTempFiles(): Promise<void> {
    const dir = path.dirname(this.file);
    const patterns = [tempFilePattern(this.file), tempFilePattern(this.backupFile)];
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      for (const re of patterns) {
        const m = re.exec(name);
        if (!m) continue;
        const pid = Number(m[1]);
        if (pid === process.pid || isProcessAlive(pid)) continue;
        await unlink(path.join(dir, name)).catch(() => undefined);
      }
    }
  }
}

type Checked =
  | { kind: "missing" }
  | { kind: "ok"; state: SessionState }
  | { kind: "corrupt"; problem: string };

/** Reads and validates one file. I/O failures other than "missing" throw (StateError). */
async function readChecked(file: DurableJSONFile<SessionState>): Promise<Checked> {
  let raw: unknown;
  try {
    raw = await file.read();
  } catch (err) {
    if (err instanceof SyntaxError) {
      return { kind: "corrupt", problem: (await isEmpty(file.file)) ? "empty file" : `not JSON: ${err.message}` };
    }
    throw err;
  }
  // read() also gives null for a file holding the literal `null`: that one is corrupt.
  if (raw === null && !(await exists(file.file))) return { kind: "missing" };
  const problem = describeStateProblem(raw);
  return problem === null ? { kind: "ok", state: raw as SessionState } : { kind: "corrupt", problem };
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

async function isEmpty(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).size === 0;
  } catch {
    return false;
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
