/**
 * Writes a person's feedback on tasks into paths.feedback_dir/<date>.md (feedback-file.ts has the
 * shape), and reads it back for the day report.
 *
 * A write reads the file, changes one section and writes the whole file again through the
 * state's own durable writer (temp file, fsync, rename, fsync of the folder): a reader, or a
 * crash at any moment, sees the old file or the new one, never half of each. Writes to one file
 * are done one at a time, process-wide (a press of 👍 and a reply arriving together must not
 * both read the old text and one of them be lost). A file a person keeps open in an editor is
 * replaced, not written into; their editor may then offer to reload it. A writer killed mid-write
 * leaves the file whole and its temp file behind; the next write removes that.
 *
 * A failure (a read-only or full disk, feedback_dir being a file, a file over MAX_BYTES) is a
 * FeedbackError naming the file and the setting; the file is then as it was, nothing recorded.
 */
import { mkdir, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";
import { DurableJSONFile, tempFilePattern } from "../store/durable-json-file.js";
import { isProcessAlive } from "../store/lock-file.js";
import { FeedbackError } from "./feedback-error.js";
import { applyFeedback, parseFeedback, sameTask, sectionId, type FeedbackChange, type FeedbackSection } from "./feedback-file.js";
import type { FeedbackRating } from "./feedback-rating.js";

/** A feedback file larger than this is no file of ours to rewrite (16 MiB would be years of notes). */
const MAX_BYTES = 4 * 1024 * 1024;
const READ_MS = 5000;

/** The write under way per file (absolute path), process-wide: one read-change-write at a time. */
const queues = new Map<string, Promise<unknown>>();

/**
 * The temp files `<file>.tmp-<pid>` of writers killed mid-write (the file itself is whole: the
 * rename never happened), removed by the next write; a live writer's is left alone. Failures here
 * cost only a stray file, so they are ignored.
 */
async function removeDeadWritersTemp(file: string): Promise<void> {
  const dir = path.dirname(file);
  const pattern = tempFilePattern(file);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || Number(m[1]) === process.pid || isProcessAlive(Number(m[1]))) continue;
    await unlink(path.join(dir, name)).catch(() => undefined);
  }
}

/** feedback/<date>.md. */
export function feedbackFile(dir: string, date: string): string {
  return path.join(dir, `${date}.md`);
}

/** What the report shows of a task's feedback, from every file read. */
export interface TaskFeedback {
  /** The latest rating (the last file's that has one), or null. */
  rating: FeedbackRating | null;
  notes: string[];
  /** The files it came from, oldest first. */
  files: string[];
}

export class FeedbackBook {
  constructor(readonly dir: string) {}

  /**
   * Adds `change` to the file of `change.date`: the task's section gets the rating (replacing
   * an earlier one) and the note (after the earlier ones). Resolves with the file's path.
   */
  record(change: FeedbackChange): Promise<string> {
    const file = path.resolve(feedbackFile(this.dir, change.date));
    const run = (queues.get(file) ?? Promise.resolve()).catch(() => undefined).then(() => this.#write(file, change));
    const tail = run.catch(() => undefined);
    queues.set(file, tail);
    void tail.then(() => {
      if (queues.get(file) === tail) queues.delete(file);
    });
    return run;
  }

  /** The task sections of the file of `date`; [] when there is none. FeedbackError when it cannot be read. */
  async sections(date: string): Promise<FeedbackSection[]> {
    const text = await this.#read(feedbackFile(this.dir, date));
    return text === null ? [] : parseFeedback(text);
  }

  /**
   * The feedback of tasks `taskIds` in the files of `dates` (oldest first), for the report: the
   * latest rating, every note. A file that cannot be read is left out and named in `problems`.
   */
  async forTasks(taskIds: readonly (number | string)[], dates: readonly string[]): Promise<{ feedback: Map<string, TaskFeedback>; problems: string[] }> {
    const feedback = new Map<string, TaskFeedback>();
    const problems: string[] = [];
    for (const date of dates) {
      let sections: FeedbackSection[];
      try {
        sections = await this.sections(date);
      } catch (error) {
        problems.push(`The feedback file ${feedbackFile(this.dir, date)} could not be read (${(error as Error).message}); the report leaves it out.`);
        continue;
      }
      for (const id of taskIds) {
        const key = sectionId(id);
        for (const s of sections.filter((x) => sameTask(x.id, key))) {
          const entry = feedback.get(key) ?? { rating: null, notes: [], files: [] };
          if (s.rating !== null) entry.rating = s.rating;
          entry.notes.push(...s.notes);
          const file = feedbackFile(this.dir, date);
          if (!entry.files.includes(file)) entry.files.push(file);
          feedback.set(key, entry);
        }
      }
    }
    return { feedback, problems };
  }

  async #write(file: string, change: FeedbackChange): Promise<string> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw this.#failed(file, error);
    }
    await removeDeadWritersTemp(file);
    const before = await this.#read(file);
    try {
      await new DurableJSONFile(file).writeText(applyFeedback(before, change));
    } catch (error) {
      throw this.#failed(file, error);
    }
    return file;
  }

  /** The file's text, or null when there is none. */
  async #read(file: string): Promise<string | null> {
    try {
      const read = await readRegularFile(file, { maxBytes: MAX_BYTES, timeoutMs: READ_MS });
      return read.bytes.toString("utf8");
    } catch (error) {
      if (error instanceof FileReadError && error.detail.errno === "ENOENT") return null;
      throw this.#failed(file, error, "read");
    }
  }

  #failed(file: string, error: unknown, what: "read" | "write" = "write"): FeedbackError {
    const code = error instanceof FileReadError ? error.detail.errno : (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOTDIR" || code === "EEXIST" ? `${this.dir} is not a folder` : (error as Error).message;
    return new FeedbackError(`could not ${what} the feedback file ${file}: ${reason}. Check paths.feedback_dir (${this.dir}).`, file, { cause: error });
  }
}
