/**
 * Writes a report file, results/<date>-report.md, atomically and durably (the state's own
 * writer: temp file, fsync, rename), so a reader never sees half a report.
 *
 * One file per session: a second session on the same date (a morning file, then an afternoon
 * one) gets <date>-report-2.md rather than overwriting the first's report; the same session's
 * report is rewritten in place. Which session a file is of is its first line (REPORT_MARKER).
 */
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { DurableJSONFile } from "../store/durable-json-file.js";
import { REPORT_MARKER } from "./render-day-report.js";
import { ReportError } from "./report-error.js";

/** Names tried for one date before falling back to the session id in the name. */
const MAX_NUMBERED = 50;

/** results/<date>-report.md, -2, -3…: the file for `sessionId` (its own, or the first free one). */
export async function reportFileFor(dir: string, date: string, sessionId: string | null): Promise<string> {
  for (let n = 1; n <= MAX_NUMBERED; n++) {
    const file = path.join(dir, n === 1 ? `${date}-report.md` : `${date}-report-${n}.md`);
    const owner = await sessionOf(file);
    if (owner === undefined || owner === (sessionId ?? "none")) return file;
  }
  return path.join(dir, `${date}-report-${sessionId ?? "none"}.md`);
}

/** The report files written for `date` (<date>-report.md first), for "its report is …". */
export async function existingReportFile(dir: string, date: string): Promise<string | null> {
  const file = path.join(dir, `${date}-report.md`);
  return (await sessionOf(file)) === undefined ? null : file;
}

/**
 * Writes `markdown` to the session's report file for `date`; resolves with its path. A failure
 * (a read-only or full disk, results_dir being a file) is a ReportError naming the file.
 */
export async function writeDayReport(dir: string, date: string, sessionId: string | null, markdown: string): Promise<string> {
  let file = path.join(dir, `${date}-report.md`);
  try {
    await mkdir(dir, { recursive: true });
    file = await reportFileFor(dir, date, sessionId);
    await new DurableJSONFile(file).writeText(markdown);
    return file;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOTDIR" || (error as NodeJS.ErrnoException).code === "EEXIST" ? `${dir} is not a folder` : (error as Error).message;
    throw new ReportError("write_failed", `could not write the day report ${file}: ${reason}. Check paths.results_dir (${dir}), then send /report ${date} (or run orchestrator report ${date}).`, file, { cause: error });
  }
}

/**
 * The session a report file is of: its id, "" for a file that is no report of ours (a person's
 * own notes under that name), undefined when there is no such file.
 */
async function sessionOf(file: string): Promise<string | undefined> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put there opens at once (and is refused below) instead of hanging.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return ""; // unreadable: not ours to overwrite
  }
  try {
    if (!(await handle.stat()).isFile()) return "";
    const buffer = Buffer.alloc(200);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const first = buffer.subarray(0, bytesRead).toString("utf8").split("\n")[0] ?? "";
    return first.startsWith(REPORT_MARKER) ? first.slice(REPORT_MARKER.length).replace(/\s*-->\s*$/, "") : "";
  } catch {
    return ""; // a folder by that name, or a read error: leave it alone
  } finally {
    await handle.close().catch(() => undefined);
  }
}
