import { describe, expect, it } from "@jest/globals";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { decodeCheckpoint, decodeFilePick, decodeSkipAnswer, encodeCheckpoint, refIsCurrent, taskRef } from "../../src/telegram/callback-data.js";
import { escapeHtml } from "../../src/telegram/rendering/html.js";
import { filePickerKeyboard } from "../../src/telegram/rendering/keyboards.js";
import { renderChange } from "../../src/telegram/rendering/render-change.js";
import { splitHtml } from "../../src/telegram/rendering/split-message.js";
import { def } from "../core/machine-helpers.js";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";

function session(over: Partial<SessionState> = {}): SessionState {
  return { ...createIdleState(), session_id: "20251120-093015", task_file: "/x/orchestrator_tasks/t.md", status: "waiting_approval", started_at: "2025-11-20T09:30:15.000Z", tasks: [1, 2, 3].map((i) => createTaskRecord(def(i))), ...over };
}

describe("splitHtml", () => {
  it("keeps short text whole and cuts long text at line breaks into valid parts", () => {
    expect(splitHtml("<b>hi</b>")).toEqual(["<b>hi</b>"]);
    const html = Array.from({ length: 400 }, (_, i) => `line ${i} ${escapeHtml("<x> & y")} ${"z".repeat(20)}`).join("\n");
    const parts = splitHtml(html);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join("\n")).toBe(html);
  });

  it("closes and reopens tags around a cut, and cuts an over-long line outside entities", () => {
    const pre = `<pre>${Array.from({ length: 300 }, (_, i) => `log line ${i} &lt;${"q".repeat(20)}&gt;`).join("\n")}</pre>`;
    const parts = splitHtml(`📜 <b>Logs</b>\n\n${pre}`);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(parseTelegramHtml(p)).toMatchObject({ ok: true });
    expect(parts[1]?.startsWith("<pre>")).toBe(true);
    // Lengths count the HTML source (never less than what Telegram counts), so this is cut too.
    const long = splitHtml(`<i>${"&amp;".repeat(3000)}</i>`);
    expect(long.length).toBeGreaterThan(1);
    for (const p of long) expect(p.length).toBeLessThanOrEqual(4096);
    const visible = long.map((p) => parseTelegramHtml(p)).map((r) => (r.ok ? r.text : r.description)).join("");
    expect(visible).toBe("&".repeat(3000));
  });
});

describe("callback data", () => {
  it("fits in 64 bytes, round-trips, and is current only for the same session, task and attempt", () => {
    const state = session({ tasks: Array.from({ length: 3 }, (_, i) => ({ ...createTaskRecord(def(i + 1)), attempts: 123456 })), current_task_index: 2 });
    const ref = taskRef(state);
    const data = encodeCheckpoint("approve", ref);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(decodeCheckpoint(data)).toEqual({ action: "approve", ref });
    expect(refIsCurrent(ref, state)).toBe(true);
    expect(refIsCurrent(ref, { ...state, session_id: "other" })).toBe(false);
    expect(refIsCurrent(ref, { ...state, current_task_index: 1 })).toBe(false);
    expect(refIsCurrent({ ...ref, attempt: 0 }, state)).toBe(false);
    expect(refIsCurrent(ref, { ...state, status: "completed" })).toBe(false);
    expect(decodeCheckpoint("cp:x:12345678:0:0")).toBeNull();
    expect(decodeSkipAnswer("sk:n")).toEqual({ yes: false });
    expect(decodeFilePick("tf:3")).toBe(3);
    const names = Array.from({ length: 20 }, (_, i) => `${"very-long-file-name-".repeat(10)}${i}.md`);
    for (const b of filePickerKeyboard(names).inline_keyboard.flat()) expect(Buffer.byteLength((b as { callback_data: string }).callback_data)).toBeLessThanOrEqual(64);
  });
});

describe("renderChange", () => {
  it("puts a completion and the next checkpoint in one message with buttons, and a started task in its own", () => {
    const state = session({ current_task_index: 1 });
    state.tasks[0] = { ...(state.tasks[0] as SessionState["tasks"][number]), status: "completed", summary: "Made <it>", duration_s: 30 };
    const out = renderChange(
      state,
      [
        { event: "task_completed", level: "success", message: "", task_index: 0 },
        { event: "approval_needed", level: "info", message: "", task_index: 1 },
      ],
      new Date(),
    );
    expect(out).toHaveLength(1);
    expect(out[0]?.html).toContain("✅ <b>Task 1/3 Complete!</b>");
    expect(out[0]?.html).toContain("Made &lt;it&gt;");
    expect(out[0]?.html).toContain("⏱️ Took 30 s");
    expect(out[0]?.keyboard?.inline_keyboard[0]?.map((b) => b.text)).toEqual(["✅ Approve", "⏭️ Skip", "⏸️ Pause"]);

    const running = session({ status: "running", current_task_index: 1 });
    const started = renderChange(running, [{ event: "task_started", level: "info", message: "", task_index: 1 }], new Date());
    expect(started).toEqual([{ html: expect.stringContaining("⚙️ <b>Executing Task 2/3</b>"), keyboard: null, run: taskRef(running, 1) }]);
  });
});

describe("renderStatus", () => {
  it("puts the service's problems first, escaped, in valid Telegram HTML", async () => {
    const { renderStatus } = await import("../../src/telegram/rendering/render-status.js");
    const { statusData } = await import("../../src/control/status-data.js");
    const problem = "logs are not being written: EROFS: read-only file system, open '/x/<today>.log'";
    for (const state of [createIdleState(), session()]) {
      const html = renderStatus(statusData(state, new Date("2025-11-20T09:40:00Z"), [problem]));
      const parsed = parseTelegramHtml(html);
      expect(parsed).toMatchObject({ ok: true });
      expect(parsed.ok && parsed.text).toContain(`⚠️ ${problem}`);
      expect(html.indexOf("⚠️")).toBeLessThan(html.indexOf("Status:"));
    }
    expect(renderStatus(statusData(session(), new Date("2025-11-20T09:40:00Z")))).not.toContain("⚠️");
  });
});
