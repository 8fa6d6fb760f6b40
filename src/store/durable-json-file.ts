/**
 * A lowdb 7 adapter whose writes are atomic AND durable.
 *
 * Why not lowdb's own JSONFile: its writer (steno) writes a temp file and renames it but never
 * fsyncs, so a power cut can leave an empty or old state.json; on a full disk it leaves the temp
 * file behind. Here every write is: temp file beside the target -> fsync -> rename -> fsync the
 * directory. A reader (or a crash at any moment) sees either the old file or the new one.
 */
import { open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { Adapter } from "lowdb";
import { StateError } from "../core/errors.js";

/** Temp file a write goes through: `<file>.tmp-<pid>`, beside the target so rename is atomic. */
export function tempFileFor(file: string, pid: number = process.pid): string {
  return `${file}.tmp-${pid}`;
}

/** Matches a temp file of `file` (any pid) by base name; group 1 is the writer's pid. */
export function tempFilePattern(file: string): RegExp {
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${base}\\.tmp-(\\d+)$`);
}

/**
 * Writes to one path are queued one after another, process-wide, because they share one temp
 * file name. Keyed by absolute path so two adapters on the same file cannot collide either.
 */
const writeQueues = new Map<string, Promise<void>>();

export class DurableJSONFile<T> implements Adapter<T> {
  readonly file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
  }

  /**
   * null when the file does not exist (a first start); otherwise the parsed JSON, unchecked.
   * A JSON.parse SyntaxError (garbage, empty file) propagates as is so the caller can treat the
   * file as corrupt; any other read failure (permissions, a directory in the way) is a StateError.
   */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if (errorCode(err) === "ENOENT") return null;
      throw new StateError(
        `could not read ${this.file}: ${describe(err)}. Check that it is a readable file.`,
        this.file,
        { cause: err },
      );
    }
    return JSON.parse(text) as T;
  }

  /**
   * Atomically and durably replaces the file with `data` as pretty JSON.
   * `data` is serialized at call time, so the caller may change it right after calling.
   * On failure: the temp file is removed, the old file is left exactly as it was, and a
   * StateError (cause kept) says what to do.
   */
  write(data: T): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(data, null, 2) + "\n";
    } catch (err) {
      return Promise.reject(
        new StateError(`could not save ${this.file}: the data is not JSON (${describe(err)})`, this.file, {
          cause: err,
        }),
      );
    }
    const previous = writeQueues.get(this.file) ?? Promise.resolve();
    // Run after the previous write whether it failed or not; its caller got its own error.
    const mine = previous.then(
      () => writeDurably(this.file, text),
      () => writeDurably(this.file, text),
    );
    const tail = mine.catch(() => undefined);
    writeQueues.set(this.file, tail);
    void tail.then(() => {
      if (writeQueues.get(this.file) === tail) writeQueues.delete(this.file);
    });
    return mine;
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = tempFileFor(file);
  let created = false;
  try {
    // 'w' truncates a leftover temp file of a previous process that had our pid.
    const fh = await open(tmp, "w");
    created = true;
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    created = false;
  } catch (err) {
    // Remove only a temp file we made (never, say, a directory that happens to have its name).
    if (created) await unlink(tmp).catch(() => undefined);
    throw new StateError(
      `could not save ${file}: ${describe(err)}. ${adviceFor(err, tmp)} The previous ${path.basename(file)} is unchanged.`,
      file,
      { cause: err },
    );
  }
  try {
    await syncDirectory(path.dirname(file));
  } catch (err) {
    // The rename happened, so the new content is in place, but a power cut could still undo it.
    throw new StateError(
      `saved ${file} but could not flush its directory to disk: ${describe(err)}. A power cut could lose this save; check the disk and retry.`,
      file,
      { cause: err },
    );
  }
}

/** fsync the directory so the rename itself survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } catch (err) {
    // Some filesystems (FUSE, network mounts) cannot fsync a directory: nothing more we can do.
    if (!["EINVAL", "ENOTSUP", "EISDIR", "EBADF"].includes(errorCode(err) ?? "")) throw err;
  } finally {
    await dh.close();
  }
}

function adviceFor(err: unknown, tmp: string): string {
  switch (errorCode(err)) {
    case "ENOSPC":
    case "EDQUOT":
      return "Disk full? Free space and retry.";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "No permission to write there: fix the directory's owner/mode (or the read-only mount) and retry.";
    case "ENOENT":
    case "ENOTDIR":
      return "The directory does not exist: create it or choose another state file path.";
    case "EISDIR":
      return `A directory is in the way (the state file or ${path.basename(tmp)}): move it away and retry.`;
    default:
      return "Disk full or not writable? Free space / fix permissions and retry.";
  }
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
