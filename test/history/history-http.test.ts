import { afterEach, describe, expect, it } from "@jest/globals";
import { EventHistory } from "../../src/history/event-history.js";
import type { HistoryEntry } from "../../src/history/history-entry.js";
import { startHarness, type Harness } from "../http/http-harness.js";
import { startHistoryHarness } from "./history-harness.js";

// POST /webhook/history on the real HTTP app (127.0.0.1, a real orchestrator): commands sent over
// HTTP are recorded with the client's address (or the name the client gives), then found.

let h: Harness | undefined;
let history: EventHistory | undefined;
afterEach(async () => {
  await history?.close();
  await h?.close();
  h = history = undefined;
});

describe("POST /webhook/history", () => {
  it("finds a command sent over HTTP with its client address, the CLI by name, and refuses bad filters", async () => {
    h = await startHarness();
    history = new EventHistory({ dir: h.logsDir, clock: h.clock, flushMs: 10 });
    history.attach(h.orchestrator);
    const headers = { "content-type": "application/json", "x-webhook-secret": h.secret };
    expect((await h.requestFrom("127.0.0.2", "POST", "/webhook/start", { body: "{}", headers })).status).toBe(200);
    expect((await h.requestFrom("127.0.0.2", "POST", "/webhook/approve", { body: "{}", headers })).status).toBe(200);
    await h.until((s) => s.current_task_index === 1 && s.status === "waiting_approval");
    expect((await h.request("POST", "/webhook/pause", { body: "{}", headers: { ...headers, "x-orchestrator-by": "the CLI" } })).status).toBe(200);
    expect((await h.post("/webhook/cancel", {})).status).toBe(409); // refused, and recorded as the HTTP API (its `by`)
    await history.flush();

    const found = await h.post("/webhook/history", { task: 1, grep: "approve" });
    expect(found.status).toBe(200);
    const entries = found.json.entries as HistoryEntry[];
    expect(entries[0]).toMatchObject({ event: "approve", by: "HTTP 127.0.0.2", task: 1, ok: true });
    expect(found.json.message).toMatch(/^📜 History of "approve", task 1: \d+ events?\n\S+ approve by HTTP 127\.0\.0\.2: Executing Task 1\/3: Task number 1/);
    expect(found.json).toMatchObject({ status: "ok", more: false, session: expect.objectContaining({ status: "paused" }) });

    const all = await h.post("/webhook/history", {});
    expect((all.json.entries as HistoryEntry[]).filter((e) => e.kind === "command").map((e) => [e.event, e.by, e.ok])).toEqual([
      ["start", "HTTP 127.0.0.2", true],
      ["approve", "HTTP 127.0.0.2", true],
      ["pause", "the CLI", true],
      ["cancel", "the HTTP API", false],
    ]);
    // The same through /webhook/command, as text, and bounded by limit.
    const text = await h.post("/webhook/command", { command: "/history by the CLI", limit: 1 });
    expect((text.json.entries as HistoryEntry[]).map((e) => e.by)).toEqual(["the CLI"]);

    const bad = await h.post("/webhook/history", { since: "soon" });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: "error", error: "bad_request", message: expect.stringMatching(/"since" takes a date/) });
  });
});

describe("Control history", () => {
  it("writes what the service still holds before it searches", async () => {
    const x = await startHistoryHarness({ history: { flushMs: 60_000 } });
    try {
      await x.control.execute({ command: "start", by: "Telegram 123 @ana" });
      const r = await x.control.execute({ command: "history", grep: "@ana" });
      expect(r.ok).toBe(true);
      expect((r.data.entries as HistoryEntry[]).map((e) => e.event)).toEqual(["start"]);
    } finally {
      await x.close();
    }
  });

  it("without the writer it searches the files as they are (nothing yet), and says where they are", async () => {
    const x = await startHistoryHarness({ history: { flushMs: 60_000 }, controlFlushes: false });
    try {
      await x.control.execute({ command: "start", by: "Telegram 123 @ana" });
      const r = await x.control.execute({ command: "history", grep: "@ana" });
      expect(r).toMatchObject({ ok: true, data: { entries: [] } });
      expect(r.message).toBe(`No events match "@ana" (the history is in ${x.logsDir}/events-YYYY-MM-DD.jsonl).`);
    } finally {
      await x.close();
    }
  });
});
