#!/usr/bin/env node
// A claude that does not stop when a person presses Stop, for test/faults/permissions.test.ts:
// it runs the fake claude (test/fixtures/fake-claude.mjs) with the same arguments and environment,
// passing stdin and stdout through line by line, except a control_response that denies with
// `interrupt: true` (what Stop sends), which it swallows: the fake never hears it, so its ask
// stays pending and the run goes on. (The fake's own FAKE_CLAUDE_IGNORE_INTERRUPT only ignores a
// control_request `interrupt`, which the orchestrator does not send on Stop.)
// STUBBORN_CLAUDE_CHATTY=1: after swallowing, print an assistant line every 200 ms (a CLI that
// keeps working, so the idle watchdog never fires); otherwise it stays silent.
// With FAKE_CLAUDE_RECORD=<dir>, each swallowed answer is appended to <dir>/swallowed.jsonl.
// Signals are not handled: a SIGTERM to the group ends both processes.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FAKE = fileURLToPath(new URL("../fixtures/fake-claude.mjs", import.meta.url));
const child = spawn(process.execPath, [FAKE, ...process.argv.slice(2)], { stdio: ["pipe", "inherit", "inherit"] });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.stdin.on("error", () => {}); // the fake gone: nothing to pass on

let chatter = null;
let buf = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    let msg = null;
    try {
      msg = JSON.parse(line);
    } catch {
      // not ours to judge: the fake says what it makes of it
    }
    if (msg?.type === "control_response" && msg.response?.response?.interrupt === true) {
      if (process.env.FAKE_CLAUDE_RECORD) appendFileSync(path.join(process.env.FAKE_CLAUDE_RECORD, "swallowed.jsonl"), `${JSON.stringify({ pid: process.pid, at: Date.now(), line: msg })}\n`);
      if (process.env.STUBBORN_CLAUDE_CHATTY === "1" && chatter === null) {
        let n = 0;
        chatter = setInterval(() => {
          process.stdout.write(`${JSON.stringify({ type: "assistant", message: { role: "assistant", content: [{ type: "text", text: `Still working, step ${++n}` }] }, parent_tool_use_id: null })}\n`);
        }, 200);
      }
      continue;
    }
    child.stdin.write(`${line}\n`);
  }
});
process.stdin.on("end", () => child.stdin.end());
