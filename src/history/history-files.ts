/**
 * Where the history lives: one file per local day, `<paths.logs_dir>/events-YYYY-MM-DD.jsonl`, like
 * the daily log beside it. A file is only ever appended to, and never renamed: a reader (the
 * offline CLI) can read while the service writes, and old days can be deleted or archived by
 * name with nothing to tell the service.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

const FILE = /^events-(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** The history file of a local date (YYYY-MM-DD). */
export function historyFile(dir: string, date: string): string {
  return path.join(dir, `events-${date}.jsonl`);
}

/** The history files in `dir`, newest day first; none when the folder does not exist. */
export async function listHistoryFiles(dir: string): Promise<{ date: string; file: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .flatMap((name) => {
      const date = FILE.exec(name)?.[1];
      return date ? [{ date, file: path.join(dir, name) }] : [];
    })
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
