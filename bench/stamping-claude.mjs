#!/usr/bin/env node
// A fake `claude -p --output-format stream-json --verbose` for bench/telegram-waits.ts: the
// success shapes of test/fixtures/fake-claude.mjs (init, one assistant text, result), with the
// moment the result line is written in its `result` text: `done <ns>`, process.hrtime.bigint(),
// which is CLOCK_MONOTONIC, the same clock in every process of the machine. So the bench can
// time "result line written -> completion message at the Bot API" across the two processes.
import { randomUUID } from "node:crypto";

for await (const _ of process.stdin); // the prompt: read to the end, as the real CLI does
const sessionId = randomUUID();
const model = "claude-sonnet-4-5-20250929";
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
out({ type: "system", subtype: "init", cwd: process.cwd(), session_id: sessionId, tools: [], mcp_servers: [], model, permissionMode: "default", apiKeySource: "ANTHROPIC_API_KEY", uuid: randomUUID() });
out({
  type: "assistant",
  message: { id: `msg_${randomUUID().replaceAll("-", "")}`, type: "message", role: "assistant", model, content: [{ type: "text", text: "Working on it." }], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 20 } },
  parent_tool_use_id: null,
  session_id: sessionId,
  uuid: randomUUID(),
});
out({
  type: "result", subtype: "success", is_error: false, duration_ms: 5, duration_api_ms: 4, num_turns: 1,
  result: `done ${process.hrtime.bigint()}`, session_id: sessionId, total_cost_usd: 0.0123,
  usage: { input_tokens: 1200, output_tokens: 340, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  modelUsage: {}, permission_denials: [], uuid: randomUUID(),
});
process.stdout.write("", () => process.exit(0));
