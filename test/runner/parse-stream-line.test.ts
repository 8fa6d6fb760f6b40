import { describe, it, expect } from "@jest/globals";
import { parseStreamLine, describeToolUse, firstLine } from "../../src/runner/parse-stream-line.js";

const line = (o: unknown) => JSON.stringify(o);
const USAGE = { input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 40 };

describe("parseStreamLine", () => {
  it("reads system/init", () => {
    const ev = parseStreamLine(line({ type: "system", subtype: "init", session_id: "s1", model: "claude-x", tools: ["Bash"] }));
    expect(ev).toEqual({ type: "init", session_id: "s1", model: "claude-x", progress: { kind: "init", text: "claude-x" } });
  });

  it("turns assistant blocks into progress", () => {
    const ev = parseStreamLine(
      line({
        type: "assistant",
        session_id: "s1",
        message: {
          content: [
            { type: "text", text: "\n  First line\nsecond line" },
            { type: "thinking", thinking: "hmm" },
            { type: "tool_use", name: "Bash", input: { command: "ls -la\necho hi", description: "List" } },
            { type: "tool_use", name: "Write", input: { file_path: "/p/a.ts", content: "x" } },
            { type: "tool_use", name: "Grep", input: { pattern: "TODO", path: "src" } },
            { type: "tool_use", name: "TodoWrite", input: { todos: [] } },
            { type: "text", text: "   " },
          ],
        },
      }),
    );
    expect(ev).toEqual({
      type: "assistant",
      session_id: "s1",
      progress: [
        { kind: "text", text: "First line" },
        { kind: "tool_use", text: "Bash: ls -la", tool: "Bash" },
        { kind: "tool_use", text: "Write: /p/a.ts", tool: "Write" },
        { kind: "tool_use", text: "Grep: TODO", tool: "Grep" },
        { kind: "tool_use", text: "TodoWrite", tool: "TodoWrite" },
      ],
    });
  });

  it("cuts progress text to 200 characters", () => {
    const ev = parseStreamLine(line({ type: "assistant", message: { content: [{ type: "text", text: "y".repeat(500) }] } }));
    expect(ev.type === "assistant" && ev.progress[0].text.length).toBe(200);
    expect(firstLine("a".repeat(201))).toHaveLength(200);
    expect(firstLine("short")).toBe("short");
  });

  it("reads a success result", () => {
    const ev = parseStreamLine(
      line({
        type: "result", subtype: "success", is_error: false, result: "Done", num_turns: 2, total_cost_usd: 0.01,
        usage: { ...USAGE, server_tool_use: {} }, session_id: "s1", permission_denials: [],
      }),
    );
    expect(ev).toEqual({
      type: "result",
      result: {
        subtype: "success", is_error: false, result: "Done", errors: [], num_turns: 2, total_cost_usd: 0.01, run_cost_usd: null,
        usage: USAGE, session_id: "s1", permission_denials: [],
      },
    });
  });

  it("reads this run's own cost from model_usage_since_last_result (a resumed session's total counts earlier runs)", () => {
    const ev = parseStreamLine(
      line({
        type: "result", subtype: "success", is_error: false, result: "Done", total_cost_usd: 0.0192,
        modelUsage: { "claude-x": { costUSD: 0.0192 } },
        model_usage_since_last_result: { "claude-x": { costUSD: 0.0064 }, "claude-haiku": { costUSD: 0.001 } },
      }),
    );
    if (ev.type !== "result") throw new Error("not a result");
    expect(ev.result.total_cost_usd).toBe(0.0192);
    expect(ev.result.run_cost_usd).toBeCloseTo(0.0074, 10);
    const bad = parseStreamLine(line({ type: "result", subtype: "success", model_usage_since_last_result: { x: { tokens: 1 } } }));
    expect(bad.type === "result" && bad.result.run_cost_usd).toBeNull();
  });

  it("reads error subtypes (errors, no result) and permission denials", () => {
    const ev = parseStreamLine(
      line({
        type: "result", subtype: "error_max_turns", is_error: true, errors: ["Reached maximum number of turns (3)"],
        num_turns: 3, session_id: "s2",
        permission_denials: [{ tool_name: "Bash", tool_use_id: "t1", tool_input: {} }, { tool_name: "Write" }],
      }),
    );
    expect(ev.type).toBe("result");
    if (ev.type !== "result") return;
    expect(ev.result).toMatchObject({
      subtype: "error_max_turns", is_error: true, result: null, errors: ["Reached maximum number of turns (3)"],
      num_turns: 3, total_cost_usd: null, usage: null, permission_denials: ["Bash", "Write"],
    });
  });

  it("fills missing usage fields with 0", () => {
    const ev = parseStreamLine(line({ type: "result", subtype: "success", usage: { input_tokens: 5 } }));
    expect(ev.type === "result" && ev.result.usage).toEqual({
      input_tokens: 5, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0,
    });
  });

  it.each([
    ['{"type":"user","message":{}}', "user"],
    ['{"type":"system","subtype":"hook_response"}', "system"],
    ['{"type":"stream_event"}', "stream_event"],
    ["", ""],
    ["   ", ""],
  ])("ignores %j", (text, lineType) => {
    expect(parseStreamLine(text)).toEqual({ type: "other", lineType });
  });

  it.each(["not json", '{"type":"assistant"', "42", "null", "[1,2]"])("calls %j malformed", (text) => {
    expect(parseStreamLine(text).type).toBe("malformed");
  });

  it("survives odd shapes without throwing", () => {
    expect(parseStreamLine('{"type":"assistant","message":null}')).toEqual({ type: "assistant", session_id: null, progress: [] });
    expect(parseStreamLine('{"type":"assistant","message":{"content":"text"}}')).toMatchObject({ progress: [] });
    expect(parseStreamLine('{"type":"system","subtype":"init"}')).toMatchObject({ type: "init", model: null });
  });
});

describe("describeToolUse", () => {
  it("summarises by the most telling input field", () => {
    expect(describeToolUse("Read", { file_path: "/a" })).toBe("Read: /a");
    expect(describeToolUse("WebFetch", { url: "https://x", prompt: "p" })).toBe("WebFetch: https://x");
    expect(describeToolUse("Task", { description: "Explore", prompt: "long" })).toBe("Task: Explore");
    expect(describeToolUse("mcp__x__y", { foo: 1, bar: "baz" })).toBe("mcp__x__y: baz");
    expect(describeToolUse("Other", null)).toBe("Other");
  });
});
