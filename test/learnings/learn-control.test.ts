import { afterEach, describe, expect, it } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { startHistoryHarness, type HistoryHarness } from "../history/history-harness.js";

// Control's learn over a real orchestrator and a real event history: the learnings file's lines,
// the refusal, who added what.

let h: HistoryHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("learn", () => {
  it("appends a dated line with who, under a heading it makes; refuses empty text; the history has it", async () => {
    h = await startHistoryHarness();
    const file = path.join(h.dir, "orchestrator_learnings.md");
    const r = await h.control.execute({ command: "learn", text: "  Always run the migrations' tests\nbefore saying done ", by: "Telegram 111 @ana" });
    expect(r).toEqual({ ok: true, code: "ok", message: "📝 Learned: every task's prompt from now on has it (orchestrator_learnings.md).", data: { file, text: "Always run the migrations' tests\nbefore saying done", line: `- Always run the migrations' tests before saying done (${h.today}, Telegram 111 @ana)` } });
    await h.control.execute({ command: "learn", text: "Plural table names", by: "the CLI" });
    expect(await readFile(file, "utf8")).toBe(`# Learnings\n\n- Always run the migrations' tests before saying done (${h.today}, Telegram 111 @ana)\n- Plural table names (${h.today}, the CLI)\n`);
    expect(await h.control.execute({ command: "learn", text: "   " })).toMatchObject({ ok: false, code: "bad_request", message: 'Send the lesson: /learn <text> (HTTP: {"text": "…"}). Every later task\'s prompt carries it.' });
    const learned = (await h.lines()).filter((l) => l.event === "learn");
    expect(learned.map((l) => [l.by, l.ok, l.fields.text])).toEqual([
      ["Telegram 111 @ana", true, "Always run the migrations' tests\nbefore saying done"],
      ["the CLI", true, "Plural table names"],
      [null, false, ""],
    ]);
  });

  it("while a task runs, says its Claude does not see the lesson", async () => {
    h = await startHistoryHarness({ scripts: [{ hold: true }] });
    await h.control.execute({ command: "start" });
    await h.control.execute({ command: "approve" });
    await h.orchestrator.waitFor((s) => s.status === "running");
    const r = await h.control.execute({ command: "learn", text: "x" });
    expect(r.message).toBe("📝 Learned: every task's prompt from now on has it (orchestrator_learnings.md). The task running now does not see it (/tell reaches it).");
  });
});
