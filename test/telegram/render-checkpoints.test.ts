import { describe, expect, it } from "@jest/globals";
import type { DiffData } from "../../src/control/control-types.js";
import type { Notification } from "../../src/core/effects.js";
import { createIdleState, createTaskRecord, type SessionState } from "../../src/core/state.js";
import { decodeRollbackAnswer, decodeTaskAction, encodeRollbackYes, encodeTaskAction, rollbackStamp, taskRef } from "../../src/telegram/callback-data.js";
import { INLINE_MAX, renderDiff } from "../../src/telegram/rendering/render-diff.js";
import { renderChange } from "../../src/telegram/rendering/render-change.js";
import { def } from "../core/machine-helpers.js";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";

const GIT = { base: "b".repeat(40), head: "h".repeat(40), base_commit: null, head_commit: null, head_before: null };

function session(over: Partial<SessionState> = {}): SessionState {
  return { ...createIdleState(), session_id: "20251120-093015", task_file: "/x/t.md", status: "waiting_approval", current_task_index: 1, started_at: "2025-11-20T09:30:15.000Z", tasks: [1, 2, 3].map((i) => createTaskRecord(def(i))), ...over };
}

const note = (event: Notification["event"], message: string, task_index: number | null = 0, level: Notification["level"] = "info"): Notification => ({ event, level, message, task_index });

function diffResult(diff: string, summary = "1 file changed (+1 −0): a.txt") {
  const data: DiffData = { task: 2, title: "Add <things>", task_status: "completed", files: [{ path: "a.txt", status: "added", insertions: 1, deletions: 0 }], insertions: 1, deletions: 0, diff, truncated: false, summary };
  return { ok: true, code: "ok" as const, message: `Task 2: Add <things>: ${summary}`, data: { ...data } };
}

describe("renderDiff", () => {
  it("is inline, escaped, up to INLINE_MAX characters of HTML, and a document beyond", () => {
    const line = "+<x> & y\n";
    const fits = Math.floor((INLINE_MAX - 200) / "+&lt;x&gt; &amp; y\n".length);
    const inline = renderDiff(diffResult(line.repeat(fits)));
    expect(inline.kind).toBe("text");
    if (inline.kind !== "text") return;
    expect(inline.html.length).toBeLessThanOrEqual(INLINE_MAX);
    expect(parseTelegramHtml(inline.html)).toMatchObject({ ok: true });
    expect(inline.html).toContain("<b>Task 2: Add &lt;things&gt;</b>");

    const doc = renderDiff(diffResult(line.repeat(fits * 2)));
    expect(doc).toMatchObject({ kind: "document", filename: "task-2.diff", content: line.repeat(fits * 2) });
  });

  it("keeps a long summary's caption under Telegram's 1024 characters, and sends Control's words when nothing changed", () => {
    const summary = `10 files changed (+9 −9): ${Array.from({ length: 10 }, (_, i) => `src/${"deep/".repeat(20)}file-${i}.ts`).join(", ")}`;
    const doc = renderDiff(diffResult("+x\n".repeat(3000), summary));
    expect(doc.kind).toBe("document");
    if (doc.kind !== "document") return;
    const caption = parseTelegramHtml(doc.caption);
    expect(caption.ok && caption.text.length).toBeLessThanOrEqual(1024);

    const none = renderDiff({ ...diffResult("", "no files changed"), data: { ...diffResult("", "no files changed").data, files: [] } });
    expect(none).toEqual({ kind: "text", html: "🔍 Task 2: Add &lt;things&gt;: no files changed" });
  });
});

describe("renderChange: checkpoints", () => {
  it("shows the core's change, verification and commit lines whole and escaped, with Diff / Rollback for a task that ran with git", () => {
    const state = session();
    Object.assign(state.tasks[0] as object, { status: "completed", git: GIT });
    const names = Array.from({ length: 10 }, (_, i) => `src/<${i}> & ${"n".repeat(150)}.ts`).join(", ");
    const message = `Task 1/3 complete. Progress: 1/3\n10 files changed (+5 −1): ${names}\n✅ verified: npm test (12 s)\nCommitted abc1234.`;
    const [out] = renderChange(state, [note("task_completed", message, 0, "success"), note("approval_needed", "waits", 1)], new Date());
    expect(out?.html).toContain(`10 files changed (+5 −1): ${names.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}\n✅ verified: npm test (12 s)\nCommitted abc1234.`);
    expect(out?.keyboard?.inline_keyboard.map((r) => r.map((b) => b.text))).toEqual([
      ["✅ Approve", "⏭️ Skip", "⏸️ Pause"],
      ["🔍 Diff", "↩️ Rollback"],
    ]);
    const diffButton = out?.keyboard?.inline_keyboard[1]?.[0];
    expect(decodeTaskAction(diffButton && "callback_data" in diffButton ? diffButton.callback_data : "")).toEqual({ action: "diff", ref: taskRef(state, 0) });

    // Without git there is nothing to diff or undo: no such buttons.
    Object.assign(state.tasks[0] as object, { git: null });
    const [plain] = renderChange(state, [note("task_completed", "Task 1/3 complete. Progress: 1/3", 0, "success")], new Date());
    expect(plain?.keyboard).toBeNull();
  });

  it("renders verification_failed and task_rolled_back as the core words them; a failed rollback is marked", () => {
    const running = session({ status: "running", current_task_index: 0 });
    const [fixing] = renderChange(running, [note("verification_failed", "🔁 Task 1/3: x: verification failed (npm test exited 1: a < b); Claude is fixing it (1/1)", 0, "warning")], new Date());
    expect(fixing?.html).toMatch(/^🔁 Task 1\/3: x: verification failed \(npm test exited 1: a &lt; b\); Claude is fixing it \(1\/1\)/);
    expect(fixing?.html).toContain("/cancel to stop it now");
    // Verifying alone is no message (the progress message shows it).
    expect(renderChange(running, [note("task_verifying", "🔎 Task 1/3: Claude is done; verifying (npm test)")], new Date())).toEqual([]);

    const failed = renderChange(session(), [note("task_rolled_back", "Could not roll back Task 1/3: x: disk full", 0, "error")], new Date());
    expect(failed[0]?.html).toMatch(/^❌ Could not roll back Task 1\/3/);
  });
});

describe("rollback callback data", () => {
  it("fits in 64 bytes, round-trips, and its stamp changes with the task or any later one", () => {
    const state = session();
    const ref = { session: "0123abcd", index: 999_999, attempt: 999_999 };
    const data = encodeRollbackYes(ref, rollbackStamp(state, 0));
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(decodeRollbackAnswer(data)).toEqual({ yes: true, ref, stamp: rollbackStamp(state, 0) });
    expect(decodeRollbackAnswer("rb:n")).toEqual({ yes: false });
    expect(decodeRollbackAnswer("rb:y:nope")).toBeNull();
    expect(Buffer.byteLength(encodeTaskAction("rollback", ref))).toBeLessThanOrEqual(64);

    const before = rollbackStamp(state, 0);
    const later = structuredClone(state);
    Object.assign(later.tasks[2] as object, { status: "completed", attempts: 1 });
    expect(rollbackStamp(later, 0)).not.toBe(before);
    // An earlier task is not part of what a rollback of task 2 undoes.
    const earlier = structuredClone(state);
    Object.assign(earlier.tasks[0] as object, { status: "completed", attempts: 1 });
    expect(rollbackStamp(earlier, 1)).toBe(rollbackStamp(state, 1));
  });
});
