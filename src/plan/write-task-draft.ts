import { mkdir, open, realpath, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";

/** Names tried beside an existing file (`-2` … `-99`); past them the write fails saying so. */
const MAX_SUFFIX = 99;

export type DraftWritten =
  | { ok: true; file: string; kept_existing: string | null }
  | { ok: false; error: string };

/** The file system calls used (tests pass an open whose handle fails, to see a full disk). */
export interface DraftIo {
  open(file: string, flags: "wx"): Promise<FileHandle>;
}

const realIo: DraftIo = { open: (file, flags) => open(file, flags) };

/**
 * Writes a plan's task file to `<tasksDir>/<date>-tasks.md`, never over an existing file: when
 * that name is taken, `<date>-tasks-2.md`, `-3`… Each name is opened with "wx" (create, fail if
 * it exists), so a file made at the same moment by someone else is never overwritten either.
 * The text is written and fsynced before it counts as written; a failure part-way (ENOSPC)
 * removes what was made, so no half file is left to be started. kept_existing: the usual name,
 * when it was taken. Never throws.
 */
export async function writeTaskDraft(tasksDir: string, date: string, text: string, io: DraftIo = realIo): Promise<DraftWritten> {
  let dir = path.resolve(tasksDir);
  try {
    // A recursive mkdir on a read-only folder says ENOENT; the plain one says why.
    await mkdir(dir, { recursive: true }).catch(() => mkdir(dir));
    // The real path, as /start resolves task files: the plan is known by the same name when it is started.
    dir = await realpath(dir);
  } catch (error) {
    return { ok: false, error: `could not create the task file folder ${dir}: ${messageOf(error)}` };
  }
  const usual = path.join(dir, `${date}-tasks.md`);
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const file = n === 1 ? usual : path.join(dir, `${date}-tasks-${n}.md`);
    let handle: FileHandle;
    try {
      handle = await io.open(file, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      return { ok: false, error: `could not create the task file ${file}: ${messageOf(error)}` };
    }
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => {});
      await unlink(file).catch(() => {});
      return { ok: false, error: `could not write the task file ${file}: ${messageOf(error)}${(error as NodeJS.ErrnoException).code === "ENOSPC" ? " (the disk is full: free some space, then send /plan again)" : ""}` };
    }
    return { ok: true, file, kept_existing: n === 1 ? null : usual };
  }
  return { ok: false, error: `${usual} and ${MAX_SUFFIX - 1} more names beside it (-2 … -${MAX_SUFFIX}) already exist; remove old drafts from ${dir}` };
}

/** The words of a thrown value (fs errors come from Node's realm, so no instanceof). */
function messageOf(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
}
