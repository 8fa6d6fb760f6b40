import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { runCli } from "../../src/cli/run-cli.js";
import { parseCommandText, parseControlBody } from "../../src/control/parse-control-request.js";
import { ControlError } from "../../src/control/control-error.js";
import { formatHistoryLine } from "../../src/history/format-history.js";
import type { HistoryEntry } from "../../src/history/history-entry.js";
import { historyFile } from "../../src/history/history-files.js";
import { HistoryQueryError, parseHistoryQuery } from "../../src/history/history-query.js";
import { searchHistory } from "../../src/history/search-history.js";
import { startHistoryHarness } from "./history-harness.js";

// Searching the history files: the filters, the order and bound of the answer, lines a crash cut,
// the text form, and `orchestrator history` reading the files with no service running.

const at = (d: number, h: number, m: number) => new Date(2026, 10, d, h, m, 0).toISOString();

function entry(over: Partial<HistoryEntry>): HistoryEntry {
  return { ts: at(30, 9, 0), event: "approve", kind: "command", by: null, task: 1, ok: true, message: "", session: "s-1", status: "running", fields: {}, notifications: [], ...over };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-history-search-"));
  const day29 = [
    entry({ ts: at(29, 17, 0), event: "approve", by: "Telegram 1 @old", task: 3, message: "Executing Task 3/5: old one" }),
  ];
  const day30 = [
    entry({ ts: at(30, 9, 0), event: "start", by: "the CLI", task: null, message: "Loaded 5 tasks" }),
    entry({ ts: at(30, 9, 1), event: "approve", by: "Telegram 123 @ana", task: 1, message: "Executing Task 1/5: Create migration" }),
    entry({ ts: at(30, 9, 5), event: "task_finished", kind: "report", task: 1, message: "✅ Task 1/5 complete", notifications: [{ event: "approval_needed", level: "info", message: "✋ Task 2/5 waits: send /approve", task: 2 }] }),
    entry({ ts: at(30, 9, 32), event: "approve", by: "HTTP 127.0.0.1", task: 3, message: "Executing Task 3/5: Add RLS" }),
    entry({ ts: at(30, 9, 40), event: "skip", by: "Telegram 123 @bob", task: 4, ok: false, message: "Nothing to skip" }),
  ];
  await writeFile(historyFile(dir, "2026-11-29"), day29.map((e) => `${JSON.stringify(e)}\n`).join(""));
  // A line a crash cut in the middle, and a line the service is still writing, are skipped.
  await writeFile(historyFile(dir, "2026-11-30"), `${day30.slice(0, 2).map((e) => JSON.stringify(e)).join("\n")}\n{"ts":"2026-11-30T08:02:00.000Z","event":"app\n${day30.slice(2).map((e) => JSON.stringify(e)).join("\n")}\n{"ts":"partial`);
  await writeFile(path.join(dir, "2026-11-30.log"), "not history\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const q = (raw: Parameters<typeof parseHistoryQuery>[0]) => parseHistoryQuery(raw);

describe("searchHistory", () => {
  it("answers every line, oldest first, across day files; cut lines and other files are skipped", async () => {
    const r = await searchHistory(dir, q({}));
    expect(r.entries.map((e) => `${e.event}@${e.task}`)).toEqual(["approve@3", "start@null", "approve@1", "task_finished@1", "approve@3", "skip@4"]);
    expect(r.more).toBe(false);
    expect(r.files).toEqual([historyFile(dir, "2026-11-30"), historyFile(dir, "2026-11-29")]);
  });

  it("filters by task and by a term (any case, in who, event, message and notifications)", async () => {
    const who = await searchHistory(dir, q({ task: "3", grep: "APPROVE" }));
    expect(who.entries.map((e) => e.by)).toEqual(["Telegram 1 @old", "HTTP 127.0.0.1"]);
    expect((await searchHistory(dir, q({ grep: "@ana" }))).entries.map((e) => e.event)).toEqual(["approve"]);
    // The report's notification says "/approve": it matches too (what the line shows).
    expect((await searchHistory(dir, q({ task: 1, grep: "approve" }))).entries.map((e) => e.event)).toEqual(["approve", "task_finished"]);
    expect((await searchHistory(dir, q({ grep: "refused" }))).entries.map((e) => e.event)).toEqual(["skip"]);
    expect((await searchHistory(dir, q({ grep: "nothing like this" }))).entries).toEqual([]);
  });

  it("--since a local date skips older days; a time skips older lines", async () => {
    expect((await searchHistory(dir, q({ since: "2026-11-30" }))).entries.map((e) => e.ts)).toEqual([at(30, 9, 0), at(30, 9, 1), at(30, 9, 5), at(30, 9, 32), at(30, 9, 40)]);
    const r = await searchHistory(dir, q({ since: "2026-11-30T09:30" }));
    expect(r.entries.map((e) => e.event)).toEqual(["approve", "skip"]);
    expect(r.files).toEqual([historyFile(dir, "2026-11-30")]);
  });

  it("keeps the newest `limit` lines and says more matched", async () => {
    const r = await searchHistory(dir, q({ limit: 2 }));
    expect(r.entries.map((e) => e.ts)).toEqual([at(30, 9, 32), at(30, 9, 40)]);
    expect(r.more).toBe(true);
    expect((await searchHistory(dir, q({ limit: 6 }))).more).toBe(false);
  });

  it("a folder that does not exist has no history", async () => {
    expect(await searchHistory(path.join(dir, "nope"), q({}))).toEqual({ entries: [], more: false, files: [] });
  });
});

describe("the query and the text form", () => {
  it("formats a line as time, event, who and message (refusals marked)", () => {
    expect(formatHistoryLine(entry({ ts: "2026-12-01T09:32:10.000Z", by: "Telegram 123 @ana", message: "Executing Task 3/5: Add RLS\nmore" }))).toBe("2026-12-01T09:32:10Z approve by Telegram 123 @ana: Executing Task 3/5: Add RLS more");
    expect(formatHistoryLine(entry({ ts: "2026-12-01T09:32:10.000Z", event: "skip", ok: false, message: "Nothing to skip" }))).toBe("2026-12-01T09:32:10Z skip (refused): Nothing to skip");
  });

  it("checks its filters, with a message naming what each takes", () => {
    expect(q({ grep: "  x ", task: "3", limit: "9999" })).toEqual({ grep: "x", task: 3, since: null, limit: 500 });
    expect(q({}).limit).toBe(50);
    expect(q({ since: "2026-12-01" }).since?.getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(q({ since: "2026-12-01T09:30:00Z" }).since?.toISOString()).toBe("2026-12-01T09:30:00.000Z");
    for (const bad of [{ task: "three" }, { task: 0 }, { since: "yesterday" }, { since: "2026-02-30" }, { limit: -1 }, { grep: 5 }]) {
      expect(() => q(bad)).toThrow(HistoryQueryError);
    }
    expect(() => q({ since: "soon" })).toThrow(/"since" takes a date \(2026-12-01\) or a time/);
  });

  it("Control requests: /history [term] [task n] as text, and a JSON body over HTTP", () => {
    expect(parseCommandText("/history approve task 3")).toEqual({ command: "history", grep: "approve", task: 3 });
    expect(parseCommandText("/history #2")).toEqual({ command: "history", grep: null, task: 2 });
    expect(parseCommandText("/history")).toEqual({ command: "history", grep: null, task: null });
    expect(parseCommandText("/history who cancelled")).toEqual({ command: "history", grep: "who cancelled", task: null });
    expect(parseControlBody({ grep: "approve", task: "3", since: "2026-12-01", limit: 5 }, "history")).toEqual({ command: "history", grep: "approve", task: 3, since: "2026-12-01", limit: 5 });
    expect(parseControlBody({ command: "/history skip task 4" })).toEqual({ command: "history", grep: "skip", task: 4, since: null, limit: 50 });
    expect(() => parseControlBody({ since: "later" }, "history")).toThrow(ControlError);
  });
});

class Capture extends Writable {
  text = "";
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, { stdout, stderr, stdin: new PassThrough(), cwd, env: { PORT: "1" } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("orchestrator history (offline: no service runs)", () => {
  it("answers who approved task 1 and when, from the lines a real session wrote", async () => {
    const h = await startHistoryHarness();
    try {
      await h.control.execute({ command: "start", by: "the CLI" });
      h.clock.advance(125_000);
      await h.control.execute({ command: "approve", by: "Telegram 123 @ana" });
      await h.orchestrator.waitFor((s) => s.current_task_index === 1 && s.status === "waiting_approval", 5000);
      await h.history.close();
      const approvedAt = new Date(2026, 11, 1, 9, 32, 5).toISOString().replace(".000Z", "Z");

      const r = await cli(["history", "--task", "1", "--grep", "approve", "--logs", h.logsDir], h.dir);
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n").filter(Boolean);
      expect(lines[0]).toBe(`${approvedAt} approve by Telegram 123 @ana: Executing Task 1/3: Task number 1`);
      // The completion report matches too (its notification says "/approve" for task 2).
      expect(lines.slice(1).every((l) => !l.includes(" approve by "))).toBe(true);

      const json = await cli(["history", "--grep", "@ana", "--json", "--logs", h.logsDir], h.dir);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ event: "approve", by: "Telegram 123 @ana", task: 1, ts: new Date(2026, 11, 1, 9, 32, 5).toISOString() })]);

      const start = await cli(["history", "-g", "by the cli", "-n", "1", "--logs", h.logsDir], h.dir);
      expect(start.stdout).toMatch(/^\S+ start by the CLI: /);

      const none = await cli(["history", "--grep", "nobody did this", "--logs", h.logsDir], h.dir);
      expect([none.code, none.stdout]).toEqual([0, ""]);
      expect(none.stderr).toMatch(/^No events match "nobody did this" in /);

      const bad = await cli(["history", "--task", "first", "--logs", h.logsDir], h.dir);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^orchestrator history: --task must be a task's position/);
    } finally {
      await h.close();
    }
  });

  it("reads a file the service is appending to", async () => {
    await appendFile(historyFile(dir, "2026-11-30"), `"}\n${JSON.stringify(entry({ ts: at(30, 10, 0), event: "pause", by: "the CLI" }))}\n`);
    const r = await cli(["history", "--since", "2026-11-30T09:45", "--logs", dir], dir);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([expect.stringMatching(/ pause by the CLI: $/)]);
  });
});
