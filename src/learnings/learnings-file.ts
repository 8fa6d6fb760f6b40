/**
 * orchestrator.learnings_file (default orchestrator_learnings.md): lessons a person adds with
 * /learn, one `- <text> (<date>, <who>)` line each under a `# Learnings` heading, and whose end
 * goes into every task's prompt ("## Lessons from earlier work", build-prompt.ts).
 *
 * An append is one write() of the whole line to a file opened O_APPEND, then fsync (and an fsync
 * of the folder when the file was just made): it lands whole after whatever is there, even beside
 * a person's editor or another process appending. Appends from this process go one at a time.
 * The file is a person's too: they may edit or trim it; only its last PROMPT_BYTES are read.
 */
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";
import { LearningsError } from "./learnings-error.js";

/** How much of the file's end a prompt gets: lessons are short, and a prompt must stay small. */
export const PROMPT_BYTES = 8 * 1024;
/** The read for a prompt gives up after this (a file on a hung network mount must not hold a task). */
const READ_MS = 2000;
export const LEARNINGS_HEADING = "# Learnings";

/** O_NONBLOCK: a FIFO at the path is opened at once (and refused by the fstat below) instead of hanging. */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY;

/** The appends under way per file (absolute path), process-wide. */
const queues = new Map<string, Promise<unknown>>();

/** "- Use the weddings pattern for migrations (2026-12-01, Telegram 111 @ana)": one line, whatever the text held. */
export function learningLine(text: string, date: string, by: string | null): string {
  const one = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  const who = by ? `, ${by.replace(/\s*[\r\n]+\s*/g, " ").trim()}` : "";
  return `- ${one} (${date}${who})`;
}

export class LearningsFile {
  readonly file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
  }

  /** Appends `line` (made with learningLine), creating the file with its heading when missing or empty. */
  append(line: string): Promise<void> {
    const run = (queues.get(this.file) ?? Promise.resolve()).catch(() => undefined).then(() => this.#append(line));
    const tail = run.catch(() => undefined);
    queues.set(this.file, tail);
    void tail.then(() => {
      if (queues.get(this.file) === tail) queues.delete(this.file);
    });
    return run;
  }

  /**
   * The lessons for a prompt: the file's last PROMPT_BYTES (from a line start), without its
   * heading; null when there is no file or nothing in it but the heading. Rejects when the file
   * cannot be read (the caller runs the task without it, and says so).
   */
  async read(): Promise<string | null> {
    let text: string;
    try {
      const read = await readRegularFile(this.file, { maxBytes: PROMPT_BYTES, timeoutMs: READ_MS, whenLarger: "tail" });
      text = read.bytes.toString("utf8");
      // A tail starts mid-line (perhaps mid-character): that first piece is no lesson.
      if (read.start > 0) text = text.slice(text.indexOf("\n") + 1);
    } catch (error) {
      if (error instanceof FileReadError && error.detail.errno === "ENOENT") return null;
      throw error;
    }
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    while (lines.length > 0 && ((lines[0] ?? "").trim() === "" || (lines[0] ?? "").trim() === LEARNINGS_HEADING)) lines.shift();
    const body = lines.join("\n").trim();
    return body === "" ? null : body;
  }

  async #append(line: string): Promise<void> {
    const dir = path.dirname(this.file);
    let handle;
    try {
      await mkdir(dir, { recursive: true });
      handle = await open(this.file, APPEND_FLAGS, 0o644);
    } catch (error) {
      throw this.#failed(error);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw Object.assign(new Error("it is not a regular file"), { code: "ENOTFILE" });
      // A file a person saved without a last line break gets one first, so the lesson starts its own line.
      let lead = "";
      if (stat.size === 0) lead = `${LEARNINGS_HEADING}\n\n`;
      else {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, stat.size - 1);
        if (last[0] !== 0x0a) lead = "\n";
      }
      await handle.write(`${lead}${line}\n`);
      await handle.sync();
      // A new file's name is durable only once its folder is synced; a folder that cannot be is no reason to fail.
      if (stat.size === 0) await syncDir(dir);
    } catch (error) {
      throw this.#failed(error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  #failed(error: unknown): LearningsError {
    return new LearningsError(`could not add to the learnings file ${this.file}: ${(error as Error).message}. Check orchestrator.learnings_file, then send it again.`, this.file, { cause: error });
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY).catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}
