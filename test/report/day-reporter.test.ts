import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { ManualClock } from "../../src/core/clock.js";
import type { SessionState } from "../../src/core/state.js";
import type { Change } from "../../src/orchestrator/orchestrator.js";
import { DayReporter, type SessionReportOutcome } from "../../src/report/day-reporter.js";
import { renderDayReport } from "../../src/report/render-day-report.js";
import { ReportError } from "../../src/report/report-error.js";
import { DATE, at, historyLine, sessionState } from "./report-fixtures.js";

// The reporter with real files in a temp folder: where the report goes, a second session of the
// same day, a date that is not the session's, a folder that cannot be written, the history, and
// the report written on its own when a session completes.

let dir: string;
let resultsDir: string;
let logsDir: string;
let logLines: string[];
const clock = new ManualClock(at(9, 40));

function reporter(over: Partial<ConstructorParameters<typeof DayReporter>[0]> = {}): DayReporter {
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  return new DayReporter({ resultsDir, logsDir, budgetUsd: 10, clock, logger, ...over });
}

function completed(id = "20260310-090000"): SessionState {
  const s = sessionState();
  return { ...s, session_id: id, status: "completed", completed_at: at(9, 39), tasks: s.tasks.map((t) => (t.status === "pending" ? { ...t, status: "skipped" as const, completed_at: at(9, 39) } : t)) };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orch-report-"));
  resultsDir = path.join(dir, "results");
  logsDir = path.join(dir, "orchestrator_logs");
  logLines = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("DayReporter.write", () => {
  it("writes results/<date>-report.md (the folder made), and answers with its data, markdown and summary", async () => {
    const written = await reporter().write(sessionState(), DATE);
    expect(written.file).toBe(path.join(resultsDir, `${DATE}-report.md`));
    expect(await readFile(written.file, "utf8")).toBe(written.markdown);
    expect(written.markdown).toBe(renderDayReport(written.report));
    expect(written.report.totals).toMatchObject({ completed: 2, failed: 1, cost_usd: 1.75, budget_usd: 10 });
    expect(written.summary).toMatch(/^📊 Day report 2026-03-10/);
    expect(logLines.join("")).toContain(`day report written: ${written.file}`);
    // Nothing else is left in the folder (no temp file).
    expect(await readdir(resultsDir)).toEqual([`${DATE}-report.md`]);
  });

  it("defaults to today's date (the clock's local date)", async () => {
    expect((await reporter().write(sessionState())).report.date).toBe(DATE);
  });

  it("rewrites the same session's report in place; a second session of the day gets -2, a person's own file is left alone", async () => {
    const r = reporter();
    const first = await r.write(sessionState(), DATE);
    const again = await r.write(completed(), DATE);
    expect(again.file).toBe(first.file);
    expect(await readFile(first.file, "utf8")).toContain("status **completed**");
    const other = await r.write(completed("20260310-140000"), DATE);
    expect(other.file).toBe(path.join(resultsDir, `${DATE}-report-2.md`));
    expect(await readFile(first.file, "utf8")).toContain("20260310-090000");

    await writeFile(path.join(resultsDir, "2026-03-11-report.md"), "my own notes\n");
    const s = { ...completed("20260311-080000"), started_at: new Date(2026, 2, 11, 8).toISOString() };
    const third = await r.write(s, "2026-03-11");
    expect(third.file).toBe(path.join(resultsDir, "2026-03-11-report-2.md"));
    expect(await readFile(path.join(resultsDir, "2026-03-11-report.md"), "utf8")).toBe("my own notes\n");
  });

  it("refuses a date that is not the session's, naming the date it holds and that day's report file", async () => {
    await mkdir(resultsDir, { recursive: true });
    await writeFile(path.join(resultsDir, "2026-03-09-report.md"), "<!-- orchestrator day report: session 20260309-090000 -->\n# Day report 2026-03-09\n");
    const error = await reporter().write(sessionState(), "2026-03-09").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect((error as ReportError).kind).toBe("no_session");
    expect((error as Error).message).toBe(
      `No session on 2026-03-09: the state holds session 20260310-090000 of 2026-03-10 (waiting_approval). Ask for 2026-03-10 (orchestrator report 2026-03-10, /report 2026-03-10). Its report is ${path.join(resultsDir, "2026-03-09-report.md")}.`,
    );
    clock.set(new Date(2026, 2, 12, 9).toISOString());
    try {
      await expect(reporter().write(sessionState())).rejects.toThrow("No session today (2026-03-12): the state holds session 20260310-090000 of 2026-03-10");
    } finally {
      clock.set(at(9, 40));
    }
  });

  it("refuses an empty state and a bad date", async () => {
    const idle: SessionState = { ...sessionState(), status: "idle", tasks: [], started_at: null, session_id: null };
    await expect(reporter().write(idle, DATE)).rejects.toThrow(`No session on ${DATE}: the state holds none yet, nothing to report.`);
    for (const bad of ["2026-02-30", "yesterday", "2026-3-1"]) {
      await expect(reporter().write(sessionState(), bad)).rejects.toMatchObject({ kind: "bad_date", message: expect.stringContaining(`got "${bad}"`) });
    }
    await expect(readdir(resultsDir)).rejects.toThrow(/ENOENT/);
  });

  it("a results_dir that cannot be written: write_failed naming the file, the setting and what to send after", async () => {
    await writeFile(resultsDir, "a file, not a folder");
    const error = (await reporter().write(sessionState(), DATE).catch((e: unknown) => e)) as ReportError;
    expect(error.kind).toBe("write_failed");
    expect(error.file).toBe(path.join(resultsDir, `${DATE}-report.md`));
    expect(error.message).toMatch(new RegExp(`^could not write the day report .*${DATE}-report\\.md: .*\\. Check paths\\.results_dir \\(.*\\), then send /report ${DATE}`));
  });

  it("reads the event history of the session's date, after the history writer flushed what it holds", async () => {
    await mkdir(logsDir, { recursive: true });
    let flushed = 0;
    const history = {
      flush: async () => {
        flushed++;
        await writeFile(
          path.join(logsDir, `events-${DATE}.jsonl`),
          [
            historyLine(at(9, 0), "start", { by: "the CLI", status: "waiting_approval", notifications: [{ event: "session_started", task: null }, { event: "approval_needed", task: 1 }] }),
            historyLine(at(9, 2), "approve", { by: "Telegram 42 @ana", task: 1, notifications: [{ event: "task_started", task: 1 }] }),
          ].join("\n") + "\n",
        );
      },
    };
    const written = await reporter({ history }).write(sessionState(), DATE);
    expect(flushed).toBe(1);
    expect(written.report.checkpoints).toMatchObject({ source: "events", count: 1, longest_s: 120 });
    expect(written.report.checkpoints.waits[0]?.by).toBe("Telegram 42 @ana");
    expect(written.markdown).toContain("| 1. Create \\| baptisms migration | approval | 09:00 | 09:02 | 2 min |");
  });

  it("a history file that cannot be read is left out and said in the notes", async () => {
    await mkdir(path.join(logsDir, `events-${DATE}.jsonl`), { recursive: true }); // a folder where the file should be
    const written = await reporter().write(sessionState(), DATE);
    expect(written.report.checkpoints.source).toBe("state");
    expect(written.report.notes.join("\n")).toMatch(/The event history .*events-2026-03-10\.jsonl could not be read/);
  });
});

describe("DayReporter.watch: the report at a session's completion", () => {
  function fakeOrchestrator() {
    const listeners = new Set<(c: Change) => void>();
    return {
      subscribe(listener: (c: Change) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      emit(previous: SessionState, state: SessionState) {
        for (const l of listeners) l({ event: { type: "approve" }, previous, state, effects: [], reply: { ok: true, message: "" } } as Change);
      },
      get size() {
        return listeners.size;
      },
    };
  }

  it("writes it once when the status becomes completed, and tells the listeners", async () => {
    const r = reporter();
    const o = fakeOrchestrator();
    const heard: SessionReportOutcome[] = [];
    r.onSessionReport((outcome) => heard.push(outcome));
    const off = r.watch(o);
    o.emit(sessionState(), sessionState()); // not a completion
    o.emit(sessionState(), completed());
    o.emit(completed(), completed()); // already completed: no second report
    await r.idle();
    expect(heard).toHaveLength(1);
    const outcome = heard[0] as Extract<SessionReportOutcome, { ok: true }>;
    expect(outcome.ok).toBe(true);
    expect(outcome.file).toBe(path.join(resultsDir, `${DATE}-report.md`));
    expect(await readFile(outcome.file, "utf8")).toContain("status **completed**");
    off();
    expect(o.size).toBe(0);
  });

  it("a failure to write is logged and told, and never thrown into the session", async () => {
    await writeFile(resultsDir, "not a folder");
    const r = reporter();
    const o = fakeOrchestrator();
    const heard: SessionReportOutcome[] = [];
    r.onSessionReport((outcome) => heard.push(outcome));
    r.onSessionReport(() => {
      throw new Error("a listener that throws");
    });
    r.watch(o);
    expect(() => o.emit(sessionState(), completed())).not.toThrow();
    await r.idle();
    expect(heard).toEqual([{ ok: false, date: DATE, session_id: "20260310-090000", error: expect.stringMatching(/^could not write the day report/), file: path.join(resultsDir, `${DATE}-report.md`) }]);
    const errors = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors.map((l) => l.msg)).toEqual([expect.stringMatching(/^the day report of session 20260310-090000 was not written: could not write/), "a day report listener threw; the report is unaffected"]);
  });
});
