import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { nodeHistoryFs, type HistoryFs } from "../../src/history/event-history.js";
import { historyFile } from "../../src/history/history-files.js";
import { startHistoryHarness, type HistoryHarness } from "./history-harness.js";

// The writer of the event history (src/history/event-history.ts) on a real orchestrator: what a
// line holds (who, the task, the reply, the notifications), what makes none (progress), how lines
// are batched and fsynced, and that a file that cannot be written is said once and changes
// nothing for the session.

let h: HistoryHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ANA = "Telegram 123 @ana";
const PROGRESS = [{ kind: "tool_use" as const, text: "Bash: npm test", tool: "Bash" }, { kind: "text" as const, text: "working on it" }];

/** A HistoryFs that counts each step and can hold opens until released. */
function countingFs(base: HistoryFs = nodeHistoryFs) {
  const counts = { open: 0, write: 0, sync: 0, close: 0 };
  const writes: string[] = [];
  let gate: Promise<void> | null = null;
  let release = () => {};
  const fs: HistoryFs = {
    mkdir: (dir) => base.mkdir(dir),
    async open(file) {
      if (gate) await gate;
      counts.open++;
      const handle = await base.open(file);
      return {
        write: (data: string) => {
          counts.write++;
          writes.push(data);
          return handle.write(data);
        },
        sync: () => {
          counts.sync++;
          return handle.sync();
        },
        close: () => {
          counts.close++;
          return handle.close();
        },
      };
    },
  };
  return {
    fs,
    counts,
    writes,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release() {
      gate = null;
      release();
    },
  };
}

describe("the event history's lines", () => {
  it("records commands with who sent them, runner reports and the notifications they made; progress makes no line", async () => {
    h = await startHistoryHarness({ scripts: [{ progress: PROGRESS, outcome: { cost_usd: 0.04, num_turns: 3, session_id: "claude-1" } }] });
    expect((await h.control.execute({ command: "start", by: ANA })).ok).toBe(true);
    h.clock.advance(2 * 60_000);
    expect((await h.control.execute({ command: "approve", by: ANA })).ok).toBe(true);
    await h.orchestrator.waitFor((s) => s.current_task_index === 1 && s.status === "waiting_approval", 5000);
    const refused = await h.control.execute({ command: "cancel", by: "the HTTP API" });
    expect(refused.ok).toBe(false);

    const lines = await h.lines();
    expect(lines.map((l) => l.event)).toEqual(["start", "approve", "task_spawned", "task_finished", "cancel"]);
    const [start, approve, spawned, finished, cancel] = lines;
    expect(start).toMatchObject({ kind: "command", by: ANA, task: null, ok: true, status: "waiting_approval", fields: { tasks: 3, task_file: path.join(h.tasksDir, `${h.today}-tasks.md`) } });
    expect(start?.session).toMatch(/^20261201-/);
    expect(start?.ts).toBe(new Date(2026, 11, 1, 9, 30, 0).toISOString());
    expect(start?.notifications.map((n) => n.event)).toEqual(["session_started", "approval_needed"]);
    expect(approve).toMatchObject({ kind: "command", event: "approve", by: ANA, task: 1, ok: true, status: "running", session: start?.session });
    expect(approve?.ts).toBe(new Date(2026, 11, 1, 9, 32, 0).toISOString());
    expect(approve?.message).toMatch(/^Executing Task 1\/3: Task number 1/);
    expect(approve?.notifications).toEqual([expect.objectContaining({ event: "task_started", task: 1 })]);
    expect(spawned).toMatchObject({ kind: "report", by: null, task: 1, fields: { attempt: 1 } });
    expect(finished).toMatchObject({ kind: "report", task: 1, fields: { outcome: "success", cost_usd: 0.04, num_turns: 3, claude_session: "claude-1" } });
    expect(finished?.notifications.map((n) => n.event)).toEqual(expect.arrayContaining(["task_completed", "approval_needed"]));
    expect(finished?.message).toBe(finished?.notifications[0]?.message);
    // A refused command is kept, with who tried, the refusal, and the task it was about.
    expect(cancel).toMatchObject({ kind: "command", by: "the HTTP API", ok: false, task: 2, notifications: [] });
    expect(cancel?.message).toMatch(/running/i);
    // No task text: the instruction stays in the task file.
    const text = await readFile(historyFile(h.logsDir, h.today), "utf8");
    expect(text).not.toContain("SECRET-INSTRUCTION");
    expect(text).not.toContain("npm test");
  });

  it("records a tell and a cancel by their own `by`, with their fields and the running task", async () => {
    h = await startHistoryHarness({ scripts: [{ hold: true }] });
    await h.control.execute({ command: "start", by: ANA });
    await h.control.execute({ command: "approve", by: ANA });
    await h.orchestrator.waitFor((s) => s.tasks[0]?.pid != null, 5000);
    expect((await h.control.execute({ command: "tell", text: "use yarn", by: "Telegram @bob" })).ok).toBe(true);
    expect((await h.control.execute({ command: "cancel", by: "Telegram @ana" })).ok).toBe(true);
    const lines = await h.lines();
    expect(lines.find((l) => l.event === "tell")).toMatchObject({ by: "Telegram @bob", task: 1, ok: true, fields: { text: "use yarn" } });
    const cancel = lines.find((l) => l.event === "cancel");
    expect(cancel).toMatchObject({ by: "Telegram @ana", task: 1, ok: true });
    const end = lines.find((l) => l.event === "task_finished");
    expect(end).toMatchObject({ task: 1, fields: { outcome: "cancelled" } });
    expect(end?.notifications.map((n) => n.event)).toContain("task_interrupted");
  });

  it("records a failure report and a retry with who sent it and its feedback, cut to 500 characters", async () => {
    h = await startHistoryHarness({ scripts: [{ outcome: { ok: false, kind: "exit_error", reason: "exited 1" } }, {}] });
    await h.control.execute({ command: "start", by: ANA });
    await h.control.execute({ command: "approve", by: ANA });
    await h.orchestrator.waitFor((s) => s.status === "task_failed", 5000);
    const feedback = `use the weddings table ${"x".repeat(600)}`;
    expect((await h.control.execute({ command: "retry", feedback, by: "the CLI" })).ok).toBe(true);
    await h.orchestrator.waitFor((s) => s.current_task_index === 1, 5000);
    const lines = await h.lines();
    const failed = lines.find((l) => l.event === "task_finished" && l.fields.outcome === "exit_error");
    expect(failed).toMatchObject({ task: 1, fields: { reason: "exited 1" } });
    expect(failed?.notifications.map((n) => n.event)).toContain("task_failed");
    const retry = lines.find((l) => l.event === "retry");
    expect(retry).toMatchObject({ by: "the CLI", task: 1, ok: true });
    expect(String(retry?.fields.feedback)).toHaveLength(500);
    expect(String(retry?.fields.feedback)).toMatch(/^use the weddings table x+…$/);
  });
});

describe("batching and durability", () => {
  it("writes what queued in one append + fsync per batch, within flushMs, without a flush call", async () => {
    const c = countingFs();
    h = await startHistoryHarness({ history: { fs: c.fs, flushMs: 50 } });
    await h.control.execute({ command: "start", by: ANA });
    await h.control.execute({ command: "pause", by: ANA });
    await h.control.execute({ command: "resume", by: ANA });
    // Three commands in quick succession: one batch.
    const file = historyFile(h.logsDir, h.today);
    const deadline = Date.now() + 5000;
    while ((await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await readFile(file, "utf8")).split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(["start", "pause", "resume"]);
    expect(c.counts).toEqual({ open: 1, write: 1, sync: 1, close: 1 });
  });

  it("close() writes and fsyncs what is still queued; nothing is recorded after it", async () => {
    const c = countingFs();
    h = await startHistoryHarness({ history: { fs: c.fs, flushMs: 60_000 } });
    await h.control.execute({ command: "start", by: ANA });
    await h.control.execute({ command: "pause", by: ANA });
    expect(c.counts.open).toBe(0); // nothing written yet: the batch waits for its timer
    await h.history.close();
    expect(c.counts).toEqual({ open: 1, write: 1, sync: 1, close: 1 });
    expect(c.writes[0]?.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(["start", "pause"]);
    await h.control.execute({ command: "resume", by: ANA });
    await h.history.flush();
    expect(c.counts.open).toBe(1);
  });

  it("never holds a transition: commands go on while a write hangs, and their lines follow in order", async () => {
    const c = countingFs();
    h = await startHistoryHarness({ history: { fs: c.fs, flushMs: 10 } });
    c.hold();
    await h.control.execute({ command: "start", by: ANA });
    await new Promise((r) => setTimeout(r, 50)); // the first batch is now stuck in open()
    expect((await h.control.execute({ command: "pause", by: ANA })).ok).toBe(true);
    expect((await h.control.execute({ command: "resume", by: ANA })).ok).toBe(true);
    expect(h.orchestrator.state.status).toBe("waiting_approval");
    c.release();
    expect((await h.lines()).map((l) => l.event)).toEqual(["start", "pause", "resume"]);
  });

  it("starts a new file at local midnight", async () => {
    h = await startHistoryHarness({ history: { flushMs: 60_000 } });
    await h.control.execute({ command: "start", by: ANA });
    h.clock.set(new Date(2026, 11, 2, 0, 0, 5));
    await h.control.execute({ command: "pause", by: ANA });
    await h.history.flush();
    const day1 = await readFile(historyFile(h.logsDir, "2026-12-01"), "utf8");
    const day2 = await readFile(historyFile(h.logsDir, "2026-12-02"), "utf8");
    expect(day1.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(["start"]);
    expect(day2.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(["pause"]);
  });
});

describe("a history that cannot be written", () => {
  it("is said once (LogHealth source events, one log line), keeps its lines, the session goes on, and it is written once it can be", async () => {
    // A real failure: the logs folder's parent is a regular file, so mkdir fails (ENOTDIR/EEXIST).
    const base = path.join((await import("node:os")).tmpdir(), `orchestrator-history-blocked-${process.pid}-${Date.now()}`);
    await writeFile(base, "not a folder");
    const dir = path.join(base, "logs");
    try {
      h = await startHistoryHarness({ history: { dir, flushMs: 10, retryMs: 40 } });
      const heard: (string | null)[] = [];
      h.logHealth.subscribe((p) => heard.push(p));
      await h.control.execute({ command: "start", by: ANA });
      await new Promise((r) => setTimeout(r, 200)); // several tries fail meanwhile
      expect(h.history.problem).toMatch(/ENOTDIR|EEXIST|not a directory/i);
      expect(h.logHealth.problem).toBe(`the event history (${dir}) cannot be written: ${h.history.problem}`);
      expect(h.orchestrator.problems).toEqual([expect.stringMatching(/^logs are not being written: /)]);
      // The session is unaffected: a task runs and completes.
      expect((await h.control.execute({ command: "approve", by: ANA })).ok).toBe(true);
      const s = await h.orchestrator.waitFor((st) => st.tasks[0]?.status === "completed", 5000);
      expect(s.tasks[0]?.status).toBe("completed");
      await new Promise((r) => setTimeout(r, 150));
      expect(heard).toHaveLength(1);
      expect(h.logLines.filter((l) => l.includes("the event history cannot be written"))).toHaveLength(1);
      // The folder can be made again: everything kept is written, in order, and it is said once.
      await rm(base);
      await mkdir(base);
      const deadline = Date.now() + 5000;
      while (h.history.problem !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(h.history.problem).toBeNull();
      await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([expect.any(String), null]);
      const events = (await h.lines(historyFile(dir, h.today))).map((l) => l.event);
      expect(events.slice(0, 3)).toEqual(["start", "log_problem", "approve"]);
      expect(events).toContain("task_finished");
      // The orchestrator's own "logs are not being written" notification is in the history too.
      expect((await h.lines(historyFile(dir, h.today))).find((l) => l.event === "log_problem")?.notifications[0]?.event).toBe("logs_failing");
    } finally {
      await h?.close();
      h = undefined;
      await rm(base, { recursive: true, force: true });
    }
  });

  it("bounds its memory: past maxPendingBytes the oldest lines go, and a history_gap line says how many", async () => {
    const base = path.join((await import("node:os")).tmpdir(), `orchestrator-history-bound-${process.pid}-${Date.now()}`);
    await writeFile(base, "not a folder");
    const dir = path.join(base, "logs");
    try {
      h = await startHistoryHarness({ history: { dir, flushMs: 10, retryMs: 30, maxPendingBytes: 3000 } });
      await h.control.execute({ command: "start", by: ANA });
      for (let i = 0; i < 20; i++) await h.control.execute({ command: i % 2 === 0 ? "pause" : "resume", by: ANA });
      await rm(base);
      await mkdir(base);
      const deadline = Date.now() + 5000;
      while (h.history.problem !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // The write that clears the problem may be the first of several batches (a loaded machine):
      // read once the last command has landed (bounded by the same deadline).
      let lines = await h.lines(historyFile(dir, h.today));
      while (lines.filter((l) => l.kind === "command").at(-1)?.event !== "resume" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        lines = await h.lines(historyFile(dir, h.today));
      }
      expect(lines[0]).toMatchObject({ event: "history_gap", kind: "note" });
      const dropped = lines[0]?.fields.dropped as number;
      expect(dropped).toBeGreaterThan(0);
      expect(lines[0]?.message).toMatch(new RegExp(`^${dropped} event\\(s\\) are missing here`));
      // What is left is the newest, ending with the last command.
      expect(lines.length - 1 + dropped).toBeGreaterThanOrEqual(21);
      expect(lines.filter((l) => l.kind === "command").at(-1)?.event).toBe("resume");
    } finally {
      await h?.close();
      h = undefined;
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe("the dropped count across failing writes", () => {
  it("is never lost: a gap note that could not be written goes back to the count, not into the queue where it could be dropped in turn", async () => {
    const { EventHistory } = await import("../../src/history/event-history.js");
    const { ManualClock } = await import("../../src/core/clock.js");
    const dir = path.join((await import("node:os")).tmpdir(), `orchestrator-history-gapcount-${process.pid}-${Date.now()}`);
    let failing = true;
    const fs: HistoryFs = { mkdir: (d) => (failing ? Promise.reject(new Error("EIO: i/o error")) : nodeHistoryFs.mkdir(d)), open: (f) => nodeHistoryFs.open(f) };
    const history = new EventHistory({ dir, clock: new ManualClock(new Date("2026-12-01T10:00:00Z")), flushMs: 60_000, retryMs: 60_000, maxPendingBytes: 1200, fs });
    const command = (i: number) => ({ event: "feedback", by: "Telegram @ana", task: 1, ok: true, message: `note ${i} ${"x".repeat(100)}`, session: "S", status: "completed", fields: {} });
    try {
      // Rounds of: lines past the bound (the oldest dropped), then a write that fails (with a gap note in its batch).
      let sent = 0;
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 12; i++) history.recordCommand(command(sent++));
        await expect(history.flush()).rejects.toThrow("EIO");
      }
      failing = false;
      await history.flush();
      const lines = (await readFile(historyFile(dir, "2026-12-01"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { event: string; fields: { dropped?: number } });
      const gaps = lines.filter((l) => l.event === "history_gap");
      expect(gaps).toHaveLength(1);
      // Every line sent is either in the file or counted as dropped.
      expect(lines.length - 1 + (gaps[0]?.fields.dropped ?? 0)).toBe(sent);
    } finally {
      await history.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
