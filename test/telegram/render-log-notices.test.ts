import { describe, expect, it } from "@jest/globals";
import { createIdleState } from "../../src/core/state.js";
import { renderChange } from "../../src/telegram/rendering/render-change.js";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";

describe("renderChange: log notices", () => {
  it("renders logs_failing and logs_recovered as their own messages, escaped, without session hints", () => {
    const now = new Date("2026-01-01T10:00:00Z");
    const [failing] = renderChange(createIdleState(), [{ event: "logs_failing", level: "error", task_index: null, message: "Logs are not being written: EROFS: read-only file system, open '/x/<2026>.log'." }], now);
    expect(failing?.html).toBe("🚨 <b>Logs are not being written</b>\n\nLogs are not being written: EROFS: read-only file system, open '/x/&lt;2026&gt;.log'.");
    expect(parseTelegramHtml(failing?.html ?? "")).toMatchObject({ ok: true });
    const [back] = renderChange(createIdleState(), [{ event: "logs_recovered", level: "success", task_index: null, message: "Logs are being written again." }], now);
    expect(back?.html).toBe("📝 <b>Logs are being written again</b>");
  });
});
