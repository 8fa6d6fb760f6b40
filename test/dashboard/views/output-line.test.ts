import { describe, expect, it } from "@jest/globals";
import { outputLine } from "../../../src/dashboard/views/output-line.js";

// Lines in the shapes the Claude Code CLI prints (stream-json), as a task's output log holds them.
const init = JSON.stringify({ type: "system", subtype: "init", session_id: "s1", model: "claude-sonnet-4-5", tools: ["Bash"] });
const assistant = JSON.stringify({
  type: "assistant",
  session_id: "s1",
  message: { role: "assistant", content: [{ type: "text", text: "I'll run the tests.\nThen fix them." }, { type: "tool_use", id: "t1", name: "Bash", input: { command: "npm test" } }] },
});
const toolResult = JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] } });
const result = (isError: boolean, text: string) => JSON.stringify({ type: "result", subtype: "success", is_error: isError, result: text, session_id: "s1", total_cost_usd: 0.01 });

describe("a task's output log line on the dashboard", () => {
  it("shows the start, Claude's text and tool calls, and the result; never a pino-style 'undefined'", () => {
    expect(outputLine(init)).toBe("▶ session started (claude-sonnet-4-5)");
    expect(outputLine(assistant)).toBe("💬 I'll run the tests.  🔧 Bash: npm test");
    expect(outputLine(result(false, "\nAll 12 tests pass.\nDone."))).toBe("✅ result: All 12 tests pass.");
    expect(outputLine(result(true, "API Error: 500"))).toBe("❌ result: API Error: 500");
  });

  it("drops tool results and control lines (they stay in the raw log), shows a non-JSON line as it is, and cuts long ones", () => {
    expect(outputLine(toolResult)).toBeNull();
    expect(outputLine(JSON.stringify({ type: "control_response", response: {} }))).toBeNull();
    expect(outputLine("Error: spawn failed")).toBe("Error: spawn failed");
    const long = outputLine(JSON.stringify({ type: "assistant", message: { content: [{ type: "text", text: "x".repeat(1000) }] } })) as string;
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long.endsWith("…")).toBe(true);
  });
});
